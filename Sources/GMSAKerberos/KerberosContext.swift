import CKrb5
import GMSACore

/// An owned libkrb5 context.
///
/// A `krb5_context` must not be used from two threads at once; a `KerberosContext` is meant to be owned by
/// one task or actor. It reads the system krb5.conf (or `KRB5_CONFIG`), but nothing here needs a KDC.
public final class KerberosContext {
    let raw: krb5_context
    /// The host credentials ``hostCredentials(keytab:principal:realm:)`` keeps between passes.
    var keptHostCredentials: HostCredentials?

    /// The in-memory krb5.conf fragment every context adds (see `gmsa_context_with_keytab_preauth_only`);
    /// created once, open for the process's life.
    private static let preauthProfile: Int32 = gmsa_keytab_preauth_memfd()

    /// Opens a context; fails with libkrb5's message if krb5.conf cannot be parsed.
    ///
    /// Its AS requests use only the built-in encrypted-timestamp and encrypted-challenge preauth mechanisms
    /// (all a keytab needs with AD), so libkrb5 does not load its SPAKE and PKINIT modules and libcrypto with
    /// them; it asks the KDC over TCP first (`udp_preference_limit = 1`, unless krb5.conf sets it), since AD's
    /// replies with a PAC do not fit in UDP. krb5.conf is read, never written. If that fails, a plain
    /// `krb5_init_context` is used.
    public init() throws(KerberosError) {
        var restricted: krb5_context?
        if gmsa_context_with_keytab_preauth_only(Self.preauthProfile, &restricted) == 0, let restricted {
            raw = restricted
            return
        }
        var context: krb5_context?
        let code = krb5_init_context(&context)
        guard code == 0, let context else {
            throw KerberosError(
                .library(code),
                "cannot initialise libkrb5 (code \(code)); check /etc/krb5.conf or KRB5_CONFIG for syntax errors")
        }
        raw = context
    }

    deinit {
        krb5_free_context(raw)
    }

    /// The library's message for `code`, e.g. "Key table file '…' not found".
    func libraryMessage(_ code: krb5_error_code) -> String {
        guard let text = krb5_get_error_message(raw, code) else { return "error \(code)" }
        defer { krb5_free_error_message(raw, text) }
        return String(cString: text)
    }

    /// An error for a failed libkrb5 call: what we were doing, the library's text, and what to check.
    func error(_ code: krb5_error_code, _ doing: String, check: String? = nil) -> KerberosError {
        var message = "\(doing): \(libraryMessage(code))"
        if let check { message += "; \(check)" }
        // libkrb5 passes system errors through as plain errno values (ENOSPC from a keytab write, EACCES, …);
        // its own codes are com_err codes far above that range.
        return KerberosError((1..<4096).contains(code) ? .system(code) : .library(code), message)
    }

    /// Parses a principal name; the caller frees it.
    func parsePrincipal(_ name: String) throws(KerberosError) -> krb5_principal {
        var principal: krb5_principal?
        let code = krb5_parse_name(raw, name, &principal)
        guard code == 0, let principal else {
            throw error(code, "invalid principal name '\(name)'", check: "check the account name and SPNs")
        }
        return principal
    }

    /// The text form of a principal.
    func unparse(_ principal: krb5_const_principal) throws(KerberosError) -> String {
        var text: UnsafeMutablePointer<CChar>?
        let code = krb5_unparse_name(raw, principal, &text)
        guard code == 0, let text else { throw error(code, "cannot format a principal name") }
        defer { krb5_free_unparsed_name(raw, text) }
        return String(cString: text)
    }
}
