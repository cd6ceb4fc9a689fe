import GMSACore

/// One entry of a search result.
///
/// Attribute names are kept lower-cased (LDAP names are case-insensitive). Attributes named as secret in the
/// search are held only as ``SecretBytes``.
public struct DirectoryEntry: Sendable {
    public let distinguishedName: String
    public var values: [String: [[UInt8]]]
    public var secrets: [String: SecretBytes]

    public init(distinguishedName: String, values: [String: [[UInt8]]] = [:], secrets: [String: SecretBytes] = [:]) {
        self.distinguishedName = distinguishedName
        self.values = values
        self.secrets = secrets
    }

    /// All values of an attribute as UTF-8 strings.
    public func strings(_ attribute: String) -> [String] {
        (values[attribute.lowercased()] ?? []).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The first value of an attribute as a string.
    public func string(_ attribute: String) -> String? {
        strings(attribute).first
    }

    /// The first value of an attribute as an integer (LDAP integers are decimal strings).
    public func integer(_ attribute: String) -> Int64? {
        string(attribute).flatMap { Int64($0) }
    }

    /// A secret attribute's value.
    public func secret(_ attribute: String) -> SecretBytes? {
        secrets[attribute.lowercased()]
    }
}
