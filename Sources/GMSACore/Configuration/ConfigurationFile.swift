/// The configuration file as written: every key optional, names as in the TOML file.
///
/// ``ConfigurationLoader`` decodes this strictly (an unknown key is an error) and turns it into a
/// ``Configuration``.
public struct ConfigurationFile: Decodable, Sendable {
    public struct Domain: Decodable, Sendable {
        var realm: String?
        var servers: [String]?
        var site: String?
    }

    public struct Host: Decodable, Sendable {
        var keytab: String?
        var principal: String?
    }

    public struct LDAP: Decodable, Sendable {
        var timeout: Int?
        var pageSize: Int?
        var saslSecprops: String?

        enum CodingKeys: String, CodingKey {
            case timeout
            case pageSize = "page_size"
            case saslSecprops = "sasl_secprops"
        }
    }

    public struct Daemon: Decodable, Sendable {
        var stateDirectory: String?
        var retention: String?
        var probeInterval: String?
        var onChangeTimeout: String?

        enum CodingKeys: String, CodingKey {
            case stateDirectory = "state_directory"
            case retention
            case probeInterval = "probe_interval"
            case onChangeTimeout = "on_change_timeout"
        }
    }

    public struct Account: Decodable, Sendable {
        var name: String?
        var keytab: String?
        var owner: String?
        var group: String?
        var mode: FileMode?
        var enctypes: [String]?
        var principals: [String]?
        var onChange: [String]?

        enum CodingKeys: String, CodingKey {
            case name, keytab, owner, group, mode, enctypes, principals
            case onChange = "on_change"
        }
    }

    public struct Discovery: Decodable, Sendable {
        var enabled: Bool?
        var keytab: String?
        var owner: String?
        var group: String?
        var mode: FileMode?
        var enctypes: [String]?
        var exclude: [String]?
    }

    /// A file mode written as a string (`"0640"`) or as a TOML octal integer (`0o640`).
    public struct FileMode: Decodable, Sendable {
        var text: String

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) {
                text = String(number, radix: 8)
            } else {
                text = try container.decode(String.self)
            }
        }
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
