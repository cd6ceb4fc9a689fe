import Foundation
import GMSACore

/// The fleet's ticket caches: every host keeps a cache per gMSA, refreshed on the daemon's own
/// ``TicketCachePlan``, and the KDC counts AS exchanges (a ticket from the account's keys) and TGS renewals.
///
/// The KDC is modelled with AD's defaults: a TGT lives 10 h and is renewable for 7 days from its AS exchange;
/// a renewal gives a new 10 h (never past renew-until) and keeps the key version the AS exchange used. A host
/// knows an account's new key version from its first read after expiry (the schedule's own reads); that is
/// when the plan sees the rollover. Each host's first ticket is at a random moment in the 7 days before the
/// span, so that the span shows a fleet that has been running (renew-until reached at every phase). Clock
/// offsets (seconds) are left out: the plan's times are hours.
extension FleetSimulation {
    static let ticketLifetime: Double = 10 * 3600
    static let ticketRenewable: Double = 7 * 86_400

    /// KDC requests per second of the span, and what went wrong.
    struct TicketCounts {
        var authentications: [Int32]
        var renewals: [Int32]
        /// Refreshes that came after the ticket had expired: a program using the cache found none.
        var gaps = 0
        /// The least time a ticket had left when it was refreshed (seconds).
        var leastLeft = Double.infinity

        init(seconds: Int) {
            authentications = [Int32](repeating: 0, count: seconds)
            renewals = [Int32](repeating: 0, count: seconds)
        }
    }

    /// One host's cache of one account from its first ticket to `end`, counting the requests inside
    /// [`start`, `end`). `knownKeyVersion(t)` is the kvno the host holds as current at `t`; it changes only at
    /// the instants in `changes` (ascending).
    static func simulateTicketCache(
        firstTicket: Double, start: Double, end: Double, spread: Double, changes: [Double],
        knownKeyVersion: (Double) -> Int, counts: inout TicketCounts
    ) {
        var t = firstTicket
        var cache: TicketCacheStatus?
        var nextChange = changes.firstIndex { $0 > t } ?? changes.count
        while t < end {
            let plan = TicketCachePlan.plan(
                cache, keyVersion: UInt32(knownKeyVersion(t)), spread: spread, now: Timestamp(timeIntervalSince1970: t))
            let due = max(plan.due.timeIntervalSince1970, t)
            if nextChange < changes.count, changes[nextChange] < due {
                t = changes[nextChange]  // the host learns a new kvno first: plan again
                nextChange += 1
                continue
            }
            t = due
            guard t < end else { break }
            if let cache {
                let left = cache.expiry.timeIntervalSince1970 - t
                if left <= 0 { counts.gaps += 1 }
                counts.leastLeft = min(counts.leastLeft, left)
            }
            let second = Int(t - start)
            let now = Timestamp(timeIntervalSince1970: t)
            switch plan.action {
            case .renew:
                let renewUntil = cache!.renewUntil!
                cache = TicketCacheStatus(
                    start: now, expiry: min(now + ticketLifetime, renewUntil), renewUntil: renewUntil,
                    keyVersion: cache!.keyVersion)
                if second >= 0 { counts.renewals[second] += 1 }
            case .acquire, .reacquire:
                cache = TicketCacheStatus(
                    start: now, expiry: now + ticketLifetime, renewUntil: now + ticketRenewable,
                    keyVersion: UInt32(knownKeyVersion(t)))
                if second >= 0 { counts.authentications[second] += 1 }
            }
        }
    }

    /// AS and TGS requests per second: the uniform average over the span, the busiest minute and second, and
    /// the same for as many requests placed independently at random over the span (what chance gives).
    static func reportTickets(
        _ counts: TicketCounts, start: Double, firstExpiry: [Double], period: Double, seed: UInt64
    ) {
        let span = counts.authentications.count
        print("ticket caches: one per host and gMSA, TGT 10 h, renewable 7 days (AD defaults), refreshed when \(Int(TicketCachePlan.refreshFraction * 100))–\(Int((TicketCachePlan.refreshFraction + TicketCachePlan.spreadFraction) * 100)) % of its life is left (the host's spread), each host's first ticket at a random moment in the 7 days before the span")
        func right(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        print("KDC requests, \(span / 3600) h span".padding(toLength: 26, withPad: " ", startingAt: 0) + right("total", 8)
            + right("uniform average", 17) + right("busiest minute", 20) + right("busiest second", 17)
            + "   (the same requests at random: minute, second)")
        var generator = Generator(state: seed &+ 98)
        for (name, perSecond) in [("AS (with the keys)", counts.authentications), ("TGS (renewals)", counts.renewals)] {
            let total = perSecond.reduce(0) { $0 + Int($1) }
            let average = Double(total) / Double(span)
            var placed = [Int32](repeating: 0, count: span)
            for _ in 0..<total { placed[Int.random(in: 0..<span, using: &generator)] += 1 }
            let (minute, second) = (busiestMinute(perSecond), Int(perSecond.max() ?? 0))
            let ratio = { (rate: Double) in String(format: "%.1f×", average > 0 ? rate / average : 0) }
            print("  \(name.padding(toLength: 24, withPad: " ", startingAt: 0))\(String(format: "%8d", total))"
                + "\(String(format: "%15.2f", average))/s\(String(format: "%11.1f", minute))/s (\(ratio(minute)))"
                + "\(String(format: "%8d", second))/s (\(ratio(Double(second))))"
                + "   (\(String(format: "%.1f", busiestMinute(placed)))/s, \(placed.max() ?? 0)/s)")
        }
        let peak = counts.authentications.max() ?? 0
        let at = Double(counts.authentications.firstIndex(of: peak) ?? 0) + start
        print("busiest AS second: \(String(format: "%+.0f", at - nearestExpiry(at, firstExpiry, period))) s from the nearest password expiry")
        let least = counts.leastLeft.isFinite ? String(format: "%.1f h", counts.leastLeft / 3600) : "-"
        print("\(counts.gaps == 0 ? "ok" : "FAIL"): no ticket cache expired before its refresh on any host (\(counts.gaps) gaps; least time left at a refresh: \(least))")
    }

    /// The busiest 60 consecutive seconds, as requests per second.
    static func busiestMinute(_ perSecond: [Int32]) -> Double {
        var minute = perSecond.prefix(60).reduce(0) { $0 + Int($1) }
        var busiest = minute
        for index in 60..<perSecond.count {
            minute += Int(perSecond[index]) - Int(perSecond[index - 60])
            busiest = max(busiest, minute)
        }
        return Double(busiest) / 60
    }
}
