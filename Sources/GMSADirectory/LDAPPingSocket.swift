import GMSACore
import LDAPPing

#if canImport(Glibc)
import Glibc
#endif

/// Sends one LDAP ping (``LDAPPing``) to a DC over UDP port 389 and waits a short time for its answer.
public enum LDAPPingSocket {
    /// The UDP port of the LDAP ping, whatever TCP port the DC's LDAP service uses.
    public static let port = 389

    /// The DC's answer, parsed; throws when it does not answer within `timeout` or answers nonsense.
    public static func ping(
        _ controller: DomainController, domain: String, timeout: Duration
    ) throws(DirectoryError) -> NetlogonResponse {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(controller.host, String(port), &hints, &found)
        guard status == 0, let first = found else {
            throw DirectoryError(
                .unavailable, "LDAP ping to \(controller.host): cannot resolve the name: \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }
        let address = first.pointee
        let handle = socket(address.ai_family, address.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), address.ai_protocol)
        guard handle >= 0 else { throw failure(controller, "socket", errno) }
        defer { close(handle) }
        // connect() on a UDP socket: only datagrams from the DC's address and port are received.
        guard connect(handle, address.ai_addr, address.ai_addrlen) == 0 else { throw failure(controller, "connect", errno) }
        let messageID = Int32.random(in: 1...Int32.max)
        let request = LDAPPing.request(domain: domain, messageID: messageID)
        let sent = request.withUnsafeBytes { send(handle, $0.baseAddress, $0.count, 0) }
        guard sent == request.count else { throw failure(controller, "send", errno) }

        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else {
                throw DirectoryError(.unavailable, "LDAP ping to \(controller.host) (UDP \(port)): no answer within \(timeout)")
            }
            var descriptor = pollfd(fd: handle, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw failure(controller, "poll", errno)
            }
            guard ready > 0 else { continue }
            let received = buffer.withUnsafeMutableBytes { recv(handle, $0.baseAddress, $0.count, 0) }
            guard received >= 0 else {
                if errno == EINTR || errno == EAGAIN { continue }
                // ECONNREFUSED: an ICMP port unreachable came back; nothing listens on UDP 389 there.
                throw failure(controller, "receive", errno)
            }
            do {
                return try LDAPPing.response(Array(buffer.prefix(received)), messageID: messageID)
            } catch where error.code == .wrongMessage {
                continue  // a late answer to an earlier ping
            } catch {
                throw DirectoryError(.unexpectedResponse, "LDAP ping to \(controller.host): \(error.description)")
            }
        }
    }

    private static func failure(_ controller: DomainController, _ call: String, _ code: Int32) -> DirectoryError {
        DirectoryError(.unavailable, "LDAP ping to \(controller.host) (UDP \(port)): \(call) failed: \(String(cString: strerror(code)))")
    }
}
