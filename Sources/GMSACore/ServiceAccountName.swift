/// The `sAMAccountName` of a gMSA, always with its trailing `$`.
///
/// Config and command lines may give `msa-web` or `msa-web$`; both mean the account `msa-web$`.
///
/// Two names are equal, hash alike and sort together when AD would take them for the same account: AD compares
/// `sAMAccountName` without regard to case (`MSA-Web` finds `msa-web$`). The comparison key (``comparisonKey``)
/// upper-cases each Unicode scalar on its own: ASCII `a`–`z` to `A`–`Z` (the part that matters in practice), and
/// beyond ASCII a scalar's Unicode uppercase mapping when that is a single scalar (the simple mapping, as
/// Windows' case-insensitive comparison and Samba's per-code-point upper-casing do; `ß`, whose uppercase is
/// `SS`, stays itself), the key written with ASCII letters in lower case. No Unicode normalization is applied.
/// The spelling itself is kept (``samAccountName``): principals and salts use the spelling the directory returns, never a configured one.
public struct ServiceAccountName: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The name with the trailing `$`, spelled as it was given (by the directory, the config or a command line).
    public let samAccountName: String
    /// The name as AD compares it (``comparisonKey(of:)``): equal for `MSA-Web$` and `msa-web$`.
    public let comparisonKey: String

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
        comparisonKey = Self.comparisonKey(of: samAccountName)
    }

    /// `text` as AD compares a `sAMAccountName`: each scalar upper-cased on its own (see the type's summary),
    /// then written with ASCII letters in lower case, so that names sort as they read (`msa_a$` before `msab$`).
    /// Lower-casing the ASCII letters of an upper-cased key keeps which names are equal: `ı` (dotless i) upper-cases
    /// to `I` and so still equals `i`, as in Windows and Samba.
    public static func comparisonKey(of text: String) -> String {
        var key = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            var upper = scalar
            if !scalar.isASCII, let mapped = scalar.properties.uppercaseMapping.unicodeScalars.first,
                scalar.properties.uppercaseMapping.unicodeScalars.count == 1
            {
                upper = mapped
            }
            key.append(("A"..."Z").contains(upper) ? Unicode.Scalar(upper.value + 0x20)! : upper)
        }
        return String(key)
    }

    /// Whether `other` names this account as AD compares names (`"MSA-Web$"` names `msa-web$`).
    /// Both ASCII (the usual case) compare byte by byte without building a key: a state file's entries are
    /// looked up this way.
    public func isNamed(_ other: String) -> Bool {
        let mine = samAccountName.utf8
        let theirs = other.utf8
        if mine.allSatisfy({ $0 < 0x80 }), theirs.allSatisfy({ $0 < 0x80 }) {
            guard mine.count == theirs.count else { return false }
            let lower = { (byte: UInt8) in (0x41...0x5A).contains(byte) ? byte + 0x20 : byte }
            return zip(mine, theirs).allSatisfy { lower($0) == lower($1) }
        }
        return Self.comparisonKey(of: other) == comparisonKey
    }

    /// The name without the trailing `$`.
    public var baseName: String { String(samAccountName.unicodeScalars.dropLast()) }

    /// The principal `name$@REALM`.
    public func principal(realm: String) -> String { "\(samAccountName)@\(realm.uppercased())" }

    public var description: String { samAccountName }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.comparisonKey == rhs.comparisonKey }

    public func hash(into hasher: inout Hasher) { hasher.combine(comparisonKey) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.comparisonKey < rhs.comparisonKey }

    /// A name that is not a valid sAMAccountName.
    public struct InvalidName: Error, Sendable, CustomStringConvertible {
        public let name: String
        public let reason: String
        public var description: String { "invalid account name '\(name)': \(reason)" }
    }
}
