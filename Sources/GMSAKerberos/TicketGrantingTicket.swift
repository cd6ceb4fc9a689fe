import CKrb5
import GMSACore

/// A gMSA's ticket-granting ticket with its session key, held in memory until it is written to a cache.
///
/// Comes from an AS exchange with the account's key (``KerberosContext/initialTicket(for:keytab:keyVersion:lifetime:renewLifetime:)``),
/// a TGS renewal (``KerberosContext/renewedTicket(_:)``) or a cache file (``TicketCacheFile/read(_:)``). The
/// session key is wiped when the ticket is released (`krb5_free_cred_contents` zeroes key blocks).
public final class TicketGrantingTicket {
    /// Whose ticket it is and its times.
    public let info: TicketCacheInfo
    /// The kvno of the long-term key the AS exchange used, or `nil` for a renewed ticket or one read from a cache.
    public let keyVersion: UInt32?

    let context: KerberosContext
    var credentials: krb5_creds

    /// Takes over `credentials` (the caller must not free them); they are freed with this object.
    init(context: KerberosContext, taking credentials: krb5_creds, keyVersion: UInt32?) throws(KerberosError) {
        self.context = context
        self.credentials = credentials
        self.keyVersion = keyVersion
        var owned = credentials
        do {
            info = try Self.info(of: credentials, context: context)
        } catch {
            krb5_free_cred_contents(context.raw, &owned)
            throw error
        }
    }

    deinit {
        krb5_free_cred_contents(context.raw, &credentials)
    }

    /// Client, server and times of `credentials`.
    static func info(of credentials: krb5_creds, context: KerberosContext) throws(KerberosError) -> TicketCacheInfo {
        guard let client = credentials.client, let server = credentials.server else {
            throw KerberosError(.invalidArgument, "credentials without a client or server principal")
        }
        let times = credentials.times
        let start = times.starttime != 0 ? times.starttime : times.authtime
        let renewable = credentials.ticket_flags & TKT_FLG_RENEWABLE != 0 && times.renew_till != 0
        return TicketCacheInfo(
            client: try context.unparse(client), server: try context.unparse(server),
            start: Int64(UInt32(bitPattern: start)), expiry: Int64(UInt32(bitPattern: times.endtime)),
            renewUntil: renewable ? Int64(UInt32(bitPattern: times.renew_till)) : nil)
    }

    /// Whether `server` is the ticket-granting service of `client`'s realm, `krbtgt/REALM@REALM`.
    static func isTicketGrantingService(_ server: krb5_const_principal, of client: krb5_const_principal) -> Bool {
        let service = server.pointee
        guard service.length == 2, let components = service.data else { return false }
        let realm = client.pointee.realm.bytes
        return components[0].bytes == Array("krbtgt".utf8) && components[1].bytes == realm && service.realm.bytes == realm
    }
}
