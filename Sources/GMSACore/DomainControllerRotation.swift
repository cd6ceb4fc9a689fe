/// Which DCs a daemon pass tries, in which order, and when it stops trying more: a pass has a budget of a few
/// `[ldap] timeout`s for finding a DC, and the DCs it had no time for come first in the next pass.
///
/// A DC that drops packets costs a whole `[ldap] timeout` per attempt; with every DC of a large SRV list
/// tried in one pass, a dead network would keep a pass going for longer than the watchdog trusts it
/// (README, "What happens when…"). So a pass starts another DC only while its budget leaves room for one
/// more timeout; a DC that refuses at once costs nothing and the next is tried. A DC that could not be used
/// goes to the back of the order for later passes (the DC that answered is then tried first, as Windows
/// keeps the DC it found), until every DC has failed in turn (then the order starts again from DNS's), or
/// ``forgetAfter`` has passed. Times are monotonic milliseconds.
public struct DomainControllerRotation: Sendable, Equatable {
    /// How many `[ldap] timeout`s one pass may spend finding a DC.
    public static let timeoutsPerPass: Int64 = 4
    /// How long a DC that could not be used stays at the back of the order (ms).
    public static let forgetAfter: Int64 = 3_600_000

    /// DCs that could not be used, with when (ms); names without case.
    private var failed: [DomainController: Int64] = [:]

    public init() {}

    /// The budget of one pass for finding a DC, in milliseconds.
    public static func budget(timeoutSeconds: Int) -> Int64 {
        timeoutsPerPass * Int64(max(timeoutSeconds, 1)) * 1000
    }

    /// Whether a pass that has spent `elapsed` ms on DCs, with `tried` DCs tried so far, starts another: the
    /// first DC always; another while the budget keeps room for most of one more timeout (a DC that does not
    /// answer takes a little more than the timeout: name lookup, the connection attempt).
    public static func mayTryAnother(elapsed: Int64, tried: Int, timeoutSeconds: Int) -> Bool {
        guard tried > 0 else { return true }
        let timeout = Int64(max(timeoutSeconds, 1)) * 1000
        return elapsed <= budget(timeoutSeconds: timeoutSeconds) - timeout / 2
    }

    /// `controllers` (in the order DNS, the site or the configuration gave) with those that could not be used
    /// lately moved to the back, in the same order among themselves. When all of them failed lately, the
    /// order as given: a new round.
    public func arranged(_ controllers: [DomainController], now: Int64) -> [DomainController] {
        let lately = controllers.filter { isFailed($0, now: now) }
        guard lately.count < controllers.count else { return controllers }
        return controllers.filter { !isFailed($0, now: now) } + lately
    }

    /// What a pass found: `tried` could not be used, `used` (if any) answered. Once every one of
    /// `controllers` has failed, they are all forgotten: the next pass starts a new round.
    public mutating func record(controllers: [DomainController], tried: [DomainController], used: DomainController?, now: Int64) {
        failed = failed.filter { now &- $0.value < Self.forgetAfter }
        for controller in tried { failed[controller.comparisonKey] = now }
        if let used { failed[used.comparisonKey] = nil }
        if !controllers.isEmpty, controllers.allSatisfy({ isFailed($0, now: now) }) { failed = [:] }
    }

    /// Forgets every failure (a reload, a `gmsa-keytabd refresh`): the next pass tries the DCs in their order.
    public mutating func forget() {
        failed = [:]
    }

    private func isFailed(_ controller: DomainController, now: Int64) -> Bool {
        failed[controller.comparisonKey].map { now &- $0 < Self.forgetAfter } ?? false
    }
}
