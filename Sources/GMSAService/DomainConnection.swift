import GMSACore
import GMSADirectory
import GMSAKerberos

#if canImport(Glibc)
import Glibc
#endif

/// Everything needed to read gMSAs: the host's Kerberos credentials and a bound, sealed LDAP connection.
public struct DomainConnection {
    public let credentials: HostCredentials
    public let session: DirectorySession
    public let directory: ManagedAccountDirectory
    /// Whether this connection reused the host's ticket from an earlier pass (no AS request to the KDC).
    public let reusedTicket: Bool

    /// Whether the site came from an LDAP ping and none of its DCs could be used: this pass went to a DC of
    /// another site, and the next one pings again (``ClientSiteCache/recheck()``), since the host may have
    /// moved to another subnet.
    public var siteControllersFailed: Bool {
        Self.siteControllersFailed(session.choice, used: session.connection.controller)
    }

    /// The DC this connection went to and the site that ordered the DCs, for the state file (`status`).
    public func use(at now: Timestamp) -> DirectoryUse {
        let site = session.choice.site
        // Where the site came from, or why no site ordered the DCs.
        return DirectoryUse(
            domainController: session.connection.controller.description, site: site?.name,
            siteSource: site?.origin ?? session.choice.note, connected: now)
    }

    static func siteControllersFailed(_ choice: DomainControllerChoice, used: DomainController) -> Bool {
        guard let site = choice.site, case .ping = site.source else { return false }
        return !choice.siteControllers.isEmpty && !choice.siteControllers.contains(used)
    }

    /// Why the domain could not be reached; the keytabs are left alone.
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Gets host credentials from the host keytab (reusing the ticket that `context` keeps from an earlier
    /// pass while it is fresh, see ``HostCredentials/isFresh(start:expiry:now:)``), then connects to the
    /// first usable DC with them (with `rotation`, the daemon's: within a pass's budget, ``DomainControllerRotation``). The process environment (`KRB5CCNAME`) is neither read nor changed.
    ///
    /// With `[domain] servers`, the first server is known before the ticket is asked for: the AS request asks
    /// for its LDAP service ticket instead of a TGT (``HostCredentials/refresh(for:)``); another DC tried gets
    /// its own the same way (``HostCredentials/addServiceTicket(for:)``).
    ///
    /// A bind refused while a reused ticket or an AS-requested service ticket was in use is retried once with a
    /// new TGT: the KDC may have invalidated the ticket (a reset machine password), the DC may have rejected it,
    /// or GSS-API asked for the DC under another name. A read that finds a password withheld makes the next
    /// pass get a new ticket, so a new group membership counts then.
    public static func open(
        configuration: Configuration,
        context: KerberosContext,
        statistics: DirectoryStatistics,
        sites: ClientSiteCache = ClientSiteCache(),
        rotation: DomainControllerRotationCache? = nil
    ) throws(Failure) -> DomainConnection {
        let credentials: HostCredentials
        var reused: Bool
        do {
            credentials = try context.hostCredentials(
                keytab: configuration.host.keytab, principal: configuration.host.principal, realm: configuration.domain.realm)
            reused = try credentials.acquire(expecting: expectedController(configuration.domain)?.host)
        } catch {
            throw Failure(message: "host authentication failed: \(error.message)")
        }
        statistics.recordTicket(reused: reused)
        let options = DirectoryOptions(
            timeoutSeconds: configuration.directory.timeoutSeconds, pageSize: configuration.directory.pageSize,
            saslSecurityProperties: configuration.directory.saslSecurityProperties)
        while true {
            let serviceTicketOnly = !credentials.serviceTicketHosts.isEmpty
            var authenticationFailure: KerberosError?
            do throws(DirectoryError) {
                let session = try DirectorySession.open(
                    domain: configuration.domain, options: options, statistics: statistics,
                    credentials: { server throws(DirectoryError) in
                        // A cache with only other DCs' service tickets gets this DC's before it is tried.
                        if !credentials.covers(server.host) {
                            do throws(KerberosError) {
                                try credentials.addServiceTicket(for: server.host)
                            } catch {
                                authenticationFailure = error
                                throw DirectoryError(.bindFailed, error.message)
                            }
                            statistics.recordTicket(reused: false)
                        }
                        return credentials.gssCredential().map { SASLCredentials(handle: $0.handle, owner: $0.owner) }
                    },
                    sites: sites, rotation: rotation)
                if Self.siteControllersFailed(session.choice, used: session.connection.controller) { sites.recheck() }
                return DomainConnection(
                    credentials: credentials, session: session,
                    directory: ManagedAccountDirectory(
                        connection: session.connection, base: session.namingContext,
                        passwordWithheld: { [credentials] in credentials.expire() },
                        openSecondConnection: { [connection = session.connection] () throws(DirectoryError) in
                            try connection.sibling()
                        }),
                    reusedTicket: reused)
            } catch {
                if let authenticationFailure {
                    throw Failure(message: "host authentication failed: \(authenticationFailure.message)")
                }
                guard reused || serviceTicketOnly, error.includesBindFailure else {
                    // No DC could be used: the site (if a ping gave it) is asked again next time.
                    sites.recheck()
                    throw Failure(message: error.message)
                }
            }
            do {
                try credentials.refresh()
            } catch {
                throw Failure(
                    message: "host authentication failed: the DC refused the bind with the cached host ticket, "
                        + "and a new one could not be had: \(error.message)")
            }
            reused = false
            statistics.recordTicket(reused: false)
        }
    }

    /// The DC a pass tries first when that is known before the DCs are looked up: the first of `[domain]
    /// servers`. `nil` when DNS (and the site) decide.
    public static func expectedController(_ domain: Configuration.Domain) -> DomainController? {
        domain.servers.first.flatMap(DomainController.init(parsing:))
    }
}
