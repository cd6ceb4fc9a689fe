import GMSACore
import LDAPPing

/// Connects to the first domain controller that answers, binds, and finds the domain naming context.
public struct DirectorySession {
    public let connection: DirectoryConnection
    public let namingContext: String
    /// The DCs in the order they were to be tried, and the site that ordered them.
    public let choice: DomainControllerChoice
    /// The DCs in the order they were to be tried, for `check`.
    public var candidates: [DomainController] { choice.controllers }
    /// The read-only DCs (RODCs) this pass passed over, and of those the ones found so by a ping in this pass
    /// (to log once).
    public let readOnly: (skipped: [DomainController], learned: [DomainController])

    /// `rodc.company.test (…)` for each read-only DC passed over, or `nil` when none was.
    public var readOnlySummary: String? {
        guard !readOnly.skipped.isEmpty else { return nil }
        return "read-only DC\(readOnly.skipped.count == 1 ? "" : "s") passed over (an RODC holds no gMSA passwords): "
            + readOnly.skipped.map(\.description).joined(separator: ", ")
    }

    /// Tries each DC in turn (configured list, or DNS SRV order with the site's DCs first, each on its port:
    /// ``DomainControllerChoice``); the error lists every DC's failure. `credentials` gives the GSSAPI
    /// credentials to bind to a DC with (``SASLCredentials``), asked for before each DC is tried; an error it
    /// throws ends the search at once. The pass then uses this one connection, so every read of it comes from
    /// one DC.
    ///
    /// Passwords are read only from writable DCs: before its first bind, each DC is asked with an LDAP ping
    /// whether it is writable (``ClientSiteCache/isReadOnly(_:ping:)``, kept between passes), and a read-only
    /// DC is passed over without a ticket or a bind. A DC that does not answer the ping is tried.
    public static func open(
        domain: Configuration.Domain,
        options: DirectoryOptions,
        statistics: DirectoryStatistics,
        credentials: (DomainController) throws(DirectoryError) -> SASLCredentials? = { _ in nil },
        sites: ClientSiteCache = ClientSiteCache(),
        ping: (DomainController, String) throws(DirectoryError) -> NetlogonResponse = { controller, domain throws(DirectoryError) in
            try LDAPPingSocket.ping(controller, domain: domain, timeout: DomainControllerChoice.pingTimeout)
        },
        rotation: DomainControllerRotationCache? = nil
    ) throws(DirectoryError) -> DirectorySession {
        let choice = try DomainControllerChoice.choose(for: domain, sites: sites)
        let servers = rotation?.arranged(choice.controllers) ?? choice.controllers
        var failures: [DirectoryError] = []
        var readOnly: (skipped: [DomainController], learned: [DomainController]) = ([], [])
        var tried: [DomainController] = []
        let started = ContinuousClock.now
        for server in servers {
            if let rotation {
                let elapsed = DomainControllerRotationCache.milliseconds(since: started)
                if !DomainControllerRotation.mayTryAnother(elapsed: elapsed, tried: tried.count, timeoutSeconds: options.timeoutSeconds) {
                    rotation.record(controllers: servers, tried: tried, used: nil, cutShort: true)
                    throw Self.budgetSpent(tried: tried, of: servers, elapsed: elapsed, failures: failures, options: options)
                }
            }
            let found = sites.isReadOnly(server) { controller throws(DirectoryError) in try ping(controller, domain.dnsName) }
            if let found, found.readOnly {
                readOnly.skipped.append(server)
                if found.learned { readOnly.learned.append(server) }
                failures.append(
                    DirectoryError(
                        .readOnly,
                        "\(server.host) is a read-only DC (RODC: its LDAP ping answer lacks DS_WRITABLE_FLAG), and an RODC "
                            + "holds no gMSA passwords; list a writable DC in [domain] servers, or let DNS find them"))
                continue
            }
            let credentials = try credentials(server)
            tried.append(server)
            do {
                let connection = try DirectoryConnection(
                    controller: server, options: options, statistics: statistics, credentials: credentials)
                let context = try connection.defaultNamingContext()
                rotation?.record(controllers: servers, tried: Array(tried.dropLast()), used: server, cutShort: false)
                return DirectorySession(connection: connection, namingContext: context, choice: choice, readOnly: readOnly)
            } catch {
                failures.append(error)
            }
        }
        rotation?.record(controllers: servers, tried: tried, used: nil, cutShort: false)
        if failures.count == 1 { throw failures[0] }
        let code = failures.contains { $0.code == .insufficientSecurity } ? DirectoryError.Code.insufficientSecurity : .unavailable
        throw DirectoryError(
            code,
            "no domain controller could be used (\(servers.map(\.description).joined(separator: ", "))):\n"
                + failures.map { "  - \($0.message)" }.joined(separator: "\n"),
            failures: failures)
    }

    /// The pass spent its budget on `tried` (``DomainControllerRotation``); the rest of `servers` come first
    /// in the next pass.
    static func budgetSpent(
        tried: [DomainController], of servers: [DomainController], elapsed: Int64, failures: [DirectoryError],
        options: DirectoryOptions
    ) -> DirectoryError {
        let budget = DomainControllerRotation.budget(timeoutSeconds: options.timeoutSeconds) / 1000
        let seconds = "\(elapsed / 1000).\(elapsed % 1000 / 100)"
        return DirectoryError(
            .unavailable,
            "no domain controller answered within this pass's budget (\(budget) s, \(DomainControllerRotation.timeoutsPerPass) "
                + "times [ldap] timeout): \(tried.count) of \(servers.count) tried in \(seconds) s "
                + "(\(tried.map(\.description).joined(separator: ", "))); the next pass tries the other \(servers.count - tried.count) first:\n"
                + failures.map { "  - \($0.message)" }.joined(separator: "\n"),
            failures: failures)
    }
}
