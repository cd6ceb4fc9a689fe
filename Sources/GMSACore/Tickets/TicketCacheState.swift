/// What the daemon remembers about an account's ticket cache across restarts (the state file): what the cache
/// itself cannot say.
///
/// The cache holds the TGT and its times, not the kvno of the key the AS exchange used (the ticket's own kvno is
/// the `krbtgt` key's), so that is kept here, with the failures and whether renewals stopped.
public struct TicketCacheState: Sendable, Equatable {
    /// The kvno of the account's key the last AS exchange used; a renewal keeps it.
    public var keyVersion: UInt32?
    /// The cache file last written: a daemon started after the account's `ccache` was removed from the
    /// configuration still removes it once its ticket expires.
    public var path: String?
    /// Failed refreshes in a row, and when the next try is.
    public var consecutiveFailures = 0
    public var retryAt: Timestamp?
    public var lastError: String?
    /// Why the cache is no longer refreshed (this host may no longer read the account): it stays until its
    /// ticket expires, then it is removed. `nil` while it is kept valid.
    public var withheld: String?

    public init(keyVersion: UInt32? = nil) {
        self.keyVersion = keyVersion
    }

    /// The first retry after a failure is a minute later, then each waits twice as long, up to an hour; while the
    /// ticket is valid, never later than a minute before it expires, so it gets one more try while it can still be
    /// renewed.
    public static func retry(afterFailures failures: Int, now: Timestamp, expiry: Timestamp?) -> Timestamp {
        let delay = min(60 * Double(1 << min(max(failures - 1, 0), 6)), 3600)
        guard let expiry, expiry - 60 > now else { return now + delay }
        return min(now + delay, expiry - 60)
    }
}
