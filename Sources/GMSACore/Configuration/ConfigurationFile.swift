/// The configuration file as written: every key optional, names as in the TOML file.
///
/// ``ConfigurationLoader`` reads this strictly from the parsed TOML (an unknown key is an error, see
/// `ConfigurationFile+TOML.swift`) and turns it into a ``Configuration``.
public struct ConfigurationFile: Sendable {
    public struct Domain: Sendable {
        var realm: String?
        var servers: [String]?
        var site: String?
    }

    public struct Host: Sendable {
        var keytab: String?
        var principal: String?
    }

    public struct LDAP: Sendable {
        var timeout: Int?
        var pageSize: Int?
        var saslSecprops: String?
    }

    public struct Daemon: Sendable {
        var stateDirectory: String?
        var retention: String?
        var probeInterval: String?
        var onChangeTimeout: String?
    }

    public struct Account: Sendable {
        var name: String?
        var keytab: String?
        var owner: String?
        var group: String?
        var mode: FileMode?
        var enctypes: [String]?
        var principals: [String]?
        var onChange: [String]?
        var ticketCache: TicketCache = TicketCache()
    }

    /// `ccache`, `ccache_owner`, `ccache_group`, `ccache_mode` of an `[[account]]` or `[discovery]`.
    public struct TicketCache: Sendable {
        var path: String?
        var owner: String?
        var group: String?
        var mode: FileMode?

        var setsNothing: Bool { path == nil && owner == nil && group == nil && mode == nil }
    }

    public struct Discovery: Sendable {
        var enabled: Bool?
        var keytab: String?
        var owner: String?
        var group: String?
        var mode: FileMode?
        var enctypes: [String]?
        var exclude: [String]?
        var ticketCache: TicketCache = TicketCache()
    }

    /// A file mode written as a string (`"0640"`) or as a TOML octal integer (`0o640`).
    public struct FileMode: Sendable {
        var text: String
    }

    var domain: Domain?
    var host: Host?
    var daemon: Daemon?
    var ldap: LDAP?
    var account: [Account]?
    var discovery: Discovery?

    /// Whether the file sets no key at all (section headers alone, as the packaged file has them).
    var setsNothing: Bool {
        domain?.realm == nil && domain?.servers == nil && domain?.site == nil && host?.keytab == nil && host?.principal == nil
            && ldap?.timeout == nil && ldap?.pageSize == nil && ldap?.saslSecprops == nil
            && daemon?.stateDirectory == nil && daemon?.retention == nil && daemon?.probeInterval == nil
            && daemon?.onChangeTimeout == nil && (account ?? []).isEmpty && discovery == nil
    }
}
