import CLDAP
import GMSACore

#if canImport(Glibc)
import Glibc
#endif

/// Settings for a connection to a domain controller.
public struct DirectoryOptions: Sendable {
    /// Seconds for connecting and for each operation.
    public var timeoutSeconds: Int
    /// Entries per page of a paged search.
    public var pageSize: Int
    /// The lowest acceptable SASL security strength factor. Passwords are read only above this.
    public var minimumSecurityStrength: Int
    /// Extra SASL security properties, appended after `minssf=…,maxbufsize=65536` (so they can override either).
    public var saslSecurityProperties: String?

    public init(timeoutSeconds: Int = 30, pageSize: Int = 500, minimumSecurityStrength: Int = 56, saslSecurityProperties: String? = nil) {
        self.timeoutSeconds = timeoutSeconds
        self.pageSize = pageSize
        self.minimumSecurityStrength = minimumSecurityStrength
        self.saslSecurityProperties = saslSecurityProperties
    }
}

/// One bound LDAP connection to one domain controller, through libldap.
///
/// Set up as docs/protocol.md §5 "Reading from the directory" requires: protocol v3, SASL GSSAPI with the host's Kerberos credentials
/// (handed over per connection as ``SASLCredentials``; without them, the default ccache), NOCANON (no
/// reverse lookup of the DC's name), referrals off, a confidentiality layer of at least `minssf` demanded
/// before the bind and verified after it. libldap calls block: own a connection from one thread at a time.
///
/// Secret attributes are copied into ``SecretBytes``; libldap's value copies and the entry's BER buffer
/// (which holds the decoded PDU) are zeroed before libldap frees them, and cyrus-sasl frees through
/// ``WipingAllocator``.
public final class DirectoryConnection {
    /// The DC's host name.
    public let server: String
    /// The DC and port this connection went to.
    public let controller: DomainController
    /// The negotiated SASL security strength factor (56 or more; 256 with AES).
    public private(set) var securityStrength = 0
    private let handle: OpaquePointer
    private let options: DirectoryOptions
    private let statistics: DirectoryStatistics
    /// Kept for the connection's lifetime: the SASL context points at the credential.
    private let credentials: SASLCredentials?
    /// Sees each search result (libldap handle, message chain) right before libldap frees it. For tests.
    var messageInspector: ((OpaquePointer, OpaquePointer) -> Void)?

    /// Connects to `server` on port 389 and binds with SASL GSSAPI.
    public convenience init(server: String, options: DirectoryOptions, statistics: DirectoryStatistics) throws(DirectoryError) {
        try self.init(controller: DomainController(host: server), options: options, statistics: statistics)
    }

    /// Connects to `controller` (its host and port) and binds with SASL GSSAPI, with `credentials` when
    /// given (else the default ccache).
    public init(
        controller: DomainController,
        options: DirectoryOptions,
        statistics: DirectoryStatistics,
        credentials: SASLCredentials? = nil
    ) throws(DirectoryError) {
        // Before libldap's first SASL bind initialises cyrus-sasl, which then locks its allocator and plugins.
        SASLLibrary.prepare()
        self.server = controller.host
        self.controller = controller
        self.options = options
        self.statistics = statistics
        self.credentials = credentials
        let server = controller.description
        var ldap: OpaquePointer?
        let uri = controller.uri
        var code = ldap_initialize(&ldap, uri)
        guard code == LDAP_SUCCESS, let ldap else {
            throw DirectoryError(.unavailable, "cannot set up LDAP for \(uri): \(String(cString: ldap_err2string(code)))", resultCode: code)
        }
        // From here on every stored property is set: a throw runs deinit, which unbinds.
        handle = ldap
        statistics.record(connection: 1)

        var version = LDAP_VERSION3
        var timeout = timeval(tv_sec: options.timeoutSeconds, tv_usec: 0)
        // maxbufsize: cyrus-sasl's GSSAPI layer allocates a decode buffer of the size offered here, and the wiping
        // allocator zeroes all of it on release; libldap's default (16 MiB) cost about 13 ms of CPU per
        // connection (4096 pages faulted in only to be zeroed). The DC splits larger replies into 64 KiB packets.
        var secprops = "minssf=\(options.minimumSecurityStrength),maxbufsize=65536"
        if let extra = options.saslSecurityProperties, !extra.isEmpty { secprops += ",\(extra)" }
        let settings: [(Int32, String, (Int32) -> Int32)] = [
            (LDAP_OPT_PROTOCOL_VERSION, "protocol version 3", { ldap_set_option(ldap, $0, &version) }),
            (LDAP_OPT_REFERRALS, "referrals off", { ldap_set_option(ldap, $0, gmsa_ldap_opt_off()) }),
            (LDAP_OPT_X_SASL_NOCANON, "SASL NOCANON", { ldap_set_option(ldap, $0, gmsa_ldap_opt_on()) }),
            (LDAP_OPT_NETWORK_TIMEOUT, "network timeout", { ldap_set_option(ldap, $0, &timeout) }),
            (LDAP_OPT_TIMEOUT, "operation timeout", { ldap_set_option(ldap, $0, &timeout) }),
            (LDAP_OPT_X_SASL_SECPROPS, "SASL security properties '\(secprops)'", { option in
                secprops.withCString { ldap_set_option(ldap, option, $0) }
            }),
        ]
        for (option, name, apply) in settings {
            code = apply(option)
            guard code == LDAP_OPT_SUCCESS else {
                throw DirectoryError(.unavailable, "cannot set LDAP option \(name) for \(server) (code \(code)); check the ldap settings")
            }
        }

        statistics.record(bind: 1)
        var bind = gmsa_sasl_bind_defaults(gss_credentials: credentials.map { UnsafeMutableRawPointer($0.handle) }, credentials_applied: 0)
        code = gmsa_ldap_sasl_gssapi_bind(ldap, &bind)
        guard code == LDAP_SUCCESS else {
            throw Self.bindError(code, controller: controller, detail: Self.diagnosticMessage(ldap))
        }
        // A bind that succeeded without them used the process's default ccache: some other identity.
        guard credentials == nil || bind.credentials_applied != 0 else {
            throw DirectoryError(
                .bindFailed,
                "refusing the LDAP connection to \(server): libldap did not take the host's GSSAPI credentials "
                    + "(LDAP_OPT_X_SASL_GSS_CREDS), so the SASL GSSAPI bind used the default credential cache; "
                    + "this libldap or cyrus-sasl is not supported (OpenLDAP 2.5 with cyrus-sasl 2.1.28 is)")
        }
        var strength: ber_len_t = 0
        code = ldap_get_option(ldap, LDAP_OPT_X_SASL_SSF, &strength)
        securityStrength = code == LDAP_OPT_SUCCESS ? Int(strength) : 0
        guard securityStrength >= options.minimumSecurityStrength else {
            throw DirectoryError(
                .insufficientSecurity,
                "refusing to read passwords from \(server): the LDAP connection has security strength \(securityStrength), "
                    + "below the required \(options.minimumSecurityStrength) (no SASL confidentiality layer); "
                    + "check ldap.sasl_secprops and the DC's LDAP signing/sealing policy")
        }
    }

    deinit {
        ldap_unbind_ext_s(handle, nil, nil)
    }

    /// Another connection to the same DC and port, with the same settings and credentials, bound anew.
    public func sibling() throws(DirectoryError) -> DirectoryConnection {
        try DirectoryConnection(controller: controller, options: options, statistics: statistics, credentials: credentials)
    }

    /// The name the SASL GSSAPI bind authenticated as, as cyrus-sasl reports it (the Kerberos client
    /// principal, e.g. `linuxhost1$@COMPANY.TEST`), or `nil` when it does not say.
    public var authenticatedName: String? {
        var text: UnsafeMutablePointer<CChar>?
        guard ldap_get_option(handle, LDAP_OPT_X_SASL_USERNAME, &text) == LDAP_OPT_SUCCESS, let text else { return nil }
        defer { ldap_memfree(text) }
        return String(cString: text)
    }

    /// The search scope.
    public enum Scope: Sendable {
        case base, subtree

        var raw: Int32 { self == .base ? LDAP_SCOPE_BASE : LDAP_SCOPE_SUBTREE }
    }

    /// Searches with the simple paged results control, returning every entry.
    ///
    /// Attributes in `secretAttributes` are copied into ``SecretBytes`` and libldap's copy is zeroed.
    public func search(
        base: String,
        scope: Scope,
        filter: String,
        attributes: [String],
        secretAttributes: Set<String> = [],
        paged: Bool = true
    ) throws(DirectoryError) -> [DirectoryEntry] {
        statistics.record(search: 1)
        let secret = Set(secretAttributes.map { $0.lowercased() })
        var entries: [DirectoryEntry] = []
        // The paged results cookie; empty before the first page and after the last.
        var cookie = berval(bv_len: 0, bv_val: nil)
        defer { ber_memfree(cookie.bv_val) }
        repeat {
            var controls: [UnsafeMutablePointer<LDAPControl>?] = [nil, nil]
            if paged {
                var control: UnsafeMutablePointer<LDAPControl>?
                let code: Int32
                if cookie.bv_val == nil {
                    code = ldap_create_page_control(handle, ber_int_t(options.pageSize), nil, 0, &control)
                } else {
                    code = ldap_create_page_control(handle, ber_int_t(options.pageSize), &cookie, 0, &control)
                }
                guard code == LDAP_SUCCESS else {
                    throw DirectoryError(.searchFailed, "cannot create the paged results control: \(String(cString: ldap_err2string(code)))")
                }
                controls[0] = control
            }
            defer { if let control = controls[0] { ldap_control_free(control) } }

            var result: OpaquePointer?
            statistics.record(page: 1)
            var timeout = timeval(tv_sec: options.timeoutSeconds, tv_usec: 0)
            let code = withCStringArray(attributes) { attributeList in
                controls.withUnsafeMutableBufferPointer { controlList in
                    ldap_search_ext_s(
                        handle, base, scope.raw, filter, attributeList, 0, paged ? controlList.baseAddress : nil, nil, &timeout,
                        0, &result)
                }
            }
            defer {
                if let result {
                    messageInspector?(handle, result)
                    ldap_msgfree(result)
                }
            }
            guard code == LDAP_SUCCESS, let result else {
                throw DirectoryError(
                    code == LDAP_SERVER_DOWN || code == LDAP_TIMEOUT ? .unavailable : .searchFailed,
                    "LDAP search of \(base) for \(filter) on \(server) failed: \(String(cString: ldap_err2string(code)))"
                        + Self.detailSuffix(Self.diagnosticMessage(handle)),
                    resultCode: code)
            }
            entries += readEntries(result, secret: secret)

            ber_memfree(cookie.bv_val)
            cookie = berval(bv_len: 0, bv_val: nil)
            guard paged else { break }
            var responseControls: UnsafeMutablePointer<UnsafeMutablePointer<LDAPControl>?>?
            var resultCode: Int32 = 0
            let parse = ldap_parse_result(handle, result, &resultCode, nil, nil, nil, &responseControls, 0)
            defer { if let responseControls { ldap_controls_free(responseControls) } }
            guard parse == LDAP_SUCCESS else { break }
            if let pageControl = ldap_control_find(gmsa_ldap_control_paged_results(), responseControls, nil) {
                var count: ber_int_t = 0
                var next = berval(bv_len: 0, bv_val: nil)
                if ldap_parse_pageresponse_control(handle, pageControl, &count, &next) == LDAP_SUCCESS, next.bv_len > 0 {
                    cookie = next
                } else if next.bv_val != nil {
                    ber_memfree(next.bv_val)
                }
            }
        } while cookie.bv_val != nil
        statistics.record(entries: entries.count)
        return entries
    }

    private func readEntries(_ result: OpaquePointer, secret: Set<String>) -> [DirectoryEntry] {
        var entries: [DirectoryEntry] = []
        var message = ldap_first_entry(handle, result)
        while let entryMessage = message {
            defer { message = ldap_next_entry(handle, entryMessage) }
            guard let dnPointer = ldap_get_dn(handle, entryMessage) else { continue }
            var entry = DirectoryEntry(distinguishedName: String(cString: dnPointer))
            ldap_memfree(dnPointer)
            var ber: OpaquePointer?
            var attribute = ldap_first_attribute(handle, entryMessage, &ber)
            while let name = attribute {
                let key = String(cString: name).lowercased()
                if let values = ldap_get_values_len(handle, entryMessage, name) {
                    var index = 0
                    while let value = values[index] {
                        let bytes = UnsafeRawBufferPointer(start: value.pointee.bv_val, count: Int(value.pointee.bv_len))
                        if secret.contains(key) {
                            entry.secrets[key] = SecretBytes(bytes)
                            if let base = value.pointee.bv_val { explicit_bzero(base, Int(value.pointee.bv_len)) }
                        } else {
                            entry.values[key, default: []].append([UInt8](bytes))
                        }
                        index += 1
                    }
                    ldap_value_free_len(values)
                }
                ldap_memfree(name)
                attribute = ldap_next_attribute(handle, entryMessage, ber)
            }
            if let ber { ber_free(ber, 0) }
            if !secret.isEmpty { wipeAttributes(of: entryMessage) }
            entries.append(entry)
        }
        return entries
    }

    /// Zeroes, in place, the attributes of an entry in the message's BER buffer: the decoded PDU that
    /// libldap would otherwise free with the values still in it. The entry cannot be read afterwards.
    private func wipeAttributes(of entry: OpaquePointer) {
        // A BerElement that shares the message's buffer, positioned after the DN, limited to the attributes.
        var ber: OpaquePointer?
        var distinguishedName = berval(bv_len: 0, bv_val: nil)
        guard ldap_get_dn_ber(handle, entry, &ber, &distinguishedName) == LDAP_SUCCESS, let ber else {
            if let ber { ber_free(ber, 0) }
            return
        }
        defer { ber_free(ber, 0) }
        var element = berval(bv_len: 0, bv_val: nil)
        // Each attribute's raw element (tag, length, type and values), without copying.
        while ber_skip_raw(ber, &element) != ~ber_tag_t(0), let base = element.bv_val, element.bv_len > 0 {
            explicit_bzero(base, Int(element.bv_len))
        }
    }

    /// The rootDSE's `defaultNamingContext`, e.g. `DC=company,DC=test`.
    public func defaultNamingContext() throws(DirectoryError) -> String {
        let entries = try search(base: "", scope: .base, filter: "(objectClass=*)", attributes: ["defaultNamingContext"], paged: false)
        guard let context = entries.first?.string("defaultNamingContext"), !context.isEmpty else {
            throw DirectoryError(.unexpectedResponse, "\(server) did not report a defaultNamingContext in its rootDSE; is it an AD domain controller?")
        }
        return context
    }

    private static func diagnosticMessage(_ ldap: OpaquePointer) -> String? {
        var text: UnsafeMutablePointer<CChar>?
        guard ldap_get_option(ldap, LDAP_OPT_DIAGNOSTIC_MESSAGE, &text) == LDAP_OPT_SUCCESS, let text else { return nil }
        defer { ldap_memfree(text) }
        let message = String(cString: text).trimmingCharacters(in: [" ", "\n", "\0"])
        return message.isEmpty ? nil : message
    }

    private static func detailSuffix(_ detail: String?) -> String {
        detail.map { " (\($0))" } ?? ""
    }

    private static func bindError(_ code: Int32, controller: DomainController, detail: String?) -> DirectoryError {
        let text = String(cString: ldap_err2string(code)) + detailSuffix(detail)
        let server = controller.host
        switch code {
        case LDAP_SERVER_DOWN, LDAP_TIMEOUT, LDAP_CONNECT_ERROR:
            return DirectoryError(
                .unavailable, "cannot reach LDAP on \(server) (port \(controller.port)): \(text); check the name, DNS and firewall",
                resultCode: code)
        default:
            return DirectoryError(
                .bindFailed,
                "SASL GSSAPI bind to \(server) failed: \(text); check the host keytab, that ldap/\(server) is the DC's "
                    + "name in Kerberos, and that the clocks agree",
                resultCode: code)
        }
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}

/// Calls `body` with a NULL-terminated `char **` for `strings`.
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}
