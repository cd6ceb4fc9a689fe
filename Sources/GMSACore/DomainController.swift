/// One domain controller to connect to: a host name and, when not the LDAP default 389, a port.
///
/// From `[domain] servers` (`"dc1.company.test"` or `"dc1.company.test:3389"`) or from a DNS SRV record
/// (target and port). The host name is also the DC's Kerberos name: `ldap/<host>`.
public struct DomainController: Sendable, Hashable, CustomStringConvertible {
    /// LDAP's well-known port.
    public static let defaultPort = 389

    /// The DC's host name, as given (no trailing dot).
    public var host: String
    /// The TCP port.
    public var port: Int

    public init(host: String, port: Int = DomainController.defaultPort) {
        self.host = host
        self.port = port
    }

    /// The DC as DCs are compared (DNS names are case-insensitive): the host in lower case, and the port.
    public var comparisonKey: DomainController {
        DomainController(host: host.lowercased(), port: port)
    }

    /// `host` alone when the port is 389, else `host:port`.
    public var description: String {
        port == Self.defaultPort ? host : "\(host):\(port)"
    }

    /// The libldap URI, e.g. `ldap://dc1.company.test` or `ldap://dc1.company.test:3389`.
    public var uri: String { "ldap://\(description)" }

    /// Parses a `[domain] servers` entry: `host` or `host:port` (port 1–65535). Returns `nil` for anything
    /// else: empty, spaces, a URL, an IPv6 literal, a bad port.
    public init?(parsing text: String) {
        guard !text.isEmpty, !text.contains(where: { $0 == " " || $0 == "/" || $0 == "[" || $0 == "]" || $0 == "@" }) else {
            return nil
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            self.init(host: text)
        case 2:
            guard !parts[0].isEmpty, !parts[1].isEmpty, parts[1].allSatisfy(\.isASCII), parts[1].allSatisfy(\.isNumber),
                parts[1].count <= 5, let port = Int(parts[1]), (1...65_535).contains(port)
            else { return nil }
            self.init(host: String(parts[0]), port: port)
        default:
            return nil
        }
        if host.hasSuffix(".") { host.removeLast() }
        guard !host.isEmpty else { return nil }
    }

    /// The DCs from SRV records in the order to try them (RFC 2782), each host:port once, names compared
    /// without case. `random` as in ``DomainControllerOrder/ordered(_:random:)``.
    public static func ordered(
        _ records: [ServiceRecord],
        random: (Int) -> Int = { Int.random(in: 0...$0) }
    ) -> [DomainController] {
        var seen = Set<DomainController>()
        return DomainControllerOrder.ordered(records, random: random).compactMap { record in
            var host = record.target
            if host.hasSuffix(".") { host.removeLast() }
            // A target of "." means "no service here" (RFC 2782); port 0 cannot be connected to.
            guard !host.isEmpty, (1...65_535).contains(record.port) else { return nil }
            let controller = DomainController(host: host, port: record.port)
            guard seen.insert(controller.comparisonKey).inserted else { return nil }
            return controller
        }
    }
}
