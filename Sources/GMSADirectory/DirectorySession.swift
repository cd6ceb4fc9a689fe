import GMSACore

/// Connects to the first domain controller that answers, binds, and finds the domain naming context.
public struct DirectorySession {
    public let connection: DirectoryConnection
    public let namingContext: String
    /// The DCs in the order they were to be tried, and the site that ordered them.
    public let choice: DomainControllerChoice
    /// The DCs in the order they were to be tried, for `check`.
    public var candidates: [DomainController] { choice.controllers }

    /// Tries each DC in turn (configured list, or DNS SRV order with the site's DCs first, each on its port:
    /// ``DomainControllerChoice``); the error lists every DC's failure. `credentials` gives the GSSAPI
    /// credentials to bind to a DC with (``SASLCredentials``), asked for before each DC is tried; an error it
    /// throws ends the search at once. The pass then uses this one connection, so every read of it comes from
    /// one DC.
    public static func open(
        domain: Configuration.Domain,
        options: DirectoryOptions,
        statistics: DirectoryStatistics,
        credentials: (DomainController) throws(DirectoryError) -> SASLCredentials? = { _ in nil },
        sites: ClientSiteCache = ClientSiteCache()
    ) throws(DirectoryError) -> DirectorySession {
        let choice = try DomainControllerChoice.choose(for: domain, sites: sites)
        let servers = choice.controllers
        var failures: [DirectoryError] = []
        for server in servers {
            let credentials = try credentials(server)
            do {
                let connection = try DirectoryConnection(
                    controller: server, options: options, statistics: statistics, credentials: credentials)
                let context = try connection.defaultNamingContext()
                return DirectorySession(connection: connection, namingContext: context, choice: choice)
            } catch {
                failures.append(error)
            }
        }
        if failures.count == 1 { throw failures[0] }
        let code = failures.contains { $0.code == .insufficientSecurity } ? DirectoryError.Code.insufficientSecurity : .unavailable
        throw DirectoryError(
            code,
            "no domain controller could be used (\(servers.map(\.description).joined(separator: ", "))):\n"
                + failures.map { "  - \($0.message)" }.joined(separator: "\n"),
            failures: failures)
    }
}
