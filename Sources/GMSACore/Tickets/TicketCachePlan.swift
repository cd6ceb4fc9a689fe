/// When and how an account's ticket cache is refreshed: from the TGT's *expiry* (not its renew-until, which
/// says nothing about whether a program can still use the ticket) and renew-until, spread per host.
///
/// - No cache, a damaged one or an expired TGT: acquire now (AS exchange with the account's keys).
/// - Otherwise the cache is refreshed once less than ``refreshFraction`` of the lifetime is left, moved earlier
///   by up to ``spreadFraction`` of the lifetime by this host's spread (10,000 hosts renewing 20 gMSAs must not
///   ask the KDC in the same second), never later than ``minimumMargin`` before expiry.
/// - At that moment a renewal (TGS, no long-term key) when renew-until lets the renewed ticket live at least
///   half a lifetime more; otherwise a new AS exchange.
/// - A TGT obtained with a key version older than the account's current one (a rollover happened) is
///   re-acquired with the new key at that same moment, not at once: tickets already issued stay valid until
///   they expire (docs/protocol.md §4), and every host of the fleet learns the new key within the same few
///   minutes after expiry, so "at once" would be 10,000 AS exchanges per gMSA in those minutes, and renewals
///   in step ever after (`make fleet-simulation`). The refresh times are spread by when each host's ticket
///   started and by its spread; the re-acquisition takes the place of a renewal, so it costs no request.
public struct TicketCachePlan: Sendable, Equatable {
    /// What to do with a cache, and when.
    public enum Action: Sendable, Equatable {
        /// Get a new TGT with the account's keys now (or at the retry time after failures).
        case acquire(reason: String)
        /// Renew the TGT through the KDC (no long-term key).
        case renew
        /// Get a new TGT with the account's keys: renewal would not extend it far enough, or the TGT was
        /// obtained with a key version older than the account's current one.
        case reacquire
    }

    public var action: Action
    /// When the action is due.
    public var due: Timestamp

    /// The share of the lifetime left when a refresh is due: a 10 h ticket is refreshed 2 to 3 h before expiry.
    public static let refreshFraction = 0.2
    /// How much earlier a host's spread may move the refresh, as a share of the lifetime.
    public static let spreadFraction = 0.1
    /// A refresh is never planned closer to expiry than this (seconds).
    public static let minimumMargin: Double = 300

    public init(action: Action, due: Timestamp) {
        self.action = action
        self.due = due
    }

    /// The plan for a cache in `status` (`nil`: missing, damaged or for another principal) of an account whose
    /// current key version is `keyVersion`; `spread` is this host's fraction in [0, 1) for the account.
    public static func plan(
        _ status: TicketCacheStatus?, keyVersion: UInt32?, spread: Double, now: Timestamp
    ) -> TicketCachePlan {
        guard let status else { return TicketCachePlan(action: .acquire(reason: "no valid ticket cache"), due: now) }
        if status.expiry <= now {
            return TicketCachePlan(action: .acquire(reason: "the ticket expired"), due: now)
        }
        let lifetime = status.lifetime
        let spreadShare = min(max(spread, 0), 1) * spreadFraction
        let margin = max(lifetime * (refreshFraction + spreadShare), min(minimumMargin, lifetime / 2))
        let due = max(status.start, status.expiry - margin)
        let renewable = status.renewUntil.map { $0.timeIntervalSince(due) >= lifetime / 2 } ?? false
        let rolledOver = rollover(status, keyVersion: keyVersion) != nil
        return TicketCachePlan(action: renewable && !rolledOver ? .renew : .reacquire, due: due)
    }

    /// Why a ``Action/reacquire`` gets a new ticket rather than a renewal, in words for the journal, `status` and
    /// `run-as`: the password changed since the cache's TGT was obtained, or its renew-until is too close.
    public static func reacquireReason(_ status: TicketCacheStatus?, keyVersion: UInt32?) -> String {
        guard let rollover = rollover(status, keyVersion: keyVersion) else { return "renew-until too close for a renewal" }
        return "the password changed (kvno \(rollover.from) to \(rollover.to))"
    }

    /// The kvno the cache's TGT was obtained with and the account's current one, when the first is older.
    static func rollover(_ status: TicketCacheStatus?, keyVersion: UInt32?) -> (from: UInt32, to: UInt32)? {
        guard let used = status?.keyVersion, let current = keyVersion, used < current else { return nil }
        return (used, current)
    }
}
