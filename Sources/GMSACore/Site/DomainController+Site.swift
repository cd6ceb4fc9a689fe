extension DomainController {
    /// The order to try DCs in when the host's site is known: the site's DCs first (in their own SRV
    /// order), then the rest of the domain-wide list in its order; each host:port once, names compared
    /// without case.
    public static func siteFirst(_ site: [DomainController], then domain: [DomainController]) -> [DomainController] {
        var seen = Set<DomainController>()
        return (site + domain).filter { controller in
            seen.insert(controller.comparisonKey).inserted
        }
    }
}
