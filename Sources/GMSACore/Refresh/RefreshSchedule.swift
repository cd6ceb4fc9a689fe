/// The one place that decides when each account is read, probed and retried, and records every outcome in its
/// ``AccountState`` (the state file is this schedule's cache).
///
/// The time arithmetic is ``RefreshPolicy``'s; this type applies it. Nothing else sets `nextFetch`,
/// `nextProbe` or the failure counters. Pure: the clock and the random source are passed in.
public struct RefreshSchedule: Sendable {
    public let policy: RefreshPolicy
    /// Identifies this host among the fleet (its machine id), for ``RefreshSpread``; `nil`: every account in
    /// the middle of each interval.
    public let host: String?
    let random: @Sendable (ClosedRange<Double>) -> Double

    public init(
        policy: RefreshPolicy,
        host: String?,
        random: @escaping @Sendable (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    ) {
        self.policy = policy
        self.host = host
        self.random = random
    }

    /// This host's place for `account` inside each interval.
    public func spread(_ account: ServiceAccountName) -> RefreshSpread {
        host.map { RefreshSpread(host: $0, account: account) } ?? .middle
    }

    /// What a successful read of an account established.
    public struct Success: Sendable {
        /// The kvno the directory confirmed.
        public var keyVersion: UInt32
        /// The blob's time until the next password change, and whether the read was inside the change window.
        public var queryInterval: Duration
        public var insideWindow: Bool
        public var servicePrincipalNames: [String]
        public var passwordLastSet: Int64?
        public var membershipFingerprint: String?
        /// Key versions the keytab now holds, and the retained ones' deadlines.
        public var keytabKeyVersions: [UInt32]
        public var retainedUntil: [UInt32: Timestamp]
        /// The keytab file as it is now.
        public var keytabFingerprint: KeytabFingerprint?
        /// What the keys were derived from (keyed fingerprint).
        public var keysFingerprint: String?
        /// The account's `objectGUID`, when the read returned it.
        public var objectGUID: String?

        public init(
            keyVersion: UInt32, queryInterval: Duration, insideWindow: Bool, servicePrincipalNames: [String],
            passwordLastSet: Int64?, membershipFingerprint: String?, keytabKeyVersions: [UInt32],
            retainedUntil: [UInt32: Timestamp], keytabFingerprint: KeytabFingerprint?, keysFingerprint: String? = nil,
            objectGUID: String? = nil
        ) {
            self.keysFingerprint = keysFingerprint
            self.objectGUID = objectGUID
            self.keyVersion = keyVersion
            self.queryInterval = queryInterval
            self.insideWindow = insideWindow
            self.servicePrincipalNames = servicePrincipalNames
            self.passwordLastSet = passwordLastSet
            self.membershipFingerprint = membershipFingerprint
            self.keytabKeyVersions = keytabKeyVersions
            self.retainedUntil = retainedUntil
            self.keytabFingerprint = keytabFingerprint
        }
    }

    // MARK: What is due

    /// Whether the account's password is to be read now: never read, its read time has come, or an admin asked.
    public func isFetchDue(_ state: AccountState?, now: Timestamp, requested: Bool = false) -> Bool {
        guard let state, let next = state.nextFetch else { return true }
        return requested || next <= now
    }

    /// Whether the account is to be probed now (a cheap search that reads no password).
    public func isProbeDue(_ state: AccountState?, now: Timestamp) -> Bool {
        guard let next = state?.nextProbe else { return false }
        return next <= now
    }

    // MARK: Recording outcomes

    /// Records a successful read: the next read just inside the next change window, or just after expiry.
    public func recordSuccess(
        _ success: Success, for account: ServiceAccountName, keytab: String, in state: inout AccountState?, now: Timestamp
    ) {
        var entry = state ?? AccountState(keytab: keytab)
        let spread = spread(account)
        let (expiry, nextFetch) = policy.afterFetch(
            now: now, queryInterval: success.queryInterval, insideWindow: success.insideWindow, spread: spread)
        entry.keytab = keytab
        entry.keyVersion = success.keyVersion
        entry.passwordExpiry = expiry
        entry.nextFetch = nextFetch
        entry.nextProbe = policy.nextProbe(after: now, spread: spread)
        entry.lastSuccess = now
        entry.lastAttempt = now
        entry.lastError = nil
        entry.consecutiveFailures = 0
        entry.servicePrincipalNames = success.servicePrincipalNames
        entry.passwordLastSet = success.passwordLastSet
        entry.membershipFingerprint = success.membershipFingerprint
        entry.retainedUntil = success.retainedUntil
        entry.keytabKeyVersions = success.keytabKeyVersions
        entry.keytabFingerprint = success.keytabFingerprint
        entry.keysFingerprint = success.keysFingerprint
        entry.objectGUID = success.objectGUID ?? entry.objectGUID
        entry.disputedKeyVersion = nil
        entry.disputedKeysFingerprint = nil
        state = entry
    }

    /// Records a failed read: exponential backoff with jitter (never long near a password change), or `retryAt`
    /// when a failed full pass already decided it; no probe until a read succeeds again.
    public func recordFailure(
        _ detail: String, keytab: String, retryAt: Timestamp? = nil, in state: inout AccountState?, now: Timestamp
    ) {
        var entry = state ?? AccountState(keytab: keytab)
        entry.lastAttempt = now
        entry.lastError = detail
        entry.consecutiveFailures = entry.consecutiveFailures &+ 1
        entry.nextFetch =
            retryAt
            ?? policy.retry(now: now, failures: entry.consecutiveFailures, passwordExpiry: entry.passwordExpiry, random: random)
        entry.nextProbe = nil
        state = entry
    }

    /// Records a probe that found nothing changed.
    public func recordUnchangedProbe(for account: ServiceAccountName, in state: inout AccountState, now: Timestamp) {
        state.nextProbe = policy.nextProbe(after: now, spread: spread(account))
    }

    /// Makes the account due now: its keytab is no longer what the daemon wrote. Retention deadlines stay, so a
    /// key the file lost is not written back and one it kept gets no new retention period.
    public func recordKeytabBroken(in state: inout AccountState, now: Timestamp) {
        state.keytabFingerprint = nil
        state.nextFetch = now
    }

    /// Records that old keys were dropped after their retention period.
    public func recordPruned(
        expired: Set<UInt32>, keytabKeyVersions: [UInt32], keytabFingerprint: KeytabFingerprint?, in state: inout AccountState
    ) {
        state.retainedUntil = state.retainedUntil.filter { !expired.contains($0.key) }
        state.keytabKeyVersions = keytabKeyVersions
        state.keytabFingerprint = keytabFingerprint
    }

    /// Old keys could not be dropped (the keytab is unreadable or its directory full): they stay, and dropping
    /// them is tried again at the next probe time.
    public func recordPruneFailure(in state: inout AccountState, now: Timestamp) {
        let retry = policy.nextProbe(after: now)
        state.retainedUntil = state.retainedUntil.mapValues { $0 <= now ? retry : $0 }
    }

    /// When to retry after a failure on this host (a full disk): within ``RefreshSettings/retryBase`` (15–30 s),
    /// however often it failed, so the keytab is written soon after space returns.
    public func localRetry(now: Timestamp) -> Timestamp {
        now + policy.settings.retryBase.seconds * random(0.5...1.0)
    }

    /// When to try a failed full pass (no DC, no host credentials) again, after `failures` in a row.
    public func fullPassRetry(now: Timestamp, failures: Int) -> Timestamp {
        policy.retry(now: now, failures: failures, passwordExpiry: nil, random: random)
    }
}
