import GMSACore
import GMSADirectory

#if canImport(Glibc)
import Glibc
#endif

/// Confirms the key version of newly read passwords with a second search before anything is written.
///
/// The reply that carries a new password may still show the old kvno (docs/protocol.md, "The kvno lags the
/// password"), so every planned key version is shifted by the difference between the re-read kvno and the first
/// one. A kvno that already labels a different key in the keytab cannot be right yet (the DC has not stored the
/// change): it is asked for again a few times, `delay` apart, before the account is given up for this pass.
/// Every kvno from the directory goes through checked arithmetic: out of range is a per-account failure.
public struct KeyVersionConfirmer {
    /// One account waiting for confirmation.
    public struct Candidate {
        public var name: ServiceAccountName
        public var plan: KeyPlan
        /// The keytab's entries as read before this pass changed anything.
        public var existing: [KeytabEntry]

        public init(name: ServiceAccountName, plan: KeyPlan, existing: [KeytabEntry]) {
            self.name = name
            self.plan = plan
            self.existing = existing
        }
    }

    /// The outcome for one account.
    public enum Confirmation {
        /// The keys under their confirmed key versions; `current` as in ``KeyPlan/currentKeyVersions``.
        case confirmed(keyVersion: UInt32, entries: [KeytabEntry], current: Set<UInt32>)
        case failed(String)
    }

    /// Reads `msDS-KeyVersionNumber` of the accounts (one batched search).
    let reread: ([ServiceAccountName]) throws(DirectoryError) -> [ServiceAccountName: UInt32]
    /// Waits between attempts (a bounded sleep: `attempts` × `delay` stays far below any watchdog interval).
    let sleep: (Duration) -> Void
    let attempts: Int
    let delay: Duration

    public init(
        attempts: Int = 4,
        delay: Duration = .milliseconds(750),
        sleep: @escaping (Duration) -> Void = { duration in
            let (seconds, attoseconds) = duration.components
            usleep(UInt32(clamping: seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
        },
        reread: @escaping ([ServiceAccountName]) throws(DirectoryError) -> [ServiceAccountName: UInt32]
    ) {
        self.attempts = attempts
        self.delay = delay
        self.sleep = sleep
        self.reread = reread
    }

    /// Confirms every candidate; each one gets exactly one ``Confirmation``.
    public func confirm(_ candidates: [Candidate]) -> [ServiceAccountName: Confirmation] {
        var results: [ServiceAccountName: Confirmation] = [:]
        var remaining = candidates
        var rereadError: String?
        for attempt in 0..<attempts where !remaining.isEmpty {
            if attempt > 0 { sleep(delay) }
            let confirmed: [ServiceAccountName: UInt32]
            do {
                confirmed = try reread(remaining.map(\.name))
            } catch {
                rereadError = "cannot re-read msDS-KeyVersionNumber: \(error.message)"
                break
            }
            var stale: [Candidate] = []
            for candidate in remaining {
                guard let kvno = confirmed[candidate.name] else {
                    results[candidate.name] = .failed("msDS-KeyVersionNumber could not be re-read (was the account deleted?)")
                    continue
                }
                guard let moved = Self.shift(candidate.plan, to: kvno) else {
                    results[candidate.name] = .failed(
                        "the re-read msDS-KeyVersionNumber \(kvno) (first read: \(candidate.plan.seenKeyVersion)) puts a key "
                            + "version out of range; keytab not written")
                    continue
                }
                if RetentionMerger.contradicts(moved.entries, existing: candidate.existing) {
                    stale.append(candidate)
                } else {
                    results[candidate.name] = .confirmed(keyVersion: kvno, entries: moved.entries, current: moved.current)
                }
            }
            remaining = stale
        }
        for candidate in remaining {
            results[candidate.name] = .failed(
                rereadError
                    ?? "the directory still shows kvno \(candidate.plan.seenKeyVersion) for a new password; "
                    + "the keytab is kept and the account will be read again shortly")
        }
        return results
    }

    /// The plan's entries and current versions moved to the confirmed `kvno`; `nil` when a moved version would
    /// leave ``KeytabLayout/validKeyVersions``.
    static func shift(_ plan: KeyPlan, to kvno: UInt32) -> (entries: [KeytabEntry], current: Set<UInt32>)? {
        let shift = Int64(kvno) - Int64(plan.seenKeyVersion)
        func shifted(_ version: UInt32) -> UInt32? {
            UInt32(exactly: Int64(version) + shift).flatMap { KeytabLayout.validKeyVersions.contains($0) ? $0 : nil }
        }
        var entries: [KeytabEntry] = []
        for entry in plan.entries {
            guard let version = shifted(entry.keyVersion) else { return nil }
            entries.append(KeytabEntry(principal: entry.principal, keyVersion: version, key: entry.key))
        }
        var current = Set<UInt32>()
        for version in plan.currentKeyVersions {
            guard let moved = shifted(version) else { return nil }
            current.insert(moved)
        }
        return (entries, current)
    }
}
