/// The timing rules of the refresh schedule (docs/protocol.md §4 "Key versions and the rollover").
public struct RefreshSettings: Sendable, Equatable {
    /// How long an old key stays in the keytab after it stopped being current: the longest ticket lifetime
    /// (10 h by default in AD) plus the allowed clock skew (5 min). Tickets issued with the old key stay valid
    /// that long.
    public var retention: Duration = .seconds(10 * 3600 + 300)
    /// Time between cheap probes (kvno, SPNs, pwdLastSet) that catch an administrator's changes.
    public var probeInterval: Duration = .seconds(3600)
    /// The early fetch happens this long before expiry: inside the DC's 5-minute window, with a margin.
    public var earlyFetchLead: Duration = .seconds(240)
    /// The fetch after expiry waits this long, plus up to ``afterExpiryJitter``.
    public var afterExpiryDelay: Duration = .seconds(30)
    public var afterExpiryJitter: Duration = .seconds(60)
    /// Retries after a failure start here and double up to ``retryMax``, with jitter.
    public var retryBase: Duration = .seconds(30)
    public var retryMax: Duration = .seconds(3600)
    /// Near a password change retries are never longer than this, so the window is not missed.
    public var retryNearChange: Duration = .seconds(30)

    public init() {}
}
