import GMSACore
import GMSADirectory
import GMSAKerberos

/// Everything needed to read gMSAs: the host's Kerberos credentials and a bound, sealed LDAP connection.
public struct DomainConnection {
    public let credentials: HostCredentials
    public let session: DirectorySession
    public let directory: ManagedAccountDirectory

    /// Why the domain could not be reached; the keytabs are left alone.
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Gets host credentials from the host keytab, then connects to the first usable DC.
    public static func open(
        configuration: Configuration,
        context: KerberosContext,
        statistics: DirectoryStatistics
    ) throws(Failure) -> DomainConnection {
        let credentials: HostCredentials
        do {
            credentials = try HostCredentials(
                context: context, keytab: configuration.host.keytab, principal: configuration.host.principal,
                realm: configuration.domain.realm)
            credentials.activate()
            try credentials.refresh()
        } catch {
            throw Failure(message: "host authentication failed: \(error.message)")
        }
        let options = DirectoryOptions(
            timeoutSeconds: configuration.directory.timeoutSeconds, pageSize: configuration.directory.pageSize,
            saslSecurityProperties: configuration.directory.saslSecurityProperties)
        do {
            let session = try DirectorySession.open(domain: configuration.domain, options: options, statistics: statistics)
            return DomainConnection(
                credentials: credentials, session: session,
                directory: ManagedAccountDirectory(connection: session.connection, base: session.namingContext))
        } catch {
            throw Failure(message: error.message)
        }
    }
}
