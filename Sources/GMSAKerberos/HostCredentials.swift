import CKrb5
import GMSACore

#if canImport(Glibc)
import Glibc
#endif

/// The host's own Kerberos credentials, from the host keytab into a private in-memory credential cache.
///
/// The account is the host's machine account (`LINUXHOST1$`) or, on a host that is not joined to the domain, a
/// domain user allowed to retrieve the passwords (`gmsa-reader`): the KDC and the DC treat both alike.
/// `krb5_get_init_creds_keytab` gets a TGT for it (no `kinit` subprocess, no ticket file on
/// disk); the tickets live in a `MEMORY:` cache with a unique name that this object owns (its own libkrb5
/// context, destroyed with it). The cache is never made the process's default: ``gssCredential()`` hands a
/// GSS-API credential for it to each LDAP connection (`LDAP_OPT_X_SASL_GSS_CREDS`), so `KRB5CCNAME` is
/// neither read nor changed. The TGT, and the LDAP service tickets GSS-API adds to the cache, are reused
/// across passes while ``isFresh(start:expiry:now:)`` holds; ``acquire(now:expecting:)`` gets a new one otherwise.
///
/// When the DC is known before the ticket is asked for (the first of `[domain] servers`), the AS request asks
/// for that DC's LDAP service ticket itself instead of a TGT, as `kinit -S ldap/<dc>` does: the bind then needs
/// no TGS request, one KDC round trip less (docs/protocol.md §5). The cache then holds no TGT, so before another
/// DC is bound to, ``covers(_:)`` says no and ``addServiceTicket(for:)`` gets that DC's ticket the same way.
public final class HostCredentials {
    /// The account's principal as the keytab spells it, e.g. `LINUXHOST1$@COMPANY.TEST` or
    /// `gmsa-reader@COMPANY.TEST`.
    public let principal: String
    /// The host keytab.
    public let keytab: String
    /// The private cache's name, `MEMORY:…` (unique per object).
    public let cacheName: String
    /// When the current ticket (the TGT, or the DC's service ticket) expires (seconds since the epoch), or 0
    /// before the first ``refresh(for:)``.
    public private(set) var expiry: Int64 = 0
    /// When the current ticket became valid (seconds since the epoch), or 0 before the first ``refresh(for:)``.
    public private(set) var start: Int64 = 0
    /// The DCs (host names, lower case) whose LDAP service tickets AS requests got, when the cache holds those
    /// tickets instead of a TGT; empty when it holds a TGT.
    public private(set) var serviceTicketHosts: [String] = []

    /// The principal and realm this was asked for (`principal` may come from the keytab).
    let requested: (principal: String?, realm: String)
    private let context: KerberosContext
    private let cache: krb5_ccache
    private var credential: GSSCredential?
    /// Whether the ticket came from ``prefetch(expecting:)`` and no ``acquire(now:expecting:)`` has seen it yet.
    private var prefetched = false

    /// Prepares credentials for `principal` (or, when `nil`, the keytab's first `NAME$@REALM` entry,
    /// preferring `realm`). `context` is only used to read the keytab; the credentials get their own.
    ///
    /// A `principal` the keytab holds in another case (`GMSA-Reader@company.test` for `gmsa-reader@COMPANY.TEST`)
    /// takes the keytab's spelling: AD compares account names and realms case-insensitively, libkrb5's keytab
    /// lookup does not.
    public init(context: KerberosContext, keytab: String, principal: String?, realm: String) throws(KerberosError) {
        self.keytab = keytab
        self.requested = (principal, realm)
        if let principal {
            self.principal = Self.keytabSpelling(of: principal, in: keytab, context: context) ?? principal
        } else {
            self.principal = try Self.machinePrincipal(in: keytab, realm: realm, context: context)
        }
        let own = try KerberosContext()
        var cache: krb5_ccache?
        let code = krb5_cc_new_unique(own.raw, "MEMORY", nil, &cache)
        guard code == 0, let cache else { throw own.error(code, "cannot create a private in-memory credential cache") }
        var name: UnsafeMutablePointer<CChar>?
        if krb5_cc_get_full_name(own.raw, cache, &name) == 0, let name {
            cacheName = String(cString: name)
            krb5_free_string(own.raw, name)
        } else {
            cacheName = "MEMORY:" + String(cString: krb5_cc_get_name(own.raw, cache))
        }
        self.context = own
        self.cache = cache
    }

    deinit {
        credential = nil
        krb5_cc_destroy(context.raw, cache)
    }

    /// Whether a TGT valid from `start` to `expiry` is still good to use at `now`: more than 5 minutes and
    /// more than a tenth of its lifetime left (a 10-hour TGT is renewed in its last hour).
    public static func isFresh(start: Int64, expiry: Int64, now: Int64) -> Bool {
        let remaining = expiry - now
        let lifetime = max(expiry - start, 0)
        return remaining > max(300, lifetime / 10)
    }

    /// Makes sure the cache holds a ticket that is still fresh at `now` (``isFresh(start:expiry:now:)``): keeps
    /// the current one, or gets a new one from the KDC: the LDAP service ticket of `expecting` (a DC's host
    /// name) when given, else a TGT. Returns `true` when the ticket was reused.
    @discardableResult
    public func acquire(now: Int64 = Int64(time(nil)), expecting host: String? = nil) throws(KerberosError) -> Bool {
        if credential != nil, Self.isFresh(start: start, expiry: expiry, now: now) {
            if prefetched {
                prefetched = false
                return false
            }
            return true
        }
        try refresh(for: host)
        return false
    }

    /// Whether a bind to the DC `host` can use the cache as it is: it holds a TGT, or that DC's service ticket.
    public func covers(_ host: String) -> Bool {
        serviceTicketHosts.isEmpty || serviceTicketHosts.contains(host.lowercased())
    }

    /// Gets the first ticket ahead of the first ``acquire(now:expecting:)``, which then reports it as new: the
    /// daemon asks for it on a thread of its own while it starts (the KDC's answer takes about 10 ms). A failure
    /// is left for ``acquire(now:expecting:)`` to meet again and report. Nothing else may use this object until
    /// it returns.
    public func prefetch(expecting host: String? = nil) {
        do {
            try refresh(for: host)
            prefetched = true
        } catch {
            prefetched = false
        }
    }

    /// Gets a new ticket with the key from the keytab: the LDAP service ticket of the DC `host` when given
    /// (`ldap/<host>@<realm>`, the name the bind asks GSS-API for), else a TGT (also for an IPv4 address, and
    /// for a name the KDC does not know as a service). Replaces the cache's contents with it (dropping cached
    /// service tickets too) and makes a new GSS-API credential for it.
    public func refresh(for host: String? = nil) throws(KerberosError) {
        let client = try context.parsePrincipal(principal)
        defer { krb5_free_principal(context.raw, client) }
        var (credentials, host) = try initialCredentials(client: client, service: host.flatMap(Self.serviceHost))
        defer { krb5_free_cred_contents(context.raw, &credentials) }
        try replaceCache(client: client, with: &credentials, serviceHost: host)
    }

    /// Makes `credentials` (for the DC `serviceHost`, or a TGT when `nil`) the cache's only ticket, with a new
    /// GSS-API credential for it.
    private func replaceCache(
        client: krb5_principal, with credentials: inout krb5_creds, serviceHost host: String?
    ) throws(KerberosError) {
        prefetched = false
        // The old GSS-API credential describes the old ticket; connections that hold it keep it alive.
        credential = nil
        expiry = 0
        serviceTicketHosts = []
        var code = krb5_cc_initialize(context.raw, cache, client)
        guard code == 0 else { throw context.error(code, "cannot initialise credential cache \(cacheName)") }
        code = krb5_cc_store_cred(context.raw, cache, &credentials)
        guard code == 0 else { throw context.error(code, "cannot store credentials in \(cacheName)") }

        var minor: OM_uint32 = 0
        var handle: gss_cred_id_t?
        let major = gss_krb5_import_cred(&minor, cache, nil, nil, &handle)
        guard gmsa_gss_error(major) == 0, let handle else {
            throw KerberosError(
                .library(krb5_error_code(bitPattern: minor)),
                "cannot make GSS-API credentials from \(cacheName) for \(principal): \(Self.statusText(major, minor))")
        }
        credential = GSSCredential(handle)
        serviceTicketHosts = host.map { [$0] } ?? []
        expiry = Int64(UInt32(bitPattern: credentials.times.endtime))
        let started = credentials.times.starttime != 0 ? credentials.times.starttime : credentials.times.authtime
        start = Int64(UInt32(bitPattern: started))
    }

    /// Makes the cache cover the DC `host` too (``covers(_:)``) when it holds other DCs' service tickets only:
    /// adds that DC's service ticket, from an AS request of its own, next to them. One KDC request, as the TGS
    /// request a TGT would need; and the tickets stay for the next passes, so a first server that is down costs
    /// no KDC request per pass. For an IPv4 address, or a name the KDC does not know, it gets a TGT instead
    /// (``refresh(for:)``). Nothing happens when the cache already covers `host`.
    public func addServiceTicket(for host: String) throws(KerberosError) {
        guard !covers(host), credential != nil else { return }
        guard let host = Self.serviceHost(host) else { return try refresh() }
        let client = try context.parsePrincipal(principal)
        defer { krb5_free_principal(context.raw, client) }
        var (credentials, got) = try initialCredentials(client: client, service: host)
        defer { krb5_free_cred_contents(context.raw, &credentials) }
        guard got != nil else {
            // The KDC knows no such service and gave a TGT instead: it replaces the service tickets.
            return try replaceCache(client: client, with: &credentials, serviceHost: nil)
        }
        // The GSS-API credential reads the cache when a bind asks for a ticket, so it finds this one too.
        let code = krb5_cc_store_cred(context.raw, cache, &credentials)
        guard code == 0 else { throw context.error(code, "cannot store credentials in \(cacheName)") }
        serviceTicketHosts.append(host)
        // The cache is as fresh as its first ticket; this one came later.
        expiry = min(expiry, Int64(UInt32(bitPattern: credentials.times.endtime)))
    }

    /// The DC host name to ask the KDC for `ldap/<host>` with (lower case), or `nil` for an IPv4 address, which
    /// is no service name (the KDC would only answer that it does not know it).
    static func serviceHost(_ host: String) -> String? {
        var address = in_addr()
        return inet_pton(AF_INET, host, &address) == 1 ? nil : host.lowercased()
    }

    /// The AS exchange with the host keytab's key: for `ldap/<service>` when given, else for a TGT, and for a TGT
    /// when the KDC knows no such service (a server name that is an alias). Returns the credentials (the caller
    /// frees them) and the service they are for (`nil`: a TGT).
    private func initialCredentials(
        client: krb5_principal, service: String?
    ) throws(KerberosError) -> (krb5_creds, service: String?) {
        var table: krb5_keytab?
        var code = krb5_kt_resolve(context.raw, "FILE:\(keytab)", &table)
        guard code == 0, let table else { throw context.error(code, "cannot open host keytab \(keytab)") }
        defer { krb5_kt_close(context.raw, table) }

        var options: UnsafeMutablePointer<krb5_get_init_creds_opt>?
        code = krb5_get_init_creds_opt_alloc(context.raw, &options)
        guard code == 0 else { throw context.error(code, "cannot allocate Kerberos options") }
        defer { krb5_get_init_creds_opt_free(context.raw, options) }
        krb5_get_init_creds_opt_set_forwardable(options, 0)
        krb5_get_init_creds_opt_set_proxiable(options, 0)
        // Optimistic pre-authentication: the first AS request already carries the encrypted timestamp (made with
        // the keytab's key, so no salt is needed), instead of going without and being told to retry. One round
        // trip to the KDC less per ticket; a KDC that wants another method still answers with its hints and
        // libkrb5 follows them as before.
        var preauthentication = [krb5_preauthtype(KRB5_PADATA_ENC_TIMESTAMP)]
        krb5_get_init_creds_opt_set_preauth_list(options, &preauthentication, 1)

        var credentials = krb5_creds()
        var service = service
        if let host = service {
            // The service in the client's realm: an AS request is always answered by the client realm's KDC.
            let realm = String(
                decoding: UnsafeRawBufferPointer(start: client.pointee.realm.data, count: Int(client.pointee.realm.length)),
                as: UTF8.self)
            code = krb5_get_init_creds_keytab(context.raw, &credentials, client, table, 0, "ldap/\(host)@\(realm)", options)
            // No such service: a TGT, and the bind finds the DC's ticket through it.
            if code == KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN { service = nil }
        }
        if service == nil {
            code = krb5_get_init_creds_keytab(context.raw, &credentials, client, table, 0, nil, options)
        }
        if code == KRB5_KDC_UNREACH {
            throw context.error(
                code, "cannot get the host's Kerberos ticket for \(principal) from the KDC",
                check: "check that the DCs' Kerberos port 88 (UDP and TCP) is reachable from this host (firewall, "
                    + "krb5.conf's kdc entries or DNS _kerberos SRV records)")
        }
        if code == KRB5_KT_NOTFOUND {
            // The usual cause is a [host] principal that names another account than the keytab's.
            let holds = Self.holding((try? KeytabReader(context: context).read(keytab).entries.map(\.principal)) ?? [])
            throw context.error(
                code, "cannot get Kerberos credentials for \(principal): the host keytab \(keytab) has no key for it\(holds)",
                check: "set [host] principal to the account whose keys the keytab holds (klist -k \(keytab)), "
                    + "or put that account's keys in the keytab")
        }
        if code == KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN {
            throw context.error(
                code, "cannot get Kerberos credentials for \(principal) from \(keytab): the domain has no such account",
                check: "check [host] principal: the machine account (NAME$) or, on a host that is not joined, "
                    + "the domain user whose keys the keytab holds")
        }
        guard code == 0 else {
            throw context.error(
                code, "cannot get Kerberos credentials for \(principal) from \(keytab)",
                check: "check that the keytab holds current keys for \(principal) (klist -k \(keytab)), "
                    + "that a KDC for the realm is reachable, and that the clock is within 5 minutes of the DC's")
        }
        return (credentials, service)
    }

    /// Makes the next ``acquire(now:expecting:)`` get a new ticket: the current one may carry an outdated group
    /// list (a DC withheld a password this host may now read through a new group membership).
    public func expire() {
        credential = nil
        expiry = 0
    }

    /// Empties the private cache but keeps the TGT's times, so the next ``acquire(now:expecting:)`` reuses a ticket
    /// that is no longer there: how a TGT the KDC or DC stopped accepting looks. For tests.
    func dropTicketsKeepingTimes() throws(KerberosError) {
        let client = try context.parsePrincipal(principal)
        defer { krb5_free_principal(context.raw, client) }
        let code = krb5_cc_initialize(context.raw, cache, client)
        guard code == 0 else { throw context.error(code, "cannot initialise credential cache \(cacheName)") }
    }

    /// The GSS-API initiator credential for the current ticket, and the object that keeps it alive (hold it
    /// for as long as the credential is used). `nil` before the first ``acquire(now:expecting:)`` or ``refresh(for:)``.
    public func gssCredential() -> (handle: OpaquePointer, owner: AnyObject)? {
        credential.map { ($0.handle, $0) }
    }

    /// The tickets in the private cache (server principal and end time): the TGT and the service tickets
    /// GSS-API stored there, for tests and `check`.
    public func cachedTickets() throws(KerberosError) -> [(server: String, expiry: Int64)] {
        var cursor: krb5_cc_cursor?
        let code = krb5_cc_start_seq_get(context.raw, cache, &cursor)
        guard code == 0 else { throw context.error(code, "cannot read credential cache \(cacheName)") }
        defer { krb5_cc_end_seq_get(context.raw, cache, &cursor) }
        var tickets: [(server: String, expiry: Int64)] = []
        var credentials = krb5_creds()
        while krb5_cc_next_cred(context.raw, cache, &cursor, &credentials) == 0 {
            defer { krb5_free_cred_contents(context.raw, &credentials) }
            // Configuration entries (krb5_ccache_conf_data/…) are not tickets.
            if let server = try? context.unparse(credentials.server), !server.hasPrefix("krb5_ccache_conf_data") {
                tickets.append((server, Int64(UInt32(bitPattern: credentials.times.endtime))))
            }
        }
        return tickets
    }

    private static func statusText(_ major: OM_uint32, _ minor: OM_uint32) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        gmsa_gss_status_text(major, minor, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The first `NAME$@REALM` principal in a keytab.
    static func machinePrincipal(in keytab: String, realm: String, context: KerberosContext) throws(KerberosError) -> String {
        let contents: KeytabReader.Contents
        do {
            contents = try KeytabReader(context: context).read(keytab)
        } catch {
            throw KerberosError(
                error.code,
                "cannot find the machine account in the host keytab: \(error.message); set [host] principal or keytab")
        }
        let machine = contents.entries.map(\.principal).filter { principal in
            principal.split(separator: "@").first?.hasSuffix("$") == true && !principal.contains("/")
        }
        guard let chosen = machine.first(where: { $0.hasSuffix("@" + realm.uppercased()) }) ?? machine.first else {
            let holds = Self.holding(contents.entries.map(\.principal))
            throw KerberosError(
                .invalidArgument,
                "the host keytab \(keytab) has no machine account entry (NAME$@\(realm.uppercased()))\(holds); "
                    + "set [host] principal (a domain user's name works on a host that is not joined), "
                    + "or join the host to the domain")
        }
        return chosen
    }

    /// The keytab's spelling of `principal` when the keytab holds it in another case only (AD compares names and
    /// realms case-insensitively); `nil` when it holds it as given, holds no such name, or cannot be read (the AS
    /// request then reports why).
    static func keytabSpelling(of principal: String, in keytab: String, context: KerberosContext) -> String? {
        guard let held = try? KeytabReader(context: context).read(keytab).entries.map(\.principal),
            !held.contains(principal)
        else { return nil }
        let wanted = principal.lowercased()
        return held.first { $0.lowercased() == wanted }
    }

    /// ` (it holds A, B)`: a keytab's principals, each once, in keytab order, for an error; empty for none.
    private static func holding(_ principals: [String]) -> String {
        var seen = Set<String>()
        let unique = principals.filter { seen.insert($0).inserted }
        return unique.isEmpty ? "" : " (it holds \(unique.joined(separator: ", ")))"
    }
}

/// One GSS-API credential handle, released when the last holder lets go.
final class GSSCredential {
    let handle: OpaquePointer

    init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    deinit {
        var minor: OM_uint32 = 0
        var handle: gss_cred_id_t? = self.handle
        gss_release_cred(&minor, &handle)
    }
}

extension KerberosContext {
    /// The host credentials for `keytab` and `principal`, kept in this context between calls so that the
    /// TGT in their private cache is reused across passes; replaced when the keytab, principal or realm
    /// asked for changes (a reload).
    public func hostCredentials(keytab: String, principal: String?, realm: String) throws(KerberosError) -> HostCredentials {
        if let kept = keptHostCredentials, kept.keytab == keytab, kept.requested.principal == principal,
            kept.requested.realm == realm
        {
            return kept
        }
        let fresh = try HostCredentials(context: self, keytab: keytab, principal: principal, realm: realm)
        keptHostCredentials = fresh
        return fresh
    }
}
