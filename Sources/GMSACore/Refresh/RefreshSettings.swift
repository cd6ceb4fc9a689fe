/// The timing rules of the refresh schedule (docs/protocol.md §4 "Key versions and the rollover").
public struct RefreshSettings: Sendable, Equatable {
    /// How long an old key stays in the keytab after it stopped being current: the longest ticket lifetime
    /// (10 h by default in AD) plus the allowed clock skew (5 min). Tickets issued with the old key stay valid
    /// that long.
    public var retention: Duration = .seconds(10 * 3600 + 300)
    /// Time between cheap probes (kvno, SPNs, pwdLastSet) that catch an administrator's changes.
    public var probeInterval: Duration = .seconds(3600)
    /// The DC hands out the next password this long before expiry (docs/protocol.md §4, "The change window").
    public var changeWindow: Duration = .seconds(300)
    /// Kept clear at both ends of the change window, and before the first read after expiry: a host clock that
    /// is stepped by up to 30 s between two reads (NTP) still reads inside the window, plus network latency.
    public var clockSkewMargin: Duration = .seconds(32)
    /// Reads after expiry spread over this long, after ``clockSkewMargin``.
    public var afterExpirySpread: Duration = .seconds(236)
    /// Probes come every ``probeInterval``, ± this fraction of it (the host's stable share of it).
    public var probeSpread: Double = 0.1
    /// Retries after a failure start here and double up to ``retryMax``, with jitter.
    public var retryBase: Duration = .seconds(30)
    public var retryMax: Duration = .seconds(3600)
    /// Near a password change retries are never longer than this, so the window is not missed.
    public var retryNearChange: Duration = .seconds(30)

    public init() {}
}
