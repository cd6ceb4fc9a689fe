import GMSACore

/// What happened to one account in a pass: one line of `sync` output.
public struct AccountReport: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// The keytab was written with these key versions.
        case written
        /// The keytab already held the right keys.
        case current
        /// The DC withheld the password: the host is not allowed to read it.
        case notReadable
        /// No gMSA of that name exists.
        case notFound
        /// Something went wrong; the keytab was not touched.
        case failed
    }

    public var account: ServiceAccountName
    public var keytab: String
    public var outcome: Outcome
    /// Key versions in the keytab, newest first (for written/current).
    public var keyVersions: [UInt32] = []
    public var principals: [String] = []
    public var encryptionTypes: [EncryptionType] = []
    /// When the DC will next change the password (for written/current).
    public var nextPasswordChange: Duration?
    /// Old key versions kept for their retention period, newest first.
    public var retainedKeyVersions: [UInt32] = []
    /// Whether the next key (K+1) was written inside the 5-minute window before a change.
    public var stagedNextKey = false
    /// Whether this pass derived the account's keys (a read that changed nothing derives none).
    public var derivedKeys = false
    /// Set when the account's `msDS-SupportedEncryptionTypes` has no AES type (the KDC issues RC4 tickets for it).
    public var rc4Warning: RC4OnlyWarning?
    /// Set when the directory's keys replaced keys the keytab held under the same kvno: which, and why.
    public var keysReplaced: String?
    /// Why, for notReadable/notFound/failed; what was done, for a prune.
    public var detail: String?

    /// Whether the account's keytab is as it should be.
    public var isHealthy: Bool { outcome == .written || outcome == .current }

    /// The human line, e.g. `msa-web$: wrote /var/lib/gmsa-keytabd/msa-web.keytab (kvno 3, 2; 3 principals; …)`.
    public var line: String {
        switch outcome {
        case .written, .current:
            let verb = outcome == .written ? "wrote" : "current"
            let kvnos = (keyVersions + retainedKeyVersions.filter { !keyVersions.contains($0) }).map(String.init).joined(separator: ", ")
            return "\(account): \(verb) \(keytab) (kvno \(kvnos); \(principals.count) principal(s); "
                + "\(encryptionTypes.map(\.name).joined(separator: ","))"
                + (nextPasswordChange.map { "; next password change in \(Self.format($0))" } ?? "") + ")"
        case .notReadable: return "\(account): NOT READABLE: \(detail ?? ""); \(keytab) not touched"
        case .notFound: return "\(account): NOT FOUND: \(detail ?? ""); \(keytab) not touched"
        case .failed: return "\(account): FAILED: \(detail ?? ""); \(keytab) not touched"
        }
    }

    /// `12d 3h`, `5h 10m`, `4m 20s`.
    public static func format(_ duration: Duration) -> String {
        let seconds = max(0, duration.components.seconds)
        let days = seconds / 86_400
        let hours = seconds % 86_400 / 3600
        let minutes = seconds % 3600 / 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        return "\(minutes)m \(seconds % 60)s"
    }
}
