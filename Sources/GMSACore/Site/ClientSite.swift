/// The AD site this host belongs to, and where that came from.
public struct ClientSite: Sendable, Equatable, CustomStringConvertible {
    public enum Source: Sendable, Equatable {
        /// `[domain] site` in the configuration.
        case configured
        /// The `ClientSiteName` of this DC's answer to an LDAP ping.
        case ping(DomainController)
    }

    public var name: String
    public var source: Source

    public init(name: String, source: Source) {
        self.name = name
        self.source = source
    }

    /// The SRV name of the site's DCs: `_ldap._tcp.<site>._sites.dc._msdcs.<domain>`.
    public func serviceName(domain: String) -> String {
        "_ldap._tcp.\(name)._sites.dc._msdcs.\(domain.lowercased())"
    }

    /// `Site2 (from [domain] site)` or `Site2 (from dc1.company.test's answer to an LDAP ping)`.
    public var description: String {
        "\(name) (from \(origin))"
    }

    /// Where the name came from: `[domain] site` or `dc1.company.test's answer to an LDAP ping`.
    public var origin: String {
        switch source {
        case .configured: "[domain] site"
        case .ping(let controller): "\(controller.host)'s answer to an LDAP ping"
        }
    }

    /// Whether `name` can be a site name in a DNS query: one label of letters, digits, `-` and `_`, at most
    /// 63 bytes (AD's own rule is looser, but a site whose name is no DNS label has no SRV records).
    public static func isValidName(_ name: String) -> Bool {
        (1...63).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2D || byte == 0x5F
            }
    }
}
