import CKrb5
import GMSACore

#if canImport(Glibc)
import Glibc
#endif

/// The host's own Kerberos credentials, from the host keytab into a private in-memory credential cache.
///
/// `krb5_get_init_creds_keytab` gets a TGT for the machine account (no `kinit` subprocess, no ticket file on
/// disk); the tickets live in a `MEMORY:` cache that only this process sees. ``activate()`` makes it the
/// default cache (`KRB5CCNAME`), which is where SASL GSSAPI in libldap looks. ``refreshIfNeeded(now:margin:)``
/// gets fresh tickets before the old ones expire.
public final class HostCredentials {
    /// The machine account principal, e.g. `LINUXHOST1$@COMPANY.TEST`.
    public let principal: String
    /// The host keytab.
    public let keytab: String
    /// The private cache's name.
    public let cacheName: String
    /// When the current TGT expires (seconds since the epoch), or 0 before the first ``refresh()``.
    public private(set) var expiry: Int64 = 0

    private let context: KerberosContext

    /// Prepares credentials for `principal` (or, when `nil`, the keytab's first `NAME$@REALM` entry,
    /// preferring `realm`).
    public init(context: KerberosContext, keytab: String, principal: String?, realm: String) throws(KerberosError) {
        self.context = context
        self.keytab = keytab
        self.cacheName = "MEMORY:gmsa-keytabd-\(getpid())"
        if let principal {
            self.principal = principal
        } else {
            self.principal = try Self.machinePrincipal(in: keytab, realm: realm, context: context)
        }
    }

    /// Makes the private cache the process's default (`KRB5CCNAME`), for GSSAPI.
    public func activate() {
        setenv("KRB5CCNAME", cacheName, 1)
    }

    /// Gets a new TGT with the key from the keytab and stores it in the private cache.
    public func refresh() throws(KerberosError) {
        let client = try context.parsePrincipal(principal)
        defer { krb5_free_principal(context.raw, client) }

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

        var credentials = krb5_creds()
        code = krb5_get_init_creds_keytab(context.raw, &credentials, client, table, 0, nil, options)
        if code == KRB5_KDC_UNREACH {
            throw context.error(
                code, "cannot get the host's Kerberos ticket for \(principal) from the KDC",
                check: "check that the DCs' Kerberos port 88 (UDP and TCP) is reachable from this host (firewall, "
                    + "krb5.conf's kdc entries or DNS _kerberos SRV records)")
        }
        guard code == 0 else {
            throw context.error(
                code, "cannot get Kerberos credentials for \(principal) from \(keytab)",
                check: "check that the keytab holds current keys for the machine account (klist -k \(keytab)), "
                    + "that a KDC for the realm is reachable, and that the clock is within 5 minutes of the DC's")
        }
        defer { krb5_free_cred_contents(context.raw, &credentials) }

        var cache: krb5_ccache?
        code = krb5_cc_resolve(context.raw, cacheName, &cache)
        guard code == 0, let cache else { throw context.error(code, "cannot open credential cache \(cacheName)") }
        defer { krb5_cc_close(context.raw, cache) }
        code = krb5_cc_initialize(context.raw, cache, client)
        guard code == 0 else { throw context.error(code, "cannot initialise credential cache \(cacheName)") }
        code = krb5_cc_store_cred(context.raw, cache, &credentials)
        guard code == 0 else { throw context.error(code, "cannot store credentials in \(cacheName)") }
        expiry = Int64(UInt32(bitPattern: credentials.times.endtime))
    }

    /// Refreshes when the TGT expires within `margin` seconds of `now` (or was never obtained).
    @discardableResult
    public func refreshIfNeeded(now: Int64 = Int64(time(nil)), margin: Int64 = 600) throws(KerberosError) -> Bool {
        guard expiry - margin <= now else { return false }
        try refresh()
        return true
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
            throw KerberosError(
                .invalidArgument,
                "the host keytab \(keytab) has no machine account entry (NAME$@\(realm.uppercased())); "
                    + "set [host] principal, or join the host to the domain")
        }
        return chosen
    }
}
