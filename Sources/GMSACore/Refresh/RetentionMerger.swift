/// Decides which keys an account's keytab holds after a read: the current ones, plus every older key while it is
/// within its retention period (docs/protocol.md, "Keeping old keys").
///
/// Pure: the keytab's present entries and the retention deadlines are passed in, the merged entry list and the
/// new deadlines come out. Retention of a key version runs from the first moment it is seen not current, so a
/// previous password that the DC keeps returning does not stay forever, and the key that was active before a
/// skipped interval stays for a full period after the read that replaced it (the DC switched only then).
public struct RetentionMerger: Sendable {
    public let policy: RefreshPolicy

    public init(policy: RefreshPolicy) {
        self.policy = policy
    }

    /// The merged keytab content.
    public struct Merge: Sendable {
        /// Current entries first, then the retained older ones.
        public var entries: [KeytabEntry]
        /// Retained older key versions and until when.
        public var retainedUntil: [UInt32: Timestamp]

        public init(entries: [KeytabEntry], retainedUntil: [UInt32: Timestamp]) {
            self.entries = entries
            self.retainedUntil = retainedUntil
        }
    }

    /// Merges `fresh` (every key the read gave, `current` the key versions in use or about to be) with the
    /// keytab's `existing` entries under the deadlines in `retainedUntil`.
    public func merge(
        fresh: [KeytabEntry],
        current: Set<UInt32>,
        existing: [KeytabEntry],
        retainedUntil: [UInt32: Timestamp],
        now: Timestamp
    ) -> Merge {
        let older = fresh.filter { !current.contains($0.keyVersion) }
        let candidates =
            older
            + existing.filter { entry in
                !current.contains(entry.keyVersion)
                    && !older.contains { $0.keyVersion == entry.keyVersion && $0.principal == entry.principal }
            }
        let retained = policy.retained(
            existing: Array(Set(candidates.map(\.keyVersion))), fresh: Array(current), retainedUntil: retainedUntil, now: now)
        let entries = fresh.filter { current.contains($0.keyVersion) } + candidates.filter { retained[$0.keyVersion] != nil }
        return Merge(entries: entries, retainedUntil: retained)
    }

    /// Whether `fresh` gives a (principal, kvno, enctype) that the keytab already holds with another key: the
    /// kvno read with a new password cannot be right yet (docs/protocol.md, "The kvno lags the password").
    public static func contradicts(_ fresh: [KeytabEntry], existing: [KeytabEntry]) -> Bool {
        !contradicted(fresh, existing: existing).isEmpty
    }

    /// The key versions that `fresh` gives with another key than the keytab's `existing` entries.
    public static func contradicted(_ fresh: [KeytabEntry], existing: [KeytabEntry]) -> Set<UInt32> {
        Set(
            fresh.filter { entry in
                existing.contains {
                    $0.principal == entry.principal && $0.keyVersion == entry.keyVersion
                        && $0.key.encryptionType == entry.key.encryptionType && $0.key.bytes != entry.key.bytes
                }
            }.map(\.keyVersion))
    }
}
