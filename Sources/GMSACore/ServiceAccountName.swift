/// The `sAMAccountName` of a gMSA, always with its trailing `$`.
///
/// Config and command lines may give `msa-web` or `msa-web$`; both mean the account `msa-web$`.
public struct ServiceAccountName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The name with the trailing `$`, as in the directory.
    public let samAccountName: String

    /// Validates and normalizes a name. Throws ``ConfigurationError`` style messages via ``InvalidName``.
    ///
    /// Works on Unicode scalars, not characters: a prepended mark such as U+06DD would otherwise join the
    /// trailing `$` into one character, hiding it from the checks and from ``baseName``.
    public init(_ name: String) throws(InvalidName) {
        let trimmed = name.unicodeScalars.last == "$" ? String(name.unicodeScalars.dropLast()) : name
        guard !trimmed.isEmpty else { throw InvalidName(name: name, reason: "the name is empty") }
        guard trimmed.utf8.count <= 19 else {
            throw InvalidName(name: name, reason: "a sAMAccountName of a computer object has at most 20 characters including '$'")
        }
        let forbidden = Set("\"/\\[]:;|=,+*?<>@$ ".unicodeScalars)
        if let bad = trimmed.unicodeScalars.first(where: { forbidden.contains($0) || $0.value < 0x20 }) {
            throw InvalidName(name: name, reason: "the character '\(bad)' is not allowed in a sAMAccountName")
        }
        samAccountName = trimmed + "$"
    }

    /// The name without the trailing `$`.
    public var baseName: String { String(samAccountName.unicodeScalars.dropLast()) }

    /// The principal `name$@REALM`.
    public func principal(realm: String) -> String { "\(samAccountName)@\(realm.uppercased())" }

    public var description: String { samAccountName }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.samAccountName.lowercased() < rhs.samAccountName.lowercased()
    }

    /// A name that is not a valid sAMAccountName.
    public struct InvalidName: Error, Sendable, CustomStringConvertible {
        public let name: String
        public let reason: String
        public var description: String { "invalid account name '\(name)': \(reason)" }
    }
}
