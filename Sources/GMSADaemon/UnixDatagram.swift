#if canImport(Glibc)
import Glibc
#endif

/// One datagram to an `AF_UNIX` socket: how systemd's notify and journal protocols are spoken.
enum UnixDatagram {
    /// A socket address: a file system path, or a name in the abstract namespace.
    struct Address: Equatable, Sendable {
        /// The bytes of `sun_path`: the path, or a NUL followed by the abstract name.
        let path: [UInt8]

        init?(path: String) {
            let bytes = Array(path.utf8)
            guard bytes.first == UInt8(ascii: "/"), !bytes.contains(0) else { return nil }
            self.init(bytes: bytes)
        }

        /// `NOTIFY_SOCKET`'s forms: `/path`, or `@name` for the abstract namespace.
        init?(notifySocket: String) {
            var bytes = Array(notifySocket.utf8)
            if bytes.first == UInt8(ascii: "@") {
                guard bytes.count > 1 else { return nil }
                bytes[0] = 0
                self.init(bytes: bytes)
            } else {
                self.init(path: notifySocket)
            }
        }

        private init?(bytes: [UInt8]) {
            guard bytes.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else { return nil }
            self.path = bytes
        }
    }

    /// Sends `payload` as one datagram; true when the kernel took it whole.
    /// `bufferSize`, when set, is asked for as the socket's send buffer first (large journal entries).
    static func send(_ payload: [UInt8], to address: Address, bufferSize: Int32? = nil) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if var size = bufferSize {
            _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { sunPath in
            sunPath.copyBytes(from: address.path)
        }
        // An abstract name's length is part of the address: pass exactly the bytes used.
        let length = socklen_t(MemoryLayout.offset(of: \sockaddr_un.sun_path)! + address.path.count)
        let sent = payload.withUnsafeBytes { bytes in
            withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), $0, length)
                }
            }
        }
        return sent == payload.count
    }
}
