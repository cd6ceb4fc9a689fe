/// One keytab entry: a principal, a key version number and a key.
///
/// Two entries are equal when principal, kvno and key are; the timestamp a keytab file stores is not part
/// of the entry's identity, so rewriting a keytab with the same keys counts as "no change".
public struct KeytabEntry: Sendable, Equatable, CustomStringConvertible {
    /// The full principal name with realm, e.g. `msa-web$@COMPANY.TEST` or `HTTP/web.company.test@COMPANY.TEST`.
    public let principal: String
    public let keyVersion: UInt32
    public let key: KerberosKey

    public init(principal: String, keyVersion: UInt32, key: KerberosKey) {
        self.principal = principal
        self.keyVersion = keyVersion
        self.key = key
    }

    public var description: String { "\(principal) kvno \(keyVersion) \(key.encryptionType)" }
}

extension Array where Element == KeytabEntry {
    /// Whether both lists hold the same entries, in any order.
    public func hasSameEntries(as other: [KeytabEntry]) -> Bool {
        guard count == other.count else { return false }
        var unmatched = other
        for entry in self {
            guard let index = unmatched.firstIndex(of: entry) else { return false }
            unmatched.remove(at: index)
        }
        return true
    }
}
