import GMSACore
import LDAPPing

/// The DCs to try in one pass, in order, and the site that decided the order.
public struct DomainControllerChoice: Sendable {
    /// Every DC to try, in order.
    public var controllers: [DomainController]
    /// The host's site; `nil` with `[domain] servers` or when no site is known.
    public var site: ClientSite?
    /// The DCs DNS lists for the site (the first entries of ``controllers``).
    public var siteControllers: [DomainController]
    /// Why the order is not by site, when it is not (for a log line).
    public var note: String?
    /// Whether the site (or why there is none) has not been logged yet since it was found: log it, then call
    /// ``ClientSiteCache/markReported()``.
    public var siteIsFresh: Bool
    /// The site's SRV targets that the domain-wide list lacks, left out: an RODC registers only its site's
    /// records, and a stray record (any authenticated user may often add one) must not move a host first.
    public var ignoredSiteControllers: [DomainController] = []

    /// One line for `check`, `sync --statistics` and the log: the site, where it came from, and its DCs.
    public var summary: String {
        guard let site else { return "no site order (\(note ?? "none found"))" }
        let first = siteControllers.isEmpty ? (note ?? "no DC of it") : "its DCs first: " + siteControllers.map(\.description).joined(separator: ", ")
        guard !ignoredSiteControllers.isEmpty else { return "site \(site); \(first)" }
        let ignored = ignoredSiteControllers.map(\.description).joined(separator: ", ")
        return "site \(site); \(first); ignored (in the site's SRV records only, not in the domain-wide list): \(ignored)"
    }

    /// LDAP pings are sent to this many DCs of the domain-wide list at most, one after the other.
    public static let pingedControllers = 3
    /// How long to wait for each DC's answer to an LDAP ping.
    public static let pingTimeout: Duration = .seconds(1)

    /// The order for a pass (docs/protocol.md §6): `[domain] servers` as given when set; else the site's DCs
    /// (`_ldap._tcp.<site>._sites.dc._msdcs.<domain>`, RFC 2782 order, only those the domain-wide list also
    /// names) and then the rest of the domain-wide list. The site is `[domain] site`, else the `ClientSiteName` a DC reports to an LDAP ping, kept in
    /// `sites`. A failed ping or a site without SRV records leaves the domain-wide order.
    public static func choose(
        for domain: Configuration.Domain,
        sites: ClientSiteCache,
        ping: (DomainController, String) throws(DirectoryError) -> NetlogonResponse = { controller, domain throws(DirectoryError) in
            try LDAPPingSocket.ping(controller, domain: domain, timeout: pingTimeout)
        },
        lookup: (String) throws(DirectoryError) -> [ServiceRecord] = { name throws(DirectoryError) in
            try DomainControllerLocator.lookup(name)
        }
    ) throws(DirectoryError) -> DomainControllerChoice {
        if !domain.servers.isEmpty {
            let configured = try DomainControllerLocator.locate(domain: domain.dnsName, configured: domain.servers)
            return DomainControllerChoice(
                controllers: configured, site: nil, siteControllers: [], note: "[domain] servers is set: its order is used",
                siteIsFresh: false)
        }
        let wide = try DomainControllerLocator.locate(domain: domain.dnsName, configured: [], lookup: lookup)
        var site: ClientSite?
        var note: String?
        var fresh = true
        if let configured = domain.site {
            site = ClientSite(name: configured, source: .configured)
            fresh = sites.remember(ClientSite(name: configured, source: .configured))
        } else {
            let (outcome, isFresh) = sites.outcome(pinging: Array(wide.prefix(pingedControllers))) {
                controller throws(DirectoryError) in try ping(controller, domain.dnsName)
            }
            (site, note, fresh) = (outcome.site, outcome.note, isFresh)
        }
        guard let site else {
            return DomainControllerChoice(
                controllers: wide, site: nil, siteControllers: [], note: note, siteIsFresh: fresh)
        }
        let name = site.serviceName(domain: domain.dnsName)
        let listed: [DomainController]
        do {
            listed = DomainController.ordered(try lookup(name))
        } catch {
            return DomainControllerChoice(
                controllers: wide, site: site, siteControllers: [], note: error.message, siteIsFresh: fresh)
        }
        let domainWide = Set(wide.map(\.comparisonKey))
        let local = listed.filter { domainWide.contains($0.comparisonKey) }
        let siteNote =
            listed.isEmpty
            ? "DNS has no SRV records for \(name)"
            : local.isEmpty ? "none of the DCs in the SRV records for \(name) is in the domain-wide list" : nil
        return DomainControllerChoice(
            controllers: DomainController.siteFirst(local, then: wide), site: site, siteControllers: local,
            note: siteNote, siteIsFresh: fresh, ignoredSiteControllers: listed.filter { !domainWide.contains($0.comparisonKey) })
    }
}
