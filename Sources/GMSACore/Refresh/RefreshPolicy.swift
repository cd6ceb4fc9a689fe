/// When to read each account's password, probe it, retry it and drop old keys (docs/protocol.md §4 "Key versions and the rollover").
///
/// All deadlines are wall-clock instants: a rollover happens at a time of day, so after a clock step
/// (NTP, suspend/resume) the schedule is simply re-evaluated against the new time. Pure: the clock and the
/// random source are passed in.
public struct RefreshPolicy: Sendable {
    public var settings: RefreshSettings

    public init(settings: RefreshSettings = RefreshSettings()) {
        self.settings = settings
    }

    /// Expiry and next fetch after a successful read at `now`.
    ///
    /// Outside the change window the next read is inside it, at the host's own place in it (``RefreshSpread``),
    /// ``RefreshSettings/clockSkewMargin`` clear of both ends, so the keytab gets K+1 before the DC switches;
    /// inside the window (or when that moment has passed) it is after expiry, at the host's place in
    /// ``RefreshSettings/afterExpirySpread``, to confirm the new kvno. Two password reads per rollover period.
    public func afterFetch(
        now: Timestamp,
        queryInterval: Duration,
        insideWindow: Bool,
        spread: RefreshSpread
    ) -> (passwordExpiry: Timestamp, nextFetch: Timestamp) {
        let expiry = now + queryInterval.seconds
        let margin = settings.clockSkewMargin.seconds
        let usable = max(settings.changeWindow.seconds - 2 * margin, 0)
        let early = expiry - margin - usable * (1 - spread.window)
        if !insideWindow, early > now {
            return (expiry, early)
        }
        return (expiry, expiry + margin + settings.afterExpirySpread.seconds * spread.afterExpiry)
    }

    /// The next probe after one at `now`: every ``RefreshSettings/probeInterval``, moved by the host's share of
    /// ± ``RefreshSettings/probeSpread``.
    public func nextProbe(after now: Timestamp, spread: RefreshSpread = .middle) -> Timestamp {
        let interval = settings.probeInterval.seconds
        return now + interval * (1 + settings.probeSpread * (2 * spread.probe - 1))
    }

    /// When to retry after the `failures`-th consecutive failure: exponential backoff with jitter (50–100 %),
    /// capped; near a password change never more than ``RefreshSettings/retryNearChange``.
    public func retry(
        now: Timestamp,
        failures: Int,
        passwordExpiry: Timestamp?,
        random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    ) -> Timestamp {
        let exponent = min(max(failures - 1, 0), 30)
        let delay = min(settings.retryBase.seconds * Double(1 << exponent), settings.retryMax.seconds)
        var jittered = delay * random(0.5...1.0)
        if let expiry = passwordExpiry, abs(expiry.timeIntervalSince(now)) <= 600 {
            jittered = min(jittered, settings.retryNearChange.seconds)
        }
        return now + jittered
    }

    /// Which old key versions stay in the keytab, and until when.
    ///
    /// `existing` are the kvnos in the keytab now, `fresh` those the new read provides. An old kvno that is
    /// not fresh any more starts its retention the first time it is seen superseded and is dropped once that
    /// ends, whatever the order of rollovers (a skipped interval that jumps kvno by 2 included).
    public func retained(
        existing: [UInt32],
        fresh: [UInt32],
        retainedUntil: [UInt32: Timestamp],
        now: Timestamp
    ) -> [UInt32: Timestamp] {
        var kept: [UInt32: Timestamp] = [:]
        for kvno in Set(existing).subtracting(fresh) {
            let until = retainedUntil[kvno] ?? now + settings.retention.seconds
            if until > now { kept[kvno] = until }
        }
        return kept
    }

    /// Whether a probe's view of the account means the password, its names or who may read it changed since
    /// the last read.
    public func probeNeedsFetch(
        state: AccountState,
        keyVersion: UInt32?,
        servicePrincipalNames: [String],
        passwordLastSet: Int64?,
        membershipFingerprint: String? = nil
    ) -> Bool {
        if let keyVersion, let known = state.keyVersion, keyVersion != known { return true }
        if servicePrincipalNames.sorted() != state.servicePrincipalNames.sorted() { return true }
        if let passwordLastSet, let known = state.passwordLastSet, passwordLastSet != known { return true }
        if let membershipFingerprint, let known = state.membershipFingerprint, membershipFingerprint != known { return true }
        return false
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
