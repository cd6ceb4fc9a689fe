import GMSACore

/// Where a kept ticket cache gets its tickets: an AS exchange with the account's keys, or a TGS renewal of the
/// ticket it holds; each writes the cache and returns what it holds now.
public protocol TicketCacheSource {
    /// A new TGT from the account's keys, written to the cache.
    mutating func acquire() throws -> TicketCacheStatus
    /// The held TGT renewed (no long-term key), written to the cache.
    mutating func renew() throws -> TicketCacheStatus
    /// The account's current key version (the daemon's state file), read at each refresh: a rollover while
    /// the command runs makes the next refresh an AS exchange with the new key.
    func currentKeyVersion() -> UInt32?
}

/// Keeps one ticket cache valid while a command runs, as k5start does: on the daemon's schedule
/// (``TicketCachePlan``), renewing while renew-until allows and getting a new ticket otherwise.
///
/// A failed renewal falls back to an AS exchange at once. A failed exchange is tried again after 30 s, doubling
/// up to 10 minutes, and always before the ticket expires when it still can; the command keeps running (a
/// ticket that expires meanwhile fails its next authentication, as with k5start). Two AS exchanges are at
/// least 30 s apart, whatever the plan says. After a rollover the next refresh is an AS exchange with the new
/// key (the previous one while the KDC has not switched), at its usual time.
public struct TicketCacheFreshener<Source: TicketCacheSource> {
    public private(set) var source: Source
    /// What the cache holds; `nil` before the first ticket.
    public private(set) var status: TicketCacheStatus?
    /// This host's spread for the account (``RefreshSpread/ticket``).
    public let spread: Double
    public private(set) var consecutiveFailures = 0

    /// What one refresh did.
    public enum Outcome: Sendable, Equatable {
        case renewed
        /// A new ticket from the account's keys; `renewalFailure` when a renewal was tried first and failed.
        case acquired(reason: String, renewalFailure: String?)
        /// The refresh failed; `retry` is when the next try is due.
        case failed(message: String, retry: Timestamp)
    }

    public static var firstRetry: Double { 30 }
    public static var longestRetry: Double { 600 }

    public init(source: Source, spread: Double) {
        self.source = source
        self.spread = spread
    }

    /// The first ticket: an AS exchange, written to the cache.
    public mutating func start() throws {
        status = try source.acquire()
    }

    /// When the next refresh is due, by the plan.
    public func nextDue(now: Timestamp) -> Timestamp {
        TicketCachePlan.plan(status, keyVersion: source.currentKeyVersion(), spread: spread, now: now).due
    }

    /// Does what the plan says is due at `now` and returns what happened and when the next refresh is due.
    public mutating func refresh(now: Timestamp) -> (outcome: Outcome, next: Timestamp) {
        let plan = TicketCachePlan.plan(status, keyVersion: source.currentKeyVersion(), spread: spread, now: now)
        var renewFailure: String?
        if plan.action == .renew {
            do {
                status = try source.renew()
                consecutiveFailures = 0
                return (.renewed, nextDue(now: now))
            } catch {
                renewFailure = "\(error)"
            }
        }
        let reason: String
        switch plan.action {
        case .acquire(let why): reason = why
        case .reacquire: reason = TicketCachePlan.reacquireReason(status, keyVersion: source.currentKeyVersion())
        case .renew: reason = "the renewal failed"
        }
        do {
            status = try source.acquire()
            consecutiveFailures = 0
            return (.acquired(reason: reason, renewalFailure: renewFailure), max(nextDue(now: now), now + Self.firstRetry))
        } catch {
            consecutiveFailures += 1
            let retry = retryTime(after: consecutiveFailures, now: now)
            let message = renewFailure.map { "renewal: \($0); new ticket: \(error)" } ?? "\(error)"
            return (.failed(message: message, retry: retry), retry)
        }
    }

    /// After `failures` failed tries: 30 s doubling to 10 minutes, but never past the half of what is left of
    /// a ticket still valid (so a few tries fit before it expires).
    func retryTime(after failures: Int, now: Timestamp) -> Timestamp {
        let backoff = min(Self.firstRetry * Double(1 << min(failures - 1, 16)), Self.longestRetry)
        if let expiry = status?.expiry, expiry > now {
            return now + max(1, min(backoff, expiry.timeIntervalSince(now) / 2))
        }
        return now + backoff
    }
}
