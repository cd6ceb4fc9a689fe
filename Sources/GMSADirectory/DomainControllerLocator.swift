import CResolv
import GMSACore

/// Finds domain controllers: the configured list, or DNS SRV `_ldap._tcp.dc._msdcs.<domain>`.
///
/// That SRV name lists only DCs (not RODCs' separate records); the order follows RFC 2782.
public enum DomainControllerLocator {
    /// The SRV name for a domain's DCs.
    public static func serviceName(domain: String) -> String {
        "_ldap._tcp.dc._msdcs.\(domain.lowercased())"
    }

    /// The DCs to try, in order: the configured `host` or `host:port` entries as given, else the SRV
    /// records' targets and ports in RFC 2782 order.
    public static func locate(
        domain: String,
        configured: [String],
        lookup: (String) throws(DirectoryError) -> [ServiceRecord] = { name throws(DirectoryError) in try DomainControllerLocator.lookup(name) }
    ) throws(DirectoryError) -> [DomainController] {
        if !configured.isEmpty {
            // The configuration loader has checked every entry; one that still does not parse is a bug.
            return configured.map { DomainController(parsing: $0) ?? DomainController(host: $0) }
        }
        let name = serviceName(domain: domain)
        let records = try lookup(name)
        let controllers = DomainController.ordered(records)
        guard !controllers.isEmpty else {
            throw DirectoryError(
                .noDomainController,
                "DNS has no SRV records for \(name); check /etc/resolv.conf points at the domain's DNS, "
                    + "or list the DCs in [domain] servers")
        }
        return controllers
    }

    /// The SRV records of `name`.
    public static func lookup(_ name: String) throws(DirectoryError) -> [ServiceRecord] {
        let capacity = 64
        var buffer = [gmsa_srv_record](repeating: gmsa_srv_record(), count: capacity)
        var error: Int32 = 0
        let count = buffer.withUnsafeMutableBufferPointer { gmsa_srv_lookup(name, $0.baseAddress, Int32(capacity), &error) }
        guard count >= 0 else {
            let reason =
                switch count {
                case -1: "the resolver could not be initialised (check /etc/resolv.conf)"
                case -3: "the DNS answer could not be parsed"
                default: "DNS query failed: \(String(cString: hstrerror(error)))"
                }
            throw DirectoryError(.noDomainController, "cannot look up \(name): \(reason)")
        }
        return buffer.prefix(Int(count)).map { record in
            var copy = record
            let target = withUnsafeBytes(of: &copy.target) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            return ServiceRecord(target: target, port: Int(record.port), priority: Int(record.priority), weight: Int(record.weight))
        }
    }
}
