import GMSACore

/// Connects to the first domain controller that answers, binds, and finds the domain naming context.
public struct DirectorySession {
    public let connection: DirectoryConnection
    public let namingContext: String
    /// The DCs in the order they were to be tried, for `check`.
    public let candidates: [DomainController]

    /// Tries each DC in turn (configured list, or DNS SRV order, each on its port); the error lists every DC's
    /// failure. `credentials` are the GSSAPI credentials to bind with (``SASLCredentials``).
    public static func open(
        domain: Configuration.Domain,
        options: DirectoryOptions,
        statistics: DirectoryStatistics,
        credentials: SASLCredentials? = nil
    ) throws(DirectoryError) -> DirectorySession {
        let servers = try DomainControllerLocator.locate(domain: domain.dnsName, configured: domain.servers)
        var failures: [DirectoryError] = []
        for server in servers {
            do {
                let connection = try DirectoryConnection(
                    controller: server, options: options, statistics: statistics, credentials: credentials)
                let context = try connection.defaultNamingContext()
                return DirectorySession(connection: connection, namingContext: context, candidates: servers)
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
