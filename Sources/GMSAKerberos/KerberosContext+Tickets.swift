import CKrb5
import GMSACore

#if canImport(Glibc)
import Glibc
#endif

extension KerberosContext {
    /// Gets a renewable TGT for the gMSA `principal` (`NAME$@REALM`) from its keytab: an AS exchange with the
    /// key of version `keyVersion`, falling back to the keytab's other versions, newest first.
    ///
    /// libkrb5 alone (`krb5_get_init_creds_keytab` on the file) would use the highest kvno in the keytab, which
    /// during a staged rollover is the next key, not yet the KDC's. So each try gets a private `MEMORY:` keytab
    /// holding one kvno's entries for `principal` only: first `keyVersion` (the kvno the directory says is
    /// current), then, while the KDC refuses the key (pre-authentication failed, bad integrity), the others; the
    /// KDC may still use the previous key right after a rollover, or already the next one. Any other failure (no
    /// KDC, unknown or disabled account) ends the tries. The ticket's ``TicketGrantingTicket/keyVersion`` says
    /// which key worked.
    ///
    /// As for the host's ticket: optimistic encrypted-timestamp pre-authentication, neither forwardable nor
    /// proxiable. `lifetime` (seconds) is krb5.conf's `ticket_lifetime` when `nil`; the KDC may shorten both
    /// (Samba and AD: 10 hours, renewable for 7 days).
    public func initialTicket(
        for principal: String,
        keytab: String,
        keyVersion: UInt32,
        lifetime: Int32? = nil,
        renewLifetime: Int32 = 7 * 24 * 3600
    ) throws(KerberosError) -> TicketGrantingTicket {
        let wanted = principal.lowercased()
        let entries: [KeytabEntry]
        do {
            entries = try KeytabReader(context: self).read(keytab).entries.filter { $0.principal.lowercased() == wanted }
        } catch {
            throw KerberosError(error.code, "cannot get a ticket for \(principal): \(error.message)")
        }
        guard let spelling = entries.first?.principal else {
            throw KerberosError(
                .invalidArgument,
                "cannot get a ticket for \(principal): keytab \(keytab) has no key for it; check that the account's keytab is written")
        }
        let versions = Self.tryOrder(Set(entries.map(\.keyVersion)), current: keyVersion)

        var options: UnsafeMutablePointer<krb5_get_init_creds_opt>?
        var code = krb5_get_init_creds_opt_alloc(raw, &options)
        guard code == 0 else { throw error(code, "cannot allocate Kerberos options") }
        defer { krb5_get_init_creds_opt_free(raw, options) }
        krb5_get_init_creds_opt_set_forwardable(options, 0)
        krb5_get_init_creds_opt_set_proxiable(options, 0)
        if let lifetime { krb5_get_init_creds_opt_set_tkt_life(options, lifetime) }
        if renewLifetime > 0 { krb5_get_init_creds_opt_set_renew_life(options, renewLifetime) }
        // Optimistic pre-authentication, as for the host's ticket (HostCredentials): one round trip less.
        var preauthentication = [krb5_preauthtype(KRB5_PADATA_ENC_TIMESTAMP)]
        krb5_get_init_creds_opt_set_preauth_list(options, &preauthentication, 1)

        let client = try parsePrincipal(spelling)
        defer { krb5_free_principal(raw, client) }
        var refused: [UInt32] = []
        var firstRefusal: krb5_error_code = 0
        for version in versions {
            let table = try memoryKeytab(holding: entries.filter { $0.keyVersion == version })
            var credentials = krb5_creds()
            code = krb5_get_init_creds_keytab(raw, &credentials, client, table, 0, nil, options)
            krb5_kt_close(raw, table)
            if code == 0 {
                return try TicketGrantingTicket(context: self, taking: credentials, keyVersion: version)
            }
            guard Self.isKeyRefusal(code) else {
                throw error(
                    code, "cannot get a ticket for \(principal) with key version \(version) from \(keytab)",
                    check: code == KRB5_KDC_UNREACH
                        ? "check that the DCs' Kerberos port 88 (UDP and TCP) is reachable from this host"
                        : "check that the account exists and is enabled, and that the clock is within 5 minutes of the DC's")
            }
            if refused.isEmpty { firstRefusal = code }
            refused.append(version)
        }
        throw error(
            firstRefusal,
            "cannot get a ticket for \(principal): the KDC refused every key in \(keytab) (key versions "
                + "\(refused.map(String.init).joined(separator: ", ")), the directory's is \(keyVersion))",
            check: "the keytab is behind the KDC; a sync writes the current keys")
    }

    /// A TGS renewal of `ticket` (no long-term key): the same ticket with a new expiry, its renew-until kept.
    ///
    /// Fails when the ticket is not renewable, has expired or is past its renew-until
    /// (``TicketCacheInfo/isRenewable(at:)``); then only a new AS exchange gives a ticket.
    public func renewedTicket(_ ticket: TicketGrantingTicket) throws(KerberosError) -> TicketGrantingTicket {
        let principal = ticket.info.client
        guard let client = ticket.credentials.client else {
            throw KerberosError(.invalidArgument, "cannot renew a ticket without a client principal")
        }
        // krb5_get_renewed_creds reads the TGT from a cache: a private one in memory, gone when done.
        var cache: krb5_ccache?
        var code = krb5_cc_new_unique(raw, "MEMORY", nil, &cache)
        guard code == 0, let cache else { throw error(code, "cannot create an in-memory credential cache") }
        defer { krb5_cc_destroy(raw, cache) }
        code = krb5_cc_initialize(raw, cache, client)
        if code == 0 { code = krb5_cc_store_cred(raw, cache, &ticket.credentials) }
        guard code == 0 else { throw error(code, "cannot hold the ticket of \(principal) for renewal") }
        var renewed = krb5_creds()
        code = krb5_get_renewed_creds(raw, &renewed, client, cache, nil)
        guard code == 0 else {
            throw error(
                code,
                "cannot renew the ticket of \(principal) (valid until \(ticket.info.expiry), renewable until "
                    + "\(ticket.info.renewUntil.map(String.init) ?? "never"))",
                check: "a ticket past its renew-until or expiry needs a new one from the account's key")
        }
        return try TicketGrantingTicket(context: self, taking: renewed, keyVersion: nil)
    }

    /// The key versions to try: `current` first when the keytab has it, then the others, newest first.
    static func tryOrder(_ versions: Set<UInt32>, current: UInt32) -> [UInt32] {
        (versions.contains(current) ? [current] : []) + versions.subtracting([current]).sorted(by: >)
    }

    /// Whether an AS failure means the KDC does not take this key (another kvno may work).
    static func isKeyRefusal(_ code: krb5_error_code) -> Bool {
        code == KRB5KDC_ERR_PREAUTH_FAILED || code == KRB5KRB_AP_ERR_BAD_INTEGRITY || code == KRB5_PREAUTH_FAILED
    }

    /// A new private `MEMORY:` keytab holding `entries`; the caller closes it, which frees it and wipes its keys.
    private func memoryKeytab(holding entries: [KeytabEntry]) throws(KerberosError) -> krb5_keytab {
        // MEMORY keytabs are shared by name within the process: a random name no other one has.
        let name = "MEMORY:gmsa-keytabd-ticket-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        var table: krb5_keytab?
        var code = krb5_kt_resolve(raw, name, &table)
        guard code == 0, let table else { throw error(code, "cannot create an in-memory keytab") }
        for entry in entries {
            let principal: krb5_principal
            do {
                principal = try parsePrincipal(entry.principal)
            } catch {
                krb5_kt_close(raw, table)
                throw error
            }
            defer { krb5_free_principal(raw, principal) }
            code = entry.key.bytes.withUnsafeBytes { bytes in
                var keytabEntry = krb5_keytab_entry()
                keytabEntry.principal = principal
                keytabEntry.vno = entry.keyVersion
                keytabEntry.key = krb5_keyblock(
                    magic: gmsa_kv5m_keyblock(), enctype: entry.key.encryptionType.rawValue, length: UInt32(bytes.count),
                    contents: UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)))
                return krb5_kt_add_entry(raw, table, &keytabEntry)
            }
            guard code == 0 else {
                krb5_kt_close(raw, table)
                throw error(code, "cannot add a key to an in-memory keytab")
            }
        }
        return table
    }
}
