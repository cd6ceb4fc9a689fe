import Foundation
import GMSACore
import GMSADirectory
import GMSAKerberos

/// Reads accounts, derives their keys and writes what changed, keeping old keys for their retention time.
///
/// Per gmsa-facts.md §4 the kvno in the reply that carries a new password may be the old one, so for every
/// account whose keytab is not already current the kvno is read again in a second (batched) search before
/// anything is written. Keys that stop being current stay in the keytab for ``RefreshSettings/retention``
/// (tracked per kvno in the ``DaemonState``; the keys themselves are read back from the keytab). An account
/// that fails never stops the others, and its keytab is left as it was.
public struct KeytabSynchronizer {
    public let configuration: Configuration
    let context: KerberosContext
    let policy: RefreshPolicy
    let random: @Sendable (ClosedRange<Double>) -> Double

    public init(
        configuration: Configuration,
        context: KerberosContext,
        random: @escaping @Sendable (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    ) {
        self.configuration = configuration
        self.context = context
        self.policy = RefreshPolicy(settings: configuration.daemon.refresh)
        self.random = random
    }

    /// The accounts to handle and what the directory says about each (`nil`: no such gMSA).
    public func lookUp(
        _ directory: ManagedAccountDirectory
    ) throws(DirectoryError) -> [(target: AccountTarget, account: ManagedAccount?)] {
        try survey(directory).accounts
    }

    /// ``lookUp(_:)`` plus the gMSAs discovery found but may not read (for `check`).
    public func survey(
        _ directory: ManagedAccountDirectory
    ) throws(DirectoryError) -> (accounts: [(target: AccountTarget, account: ManagedAccount?)], unreadable: [ManagedAccount]) {
        var known: [ServiceAccountName: ManagedAccount] = [:]
        var discovered: [ManagedAccount] = []
        if let discovery = configuration.discovery {
            // Configured accounts are read even when excluded from discovery: the [[account]] block wins.
            discovered = try directory.discover(excluding: discovery.exclude.subtracting(configuration.accounts.map(\.name)))
            for account in discovered { known[account.name] = account }
        } else if !configuration.accounts.isEmpty {
            known = try directory.read(configuration.accounts.map(\.name))
        }
        let accounts = AccountTarget.targets(configuration: configuration, discovered: discovered).map { ($0, known[$0.name]) }
        let unreadable = discovered.filter { !$0.isReadable && configuration.account(named: $0.name) == nil }
        return (accounts, unreadable)
    }

    /// A full pass: every configured and discovered account.
    public func synchronize(
        _ directory: ManagedAccountDirectory,
        hostPrincipal: String,
        state: inout DaemonState,
        now: Date = Date()
    ) -> [AccountReport] {
        let accounts: [(target: AccountTarget, account: ManagedAccount?)]
        do {
            accounts = try lookUp(directory)
        } catch {
            let targets = AccountTarget.targets(configuration: configuration, discovered: [])
            return targets.map { fail($0, .failed, error.message, state: &state, now: now) }
        }
        return update(accounts, from: directory, hostPrincipal: hostPrincipal, state: &state, now: now)
    }

    /// Reads `targets` (one batched search) and brings their keytabs up to date.
    public func fetch(
        _ targets: [AccountTarget],
        from directory: ManagedAccountDirectory,
        hostPrincipal: String,
        state: inout DaemonState,
        now: Date = Date()
    ) -> [AccountReport] {
        let known: [ServiceAccountName: ManagedAccount]
        do {
            known = try directory.read(targets.map(\.name))
        } catch {
            return targets.map { fail($0, .failed, error.message, state: &state, now: now) }
        }
        return update(targets.map { ($0, known[$0.name]) }, from: directory, hostPrincipal: hostPrincipal, state: &state, now: now)
    }

    private struct Pending {
        var target: AccountTarget
        var report: AccountReport
        var plan: Plan
        /// The keytab's entries as read before this pass changed anything.
        var existing: [KeytabEntry]
    }

    /// Brings keytabs up to date from accounts already read (by ``lookUp(_:)`` or a batched read).
    public func update(
        _ accounts: [(target: AccountTarget, account: ManagedAccount?)],
        from directory: ManagedAccountDirectory,
        hostPrincipal: String,
        state: inout DaemonState,
        now: Date
    ) -> [AccountReport] {
        var reports: [ServiceAccountName: AccountReport] = [:]
        var pending: [Pending] = []
        let writer = KeytabWriter(context: context)
        for (target, account) in accounts {
            do throws(SyncFailure) {
                let planned = try plan(target, account, hostPrincipal: hostPrincipal, base: directory.base)
                let existing = (try? KeytabReader(context: context).read(target.keytab).entries) ?? []
                let (entries, retained) = withRetained(
                    planned.entries, current: planned.currentKeyVersions, existing: existing, target: target, state: state,
                    now: now)
                if writer.isCurrent(entries, at: target.keytab, options: target.fileOptions) {
                    var report = planned.report
                    report.keyVersions = report.keyVersions.filter { planned.currentKeyVersions.contains($0) }
                    report.outcome = .current
                    report.retainedKeyVersions = retained.keys.sorted(by: >)
                    record(
                        success: report, plan: planned, keyVersion: planned.seenKeyVersion, retained: retained, target: target,
                        state: &state, now: now)
                    reports[target.name] = report
                } else {
                    pending.append(Pending(target: target, report: planned.report, plan: planned, existing: existing))
                }
            } catch {
                reports[target.name] = fail(target, error.outcome, error.detail, state: &state, now: now)
            }
        }

        if !pending.isEmpty {
            // The password changed (or the keytab is new): confirm the kvno with a second search. A kvno that
            // already labels a different key in the keytab cannot be right (the DC has not stored the change
            // yet): ask again a few times before giving up on the account for now.
            var remaining = pending
            var rereadError: String?
            for attempt in 0..<Self.kvnoConfirmationAttempts where !remaining.isEmpty {
                if attempt > 0 { usleep(Self.kvnoConfirmationDelay) }
                let confirmed: [ServiceAccountName: UInt32]
                do {
                    confirmed = try directory.keyVersions(remaining.map(\.target.name))
                } catch {
                    rereadError = "cannot re-read msDS-KeyVersionNumber: \(error.message)"
                    break
                }
                var stale: [Pending] = []
                for item in remaining {
                    guard let kvno = confirmed[item.target.name] else {
                        let detail = "msDS-KeyVersionNumber could not be re-read (was the account deleted?)"
                        reports[item.target.name] = fail(item.target, .failed, detail, state: &state, now: now)
                        continue
                    }
                    let shift = Int64(kvno) - Int64(item.plan.seenKeyVersion)
                    // The re-read kvno comes from the directory: every shifted version must still be a kvno.
                    func shifted(_ version: UInt32) -> UInt32? {
                        UInt32(exactly: Int64(version) + shift).flatMap { KeytabLayout.validKeyVersions.contains($0) ? $0 : nil }
                    }
                    guard item.plan.entries.allSatisfy({ shifted($0.keyVersion) != nil }) else {
                        let detail = "the re-read msDS-KeyVersionNumber \(kvno) (first read: \(item.plan.seenKeyVersion)) puts a key "
                            + "version out of range; keytab not written"
                        reports[item.target.name] = fail(item.target, .failed, detail, state: &state, now: now)
                        continue
                    }
                    let fresh = item.plan.entries.map {
                        KeytabEntry(principal: $0.principal, keyVersion: shifted($0.keyVersion) ?? $0.keyVersion, key: $0.key)
                    }
                    let current = Set(item.plan.currentKeyVersions.compactMap(shifted))
                    if Self.contradicts(fresh, existing: item.existing) {
                        stale.append(item)
                        continue
                    }
                    var report = item.report
                    report.keyVersions = report.keyVersions.compactMap(shifted).filter { current.contains($0) }
                    let (entries, retained) = withRetained(
                        fresh, current: current, existing: item.existing, target: item.target, state: state, now: now)
                    do {
                        let outcome = try writer.write(entries, to: item.target.keytab, options: item.target.fileOptions)
                        report.outcome = outcome == .written ? .written : .current
                        report.retainedKeyVersions = retained.keys.sorted(by: >)
                        record(
                            success: report, plan: item.plan, keyVersion: kvno, retained: retained, target: item.target,
                            state: &state, now: now)
                        reports[item.target.name] = report
                    } catch {
                        reports[item.target.name] = fail(item.target, .failed, error.message, state: &state, now: now)
                    }
                }
                remaining = stale
            }
            for item in remaining {
                let detail =
                    rereadError
                    ?? "the directory still shows kvno \(item.plan.seenKeyVersion) for a new password; "
                        + "the keytab is kept and the account will be read again shortly"
                reports[item.target.name] = fail(item.target, .failed, detail, state: &state, now: now)
            }
        }
        return accounts.compactMap { reports[$0.target.name] }
    }

    /// How often, and how far apart (µs), a kvno that contradicts the keytab is asked for again.
    static let kvnoConfirmationAttempts = 4
    static let kvnoConfirmationDelay: UInt32 = 750_000

    /// Whether `fresh` gives a (principal, kvno, enctype) that the keytab already has with another key.
    static func contradicts(_ fresh: [KeytabEntry], existing: [KeytabEntry]) -> Bool {
        fresh.contains { entry in
            existing.contains {
                $0.principal == entry.principal && $0.keyVersion == entry.keyVersion
                    && $0.key.encryptionType == entry.key.encryptionType && $0.key.bytes != entry.key.bytes
            }
        }
    }

    /// Drops old keys whose retention has ended; no directory access. `nil` when nothing was due.
    public func prune(_ target: AccountTarget, state: inout DaemonState, now: Date = Date()) -> AccountReport? {
        guard var accountState = state[target.name], accountState.retainedUntil.values.contains(where: { $0 <= now }) else {
            return nil
        }
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
            accountState.retainedUntil = accountState.retainedUntil.filter { !expired.contains($0.key) }
            accountState.keytabKeyVersions = Array(Set(kept.map(\.keyVersion))).sorted(by: >)
            accountState.keytabFingerprint = KeytabFingerprint(path: target.keytab)
            report.keyVersions = accountState.keytabKeyVersions
            report.retainedKeyVersions = accountState.retainedUntil.keys.sorted(by: >)
            report.detail = "dropped old kvno \(expired.sorted().map(String.init).joined(separator: ", ")) after the retention period"
            state[target.name] = accountState
            return report
        } catch {
            // The keys stay; try again at the next probe.
            accountState.retainedUntil = accountState.retainedUntil.mapValues { $0 <= now ? policy.nextProbe(after: now) : $0 }
            state[target.name] = accountState
            report.outcome = .failed
            report.detail = "cannot drop old keys: \(error.message)"
            return report
        }
    }

    /// The keytab's entries: the current key versions from the read, plus every other key (the blob's previous
    /// password, keys already in the keytab) while it is within its retention period.
    ///
    /// Retention runs from the moment a key version is first seen not current, so a previous password that the
    /// DC keeps returning does not stay forever, and the key that was active before a skipped interval stays
    /// for a full period after the read that replaced it (the DC switched only then).
    private func withRetained(
        _ fresh: [KeytabEntry],
        current: Set<UInt32>,
        existing: [KeytabEntry],
        target: AccountTarget,
        state: DaemonState,
        now: Date
    ) -> (entries: [KeytabEntry], retained: [UInt32: Date]) {
        let older = fresh.filter { !current.contains($0.keyVersion) }
        let candidates = older + existing.filter { entry in
            !current.contains(entry.keyVersion)
                && !older.contains { $0.keyVersion == entry.keyVersion && $0.principal == entry.principal }
        }
        let retained = policy.retained(
            existing: Array(Set(candidates.map(\.keyVersion))), fresh: Array(current),
            retainedUntil: state[target.name]?.retainedUntil ?? [:], now: now)
        let entries = fresh.filter { current.contains($0.keyVersion) } + candidates.filter { retained[$0.keyVersion] != nil }
        return (entries, retained)
    }

    private func record(
        success report: AccountReport,
        plan: Plan,
        keyVersion: UInt32,
        retained: [UInt32: Date],
        target: AccountTarget,
        state: inout DaemonState,
        now: Date
    ) {
        var accountState = state[target.name] ?? AccountState(keytab: target.keytab)
        accountState.keytab = target.keytab
        accountState.keyVersion = keyVersion
        let (expiry, nextFetch) = policy.afterFetch(
            now: now, queryInterval: plan.queryInterval, insideWindow: plan.insideWindow, random: random)
        accountState.passwordExpiry = expiry
        accountState.nextFetch = nextFetch
        accountState.nextProbe = policy.nextProbe(after: now)
        accountState.lastSuccess = now
        accountState.lastAttempt = now
        accountState.lastError = nil
        accountState.consecutiveFailures = 0
        accountState.servicePrincipalNames = plan.servicePrincipalNames
        accountState.passwordLastSet = plan.passwordLastSet
        accountState.membershipFingerprint = plan.membershipFingerprint
        accountState.retainedUntil = retained
        accountState.keytabKeyVersions = Array(Set(report.keyVersions).union(retained.keys)).sorted(by: >)
        accountState.keytabFingerprint = KeytabFingerprint(path: target.keytab)
        state[target.name] = accountState
    }

    /// Records a failure for `target` (backoff, last error) and reports it; the keytab is not touched.
    public func fail(
        _ target: AccountTarget,
        _ outcome: AccountReport.Outcome,
        _ detail: String,
        state: inout DaemonState,
        now: Date
    ) -> AccountReport {
        var accountState = state[target.name] ?? AccountState(keytab: target.keytab)
        accountState.lastAttempt = now
        accountState.lastError = detail
        accountState.consecutiveFailures += 1
        accountState.nextFetch = policy.retry(
            now: now, failures: accountState.consecutiveFailures, passwordExpiry: accountState.passwordExpiry, random: random)
        accountState.nextProbe = nil
        state[target.name] = accountState
        var report = AccountReport(account: target.name, keytab: target.keytab, outcome: outcome)
        report.detail = detail
        return report
    }

    /// What `check` shows for one account: the directory's view and the keytab's state; nothing is written.
    public struct Inspection {
        public enum KeytabState: Sendable { case current, outdated, missing, notApplicable }
        public var report: AccountReport
        public var account: ManagedAccount?
        public var keytabState: KeytabState
    }

    /// Looks at every account like ``synchronize(_:hostPrincipal:state:now:)`` would, without writing anything;
    /// also returns the discovered gMSAs this host may not read.
    public func inspect(
        _ directory: ManagedAccountDirectory,
        hostPrincipal: String
    ) throws(DirectoryError) -> (inspections: [Inspection], unreadable: [ManagedAccount]) {
        let writer = KeytabWriter(context: context)
        let (accounts, unreadable) = try survey(directory)
        let inspections = accounts.map { target, account in
            do throws(SyncFailure) {
                let planned = try plan(target, account, hostPrincipal: hostPrincipal, base: directory.base)
                let options = target.fileOptions
                let existing = (try? KeytabReader(context: context).read(target.keytab).entries) ?? []
                let freshPresent = planned.entries.allSatisfy(existing.contains)
                let state: Inspection.KeytabState =
                    freshPresent && writer.isCurrent(existing, at: target.keytab, options: options)
                    ? .current : (FileManagerLite.exists(target.keytab) ? .outdated : .missing)
                return Inspection(report: planned.report, account: account, keytabState: state)
            } catch {
                var report = AccountReport(account: target.name, keytab: target.keytab, outcome: error.outcome)
                report.detail = error.detail
                return Inspection(report: report, account: account, keytabState: .notApplicable)
            }
        }
        return (inspections, unreadable)
    }

    struct SyncFailure: Error {
        var outcome: AccountReport.Outcome
        var detail: String
    }

    struct Plan {
        var report: AccountReport
        var entries: [KeytabEntry]
        /// The key versions in use or about to be (K, and K+1 inside the window); the rest is retained.
        var currentKeyVersions: Set<UInt32>
        var seenKeyVersion: UInt32
        var queryInterval: Duration
        var insideWindow: Bool
        var servicePrincipalNames: [String]
        var passwordLastSet: Int64?
        var membershipFingerprint: String?
    }

    /// The keytab entries an account should have, from the first read.
    func plan(
        _ target: AccountTarget,
        _ account: ManagedAccount?,
        hostPrincipal: String,
        base: String
    ) throws(SyncFailure) -> Plan {
        guard let account else {
            throw SyncFailure(outcome: .notFound, detail: "no gMSA with sAMAccountName \(target.name) under \(base)")
        }
        guard let blobBytes = account.passwordBlob else {
            throw SyncFailure(
                outcome: .notReadable,
                detail: "the DC withheld msDS-ManagedPassword: this host (\(hostPrincipal)) is not in "
                    + "msDS-GroupMSAMembership of \(account.distinguishedName) (add it, or a group it is in, "
                    + "with Set-ADServiceAccount -PrincipalsAllowedToRetrieveManagedPassword)")
        }
        guard let kvno = account.keyVersion else {
            throw SyncFailure(outcome: .failed, detail: "msDS-KeyVersionNumber of \(account.distinguishedName) is not readable")
        }
        guard KeytabLayout.validKeyVersions.contains(kvno) else {
            throw SyncFailure(
                outcome: .failed,
                detail: "msDS-KeyVersionNumber \(kvno) of \(account.distinguishedName) is out of range "
                    + "(\(KeytabLayout.validKeyVersions.lowerBound)…\(KeytabLayout.validKeyVersions.upperBound))")
        }
        let blob: ManagedPasswordBlob
        do {
            blob = try blobBytes.withUnsafeBytes { raw throws(ManagedPasswordBlobError) in try ManagedPasswordBlob(parsing: raw) }
        } catch {
            throw SyncFailure(outcome: .failed, detail: error.forAccount(target.name.samAccountName).description)
        }
        let types = target.settings.encryptionTypes ?? EncryptionType.allowed(bySupportedEncryptionTypes: account.supportedEncryptionTypes)
        let layout = KeytabLayout(
            account: target.name, realm: configuration.domain.realm,
            servicePrincipalNames: account.servicePrincipalNames + target.settings.extraPrincipals,
            keyVersions: KeytabLayout.keyVersions(from: blob, currentKeyVersion: kvno),
            encryptionTypes: types)
        let entries: [KeytabEntry]
        do {
            entries = try context.entries(for: layout)
        } catch {
            throw SyncFailure(outcome: .failed, detail: error.message)
        }
        var report = AccountReport(
            account: target.name, keytab: target.keytab, outcome: .current,
            keyVersions: layout.keyVersions.map(\.number), principals: layout.principals, encryptionTypes: types,
            nextPasswordChange: blob.queryPasswordInterval)
        report.stagedNextKey = blob.isInsideChangeWindow && blob.previousPassword != nil
        let currentCount = report.stagedNextKey ? 2 : 1
        return Plan(
            report: report, entries: entries, currentKeyVersions: Set(layout.keyVersions.prefix(currentCount).map(\.number)),
            seenKeyVersion: kvno, queryInterval: blob.queryPasswordInterval,
            insideWindow: blob.isInsideChangeWindow, servicePrincipalNames: account.servicePrincipalNames,
            passwordLastSet: account.passwordLastSet, membershipFingerprint: account.membershipFingerprint)
    }
}
