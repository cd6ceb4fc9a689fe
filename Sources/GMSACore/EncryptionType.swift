/// A Kerberos encryption type this daemon writes keys for.
///
/// Raw values are the IANA etype numbers; the names are MIT's (`klist -e` prints them).
public enum EncryptionType: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case aes256CTSHMACSHA196 = 18
    case aes128CTSHMACSHA196 = 17
    case rc4HMAC = 23

    /// AES256 + AES128 + RC4: what a DC may use when `msDS-SupportedEncryptionTypes` is not set
    /// (docs/protocol.md §2 "Password to keys": Samba issued RC4 tickets then, so RC4 stays in unless the admin opts out).
    public static let defaultSet: [EncryptionType] = [.aes256CTSHMACSHA196, .aes128CTSHMACSHA196, .rc4HMAC]

    /// The canonical MIT name.
    public var name: String {
        switch self {
        case .aes256CTSHMACSHA196: "aes256-cts-hmac-sha1-96"
        case .aes128CTSHMACSHA196: "aes128-cts-hmac-sha1-96"
        case .rc4HMAC: "arcfour-hmac"
        }
    }

    /// The `msDS-SupportedEncryptionTypes` bit for this type.
    public var supportedEncryptionTypesBit: UInt32 {
        switch self {
        case .aes256CTSHMACSHA196: 0x10
        case .aes128CTSHMACSHA196: 0x08
        case .rc4HMAC: 0x04
        }
    }

    public var description: String { name }

    /// Accepts MIT names and their usual aliases: `aes256-cts-hmac-sha1-96`, `aes256-cts`, `aes256`,
    /// `aes128…`, `arcfour-hmac`, `rc4-hmac`, `rc4`, or the etype number.
    public init?(name: String) {
        switch name.lowercased() {
        case "aes256-cts-hmac-sha1-96", "aes256-cts", "aes256", "18": self = .aes256CTSHMACSHA196
        case "aes128-cts-hmac-sha1-96", "aes128-cts", "aes128", "17": self = .aes128CTSHMACSHA196
        case "arcfour-hmac", "arcfour-hmac-md5", "rc4-hmac", "rc4", "23": self = .rc4HMAC
        default: return nil
        }
    }

    /// The types an account's `msDS-SupportedEncryptionTypes` value allows, strongest first.
    ///
    /// `nil` or a value with none of the three bits means "not set": the ``defaultSet`` applies.
    public static func allowed(bySupportedEncryptionTypes mask: UInt32?) -> [EncryptionType] {
        guard let mask else { return defaultSet }
        let allowed = defaultSet.filter { mask & $0.supportedEncryptionTypesBit != 0 }
        return allowed.isEmpty ? defaultSet : allowed
    }

    /// Parses a comma- or space-separated list such as `aes256,aes128` into types, strongest first,
    /// without duplicates.
    public static func parseList(_ list: String) throws(UnknownName) -> [EncryptionType] {
        let names = list.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        var result: [EncryptionType] = []
        for name in names {
            guard let type = EncryptionType(name: name) else { throw UnknownName(name: name) }
            if !result.contains(type) { result.append(type) }
        }
        guard !result.isEmpty else { throw UnknownName(name: list) }
        return defaultSet.filter(result.contains)
    }

    /// A name that is not one of the supported encryption types.
    public struct UnknownName: Error, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String {
            "unknown encryption type '\(name)'; use aes256-cts-hmac-sha1-96 (aes256), aes128-cts-hmac-sha1-96 (aes128) or arcfour-hmac (rc4)"
        }
    }
}
