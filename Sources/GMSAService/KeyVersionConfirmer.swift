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
///
/// The directory wins when it keeps showing the same kvno with the same new password: over every re-read of
/// this pass and again in the next pass (the candidate's ``Candidate/previousDispute``, from the state file).
/// A lagging DC shows the new kvno at the latest a few seconds later (the re-reads, or the retry 15–30 s on), a
/// re-created account, an adopted keytab of another tool or a reset that overtook a staged key never do.
public struct KeyVersionConfirmer {
    /// One account waiting for confirmation.
    public struct Candidate {
        public var name: ServiceAccountName
        public var plan: KeyPlan
        /// The keytab's entries as read before this pass changed anything.
        public var existing: [KeytabEntry]
        /// What the last failed pass disputed (``Confirmation/disputed(keyVersion:keysFingerprint:detail:)``).
        public var previousDispute: Dispute?

        public init(name: ServiceAccountName, plan: KeyPlan, existing: [KeytabEntry], previousDispute: Dispute? = nil) {
            self.name = name
            self.plan = plan
            self.existing = existing
            self.previousDispute = previousDispute
        }
    }

    /// A kvno that the directory showed over all re-reads of a pass with a password other than the keytab's.
    public struct Dispute: Sendable, Equatable {
        public var keyVersion: UInt32
        /// The plan's keyed fingerprint (``KeyPlan/fingerprint``): the same password, not only the same kvno.
        public var keysFingerprint: String?

        public init(keyVersion: UInt32, keysFingerprint: String?) {
            self.keyVersion = keyVersion
            self.keysFingerprint = keysFingerprint
        }
    }

    /// The outcome for one account.
    public enum Confirmation {
        /// The keys under their confirmed key versions; `current` as in ``KeyPlan/currentKeyVersions``.
        case confirmed(keyVersion: UInt32, entries: [KeytabEntry], current: Set<UInt32>)
        /// The directory showed `keyVersion` with this password in the last pass too: its keys replace the
        /// keytab's keys of the versions in `replaced`.
        case directoryWins(keyVersion: UInt32, entries: [KeytabEntry], current: Set<UInt32>, replaced: [UInt32])
        /// Every re-read showed the same kvno and it still contradicts the keytab: a failure for this pass; the
        /// caller records the dispute, and the next pass that shows the same makes the directory win.
        case disputed(Dispute, detail: String)
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
        sleep: @escaping (Duration) -> Void = { duration in usleep(duration.sleepMicroseconds) },
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
        // Every kvno each candidate was re-read with, and what the last re-read gave.
        var seen: [ServiceAccountName: Set<UInt32>] = [:]
        var last: [ServiceAccountName: (kvno: UInt32, entries: [KeytabEntry], current: Set<UInt32>)] = [:]
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
                    seen[candidate.name, default: []].insert(kvno)
                    last[candidate.name] = (kvno, moved.entries, moved.current)
                    stale.append(candidate)
                } else {
                    results[candidate.name] = .confirmed(keyVersion: kvno, entries: moved.entries, current: moved.current)
                }
            }
            remaining = stale
        }
        for candidate in remaining {
            let detail =
                rereadError
                ?? "the directory still shows kvno \(candidate.plan.seenKeyVersion) for a new password; "
                + "the keytab is kept and the account will be read again shortly"
            guard rereadError == nil, let shown = seen[candidate.name], shown.count == 1, let final = last[candidate.name] else {
                results[candidate.name] = .failed(detail)
                continue
            }
            let dispute = Dispute(keyVersion: final.kvno, keysFingerprint: candidate.plan.fingerprint)
            if candidate.previousDispute == dispute {
                let replaced = RetentionMerger.contradicted(final.entries, existing: candidate.existing)
                results[candidate.name] = .directoryWins(
                    keyVersion: final.kvno, entries: final.entries, current: final.current, replaced: replaced.sorted(by: >))
            } else {
                results[candidate.name] = .disputed(
                    dispute,
                    detail: detail + " (if it shows kvno \(final.kvno) with this password again, the directory's key replaces "
                        + "the keytab's)")
            }
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
