import GMSACore
import GMSADirectory
import GMSAKerberos

#if canImport(Glibc)
import Glibc
#endif

/// Brings accounts' keytabs up to date from what the directory says: plans the keys (``KeyPlanner``), merges in
/// the old keys still retained (``RetentionMerger``), confirms the kvno of new passwords (``KeyVersionConfirmer``),
/// writes what changed (``KeytabWriter``) and records each outcome (``RefreshSchedule``).
///
/// An account that fails never stops the others, and its keytab is left as it was.
public struct KeytabSynchronizer {
    public let configuration: Configuration
    let context: KerberosContext
    public let schedule: RefreshSchedule
    /// This host's key for keyed fingerprints, from the state directory.
    let fingerprintKey: SecretBytes?

    public init(
        configuration: Configuration,
        context: KerberosContext,
        host: String? = HostIdentity.current,
        random: @escaping @Sendable (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    ) {
        self.configuration = configuration
        self.context = context
        self.schedule = RefreshSchedule(policy: RefreshPolicy(settings: configuration.daemon.refresh), host: host, random: random)
        self.fingerprintKey = FingerprintKey.load(stateDirectory: configuration.daemon.stateDirectory)
    }

    var planner: KeyPlanner {
        KeyPlanner(realm: configuration.domain.realm, context: context, fingerprintKey: fingerprintKey)
    }
    var merger: RetentionMerger { RetentionMerger(policy: schedule.policy) }

    /// A full pass: every configured and discovered account.
    public func synchronize(
        _ directory: ManagedAccountDirectory,
        hostPrincipal: String,
        state: inout DaemonState,
        now: Timestamp = Timestamp.now
    ) -> [AccountReport] {
        let accounts: [AccountLookup.Found]
        do {
            accounts = try AccountLookup(configuration: configuration).accounts(in: directory)
        } catch {
            let targets = AccountTarget.targets(configuration: configuration, discovered: [])
            return targets.map { fail($0, AccountFailure(.failed, error.message), state: &state, now: now) }
        }
        return update(accounts, from: directory, hostPrincipal: hostPrincipal, state: &state, now: now)
    }

    /// Reads `targets` (one batched search) and brings their keytabs up to date.
    public func fetch(
        _ targets: [AccountTarget],
        from directory: ManagedAccountDirectory,
        hostPrincipal: String,
        state: inout DaemonState,
        now: Timestamp = Timestamp.now
    ) -> [AccountReport] {
        let known: [ServiceAccountName: ManagedAccount]
        do {
            known = try directory.read(targets.map(\.name))
        } catch {
            return targets.map { fail($0, AccountFailure(.failed, error.message), state: &state, now: now) }
        }
        return update(targets.map { ($0, known[$0.name]) }, from: directory, hostPrincipal: hostPrincipal, state: &state, now: now)
    }

    /// Brings keytabs up to date from accounts already read (by ``AccountLookup`` or a batched read).
    public func update(
        _ accounts: [AccountLookup.Found],
        from directory: ManagedAccountDirectory,
        hostPrincipal: String,
        state: inout DaemonState,
        now: Timestamp
    ) -> [AccountReport] {
        // The comparisons, merges and writes below copy key bytes through this thread's frames and registers.
        defer { KerberosContext.scrubStack() }
        var reports: [ServiceAccountName: AccountReport] = [:]
        var candidates: [KeyVersionConfirmer.Candidate] = []
        let writer = KeytabWriter(context: context)
        let planner = planner
        // 1. Plan every account from its read; one whose password, layout and keytab file are all as last time
        //    is current without deriving a key.
        var toDerive: [(target: AccountTarget, plan: KeyPlan)] = []
        for (target, account) in accounts {
            do throws(AccountFailure) {
                if let refusal = target.refusal { throw AccountFailure(.failed, refusal) }
                let plan = try planner.plan(target, account, hostPrincipal: hostPrincipal, base: directory.base)
                if let accountState = state[target.name], Self.isUnchanged(plan, target: target, since: accountState, now: now) {
                    var report = plan.report
                    report.keyVersions = plan.currentKeyVersions.sorted(by: >)
                    report.outcome = .current
                    let merge = RetentionMerger.Merge(entries: [], retainedUntil: accountState.retainedUntil)
                    reports[target.name] = succeed(
                        target, plan: plan, keyVersion: plan.seenKeyVersion, merge: merge, report: report, state: &state, now: now)
                } else {
                    toDerive.append((target, plan))
                }
            } catch {
                reports[target.name] = fail(target, error, state: &state, now: now)
            }
        }
        // 2. Derive the keys of the rest on every core, then compare them with the keytabs.
        let derived = ParallelKeyDerivation.derive(toDerive.map(\.plan), realm: configuration.domain.realm)
        for ((target, _), result) in zip(toDerive, derived) {
            do throws(AccountFailure) {
                var plan = try result.get()
                plan.report.derivedKeys = true
                var existing = try existingEntries(of: target)
                var retainedUntil = state[target.name]?.retainedUntil ?? [:]
                if let replaced = Self.recreation(previousGUID: state[target.name]?.objectGUID, plan: plan, existing: existing) {
                    // Another account under the same name: none of the keytab's keys is one of its keys.
                    plan.report.keysReplaced = replaced
                    existing = []
                    retainedUntil = [:]
                    state[target.name]?.retainedUntil = [:]
                }
                let merge = merger.merge(
                    fresh: plan.entries, current: plan.currentKeyVersions, existing: existing,
                    retainedUntil: retainedUntil, now: now)
                if writer.isCurrent(merge.entries, at: target.keytab, options: target.fileOptions) {
                    var report = plan.report
                    report.keyVersions = report.keyVersions.filter { plan.currentKeyVersions.contains($0) }
                    report.outcome = .current
                    reports[target.name] = succeed(
                        target, plan: plan, keyVersion: plan.seenKeyVersion, merge: merge, report: report, state: &state, now: now)
                } else {
                    let dispute = state[target.name].flatMap { entry in
                        entry.disputedKeyVersion.map {
                            KeyVersionConfirmer.Dispute(keyVersion: $0, keysFingerprint: entry.disputedKeysFingerprint)
                        }
                    }
                    candidates.append(
                        KeyVersionConfirmer.Candidate(name: target.name, plan: plan, existing: existing, previousDispute: dispute))
                }
            } catch {
                reports[target.name] = fail(target, error, state: &state, now: now)
            }
        }

        if !candidates.isEmpty {
            let confirmer = KeyVersionConfirmer { names throws(DirectoryError) in try directory.keyVersions(names) }
            let confirmations = confirmer.confirm(candidates)
            let targets = Dictionary(accounts.map { ($0.target.name, $0.target) }, uniquingKeysWith: { first, _ in first })
            // One sweep and one directory fsync per keytab directory for the whole batch, not per keytab; the
            // directories are flushed before this returns, so nothing records a write that is not yet durable.
            KeytabWriter.removeLeftovers(nextTo: candidates.compactMap { targets[$0.name]?.keytab })
            var written: [String] = []
            defer { KeytabWriter.flushDirectories(of: written) }
            for candidate in candidates {
                guard let target = targets[candidate.name] else { continue }
                var confirmation = confirmations[candidate.name]
                var report = candidate.plan.report
                if case .directoryWins(let kvno, let entries, let current, let replaced) = confirmation {
                    let versions = replaced.map(String.init).joined(separator: ", ")
                    report.keysReplaced =
                        "the keytab's key\(replaced.count == 1 ? "" : "s") of kvno \(versions) replaced by the directory's: "
                        + "the directory showed kvno \(kvno) with another password than the keytab's over every re-read of "
                        + "two passes (a re-created account, a keytab from another tool, or a password reset that overtook "
                        + "the staged key)"
                    confirmation = .confirmed(keyVersion: kvno, entries: entries, current: current)
                }
                switch confirmation {
                case .confirmed(let kvno, let entries, let current):
                    let merge = merger.merge(
                        fresh: entries, current: current, existing: candidate.existing,
                        retainedUntil: state[target.name]?.retainedUntil ?? [:], now: now)
                    do {
                        report.keyVersions = current.sorted(by: >)
                        if target.keytabIsPrivate { try PrivateKeyDirectory.prepare(for: target.keytab) }
                        let outcome = try writer.write(
                            merge.entries, to: target.keytab, options: target.fileOptions, sweepingLeftovers: false,
                            flushingDirectory: false)
                        if outcome == .written { written.append(target.keytab) }
                        report.outcome = outcome == .written ? .written : .current
                        reports[target.name] = succeed(
                            target, plan: candidate.plan, keyVersion: kvno, merge: merge, report: report, state: &state, now: now)
                    } catch {
                        let full = error.code == .system(ENOSPC) || error.code == .system(EDQUOT)
                        reports[target.name] = fail(target, AccountFailure(.failed, error.message, isLocal: full), state: &state, now: now)
                    }
                case .disputed(let dispute, let detail):
                    reports[target.name] = fail(target, AccountFailure(.failed, detail), state: &state, now: now)
                    state[target.name]?.disputedKeyVersion = dispute.keyVersion
                    state[target.name]?.disputedKeysFingerprint = dispute.keysFingerprint
                case .failed(let detail):
                    reports[target.name] = fail(target, AccountFailure(.failed, detail), state: &state, now: now)
                case .directoryWins, nil:
                    reports[target.name] = fail(target, AccountFailure(.failed, "kvno not confirmed"), state: &state, now: now)
                }
            }
        }
        return accounts.compactMap { reports[$0.target.name] }
    }

    /// Why the keytab's keys are replaced when `plan`'s account is not the one they were written for (its
    /// `objectGUID` differs from the one recorded at the last success: deleted and created again under the same
    /// name); `nil` when it is the same account, or either GUID is unknown (a state file from before it was kept).
    static func recreation(previousGUID: String?, plan: KeyPlan, existing: [KeytabEntry]) -> String? {
        guard let previousGUID, let guid = plan.objectGUID, previousGUID.lowercased() != guid.lowercased() else { return nil }
        let versions = Set(existing.map(\.keyVersion)).sorted(by: >).map(String.init).joined(separator: ", ")
        return "the keytab's keys\(versions.isEmpty ? "" : " of kvno \(versions)") replaced by the directory's kvno "
            + "\(plan.seenKeyVersion): the account was deleted and created again under the same name (objectGUID "
            + "\(previousGUID) is now \(guid)); tickets issued for the old account are no longer accepted"
    }

    /// Whether a read changes nothing: same keyed fingerprint and kvno as the last success, the keytab file
    /// exactly as the daemon left it, the same path, and no retained key due to be dropped.
    static func isUnchanged(_ plan: KeyPlan, target: AccountTarget, since state: AccountState, now: Timestamp) -> Bool {
        guard let fingerprint = plan.fingerprint, fingerprint == state.keysFingerprint, state.lastError == nil,
            state.keyVersion == plan.seenKeyVersion, state.keytab == target.keytab,
            let recorded = state.keytabFingerprint, KeytabFingerprint(path: target.keytab) == recorded
        else { return false }
        return !state.retainedUntil.values.contains { $0 <= now }
    }

    /// The keytab's entries before this pass: none when it does not exist or is not a keytab any more
    /// (something overwrote it: it is rewritten from the directory, and old keys only it held are gone); a
    /// keytab that exists but cannot be read (permissions, I/O) fails the account, so that retained keys are
    /// never dropped by mistake.
    func existingEntries(of target: AccountTarget) throws(AccountFailure) -> [KeytabEntry] {
        guard FileManagerLite.exists(target.keytab) else { return [] }
        do {
            return try KeytabReader(context: context).read(target.keytab).entries
        } catch {
            if case .system = error.code {
                throw AccountFailure(.failed, "\(error.message); the keytab is left as it is")
            }
            return []
        }
    }

    /// Drops old keys whose retention has ended; no directory access. `nil` when nothing was due.
    public func prune(_ target: AccountTarget, state: inout DaemonState, now: Timestamp = Timestamp.now) -> AccountReport? {
        guard var accountState = state[target.name], accountState.retainedUntil.values.contains(where: { $0 <= now }) else {
            return nil
        }
        defer { KerberosContext.scrubStack() }
        let expired = Set(accountState.retainedUntil.filter { $0.value <= now }.keys)
        var report = AccountReport(account: target.name, keytab: target.keytab, outcome: .current)
        do {
            let existing = try KeytabReader(context: context).read(target.keytab).entries
            let kept = existing.filter { !expired.contains($0.keyVersion) }
            if kept.count != existing.count, !kept.isEmpty {
                report.outcome =
                    try KeytabWriter(context: context).write(kept, to: target.keytab, options: target.fileOptions) == .written
                    ? .written : .current
            }
            schedule.recordPruned(
                expired: expired, keytabKeyVersions: Array(Set(kept.map(\.keyVersion))).sorted(by: >),
                keytabFingerprint: KeytabFingerprint(path: target.keytab), in: &accountState)
            report.keyVersions = accountState.keytabKeyVersions
            report.retainedKeyVersions = accountState.retainedUntil.keys.sorted(by: >)
            report.detail = "dropped old kvno \(expired.sorted().map(String.init).joined(separator: ", ")) after the retention period"
            state[target.name] = accountState
            return report
        } catch {
            schedule.recordPruneFailure(in: &accountState, now: now)
            state[target.name] = accountState
            report.outcome = .failed
            report.detail = "cannot drop old keys: \(error.message)"
            return report
        }
    }

    private func succeed(
        _ target: AccountTarget,
        plan: KeyPlan,
        keyVersion: UInt32,
        merge: RetentionMerger.Merge,
        report: AccountReport,
        state: inout DaemonState,
        now: Timestamp
    ) -> AccountReport {
        var report = report
        report.retainedKeyVersions = merge.retainedUntil.keys.sorted(by: >)
        let success = RefreshSchedule.Success(
            keyVersion: keyVersion, queryInterval: plan.queryInterval, insideWindow: plan.insideWindow,
            servicePrincipalNames: plan.servicePrincipalNames, passwordLastSet: plan.passwordLastSet,
            membershipFingerprint: plan.membershipFingerprint,
            keytabKeyVersions: Array(Set(report.keyVersions).union(merge.retainedUntil.keys)).sorted(by: >),
            retainedUntil: merge.retainedUntil, keytabFingerprint: KeytabFingerprint(path: target.keytab),
            keysFingerprint: plan.fingerprint, objectGUID: plan.objectGUID)
        schedule.recordSuccess(success, for: target.name, keytab: target.keytab, in: &state[target.name], now: now)
        return report
    }

    /// Records a failure for `target` (backoff, or `retryAt` when the caller decided it, and the last error) and
    /// reports it; the keytab is not touched.
    public func fail(
        _ target: AccountTarget, _ failure: AccountFailure, retryAt: Timestamp? = nil, state: inout DaemonState, now: Timestamp
    ) -> AccountReport {
        schedule.recordFailure(
            failure.detail, keytab: target.keytab, retryAt: retryAt ?? (failure.isLocal ? schedule.localRetry(now: now) : nil),
            in: &state[target.name], now: now)
        var report = AccountReport(account: target.name, keytab: target.keytab, outcome: failure.outcome)
        report.detail = failure.detail
        return report
    }
}
