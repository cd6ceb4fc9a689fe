import Foundation
import GMSACore

/// Simulates a fleet of hosts sharing gMSAs through two rollovers, with the daemon's own ``RefreshSchedule``
/// deciding every read, and prints what the DCs see: password reads per second, the peak against a uniform
/// spread, whether every host staged K+1 before each expiry, and password reads per host and period; and each
/// host's ticket cache of each gMSA on the daemon's own ``TicketCachePlan`` (FleetSimulation+Tickets.swift):
/// the KDC's AS and TGS requests per second, and whether any cache expired before its refresh.
///
/// The DC is modelled as docs/protocol.md §4 describes it: a password expires every `period`; in the last
/// 5 minutes the read returns the next password (the change window); a read after expiry returns the new one.
/// Each host's clock is off by up to ±`skew` seconds from the DC's, and between every two reads it is stepped by
/// up to `skew` seconds (staying within ±`skew`): an NTP correction. No network, no files.
@main
struct FleetSimulation {
    struct Options {
        var hosts = 10_000
        var accounts = 20
        var period: Double = 20 * 3600
        var skew: Double = 30
        var sameExpiry = false
        var seed: UInt64 = 1
    }

    static func main() {
        var options = Options()
        var arguments = CommandLine.arguments.dropFirst()
        while let argument = arguments.popFirst() {
            switch argument {
            case "--hosts": options.hosts = Int(arguments.popFirst() ?? "") ?? options.hosts
            case "--accounts": options.accounts = Int(arguments.popFirst() ?? "") ?? options.accounts
            case "--skew": options.skew = Double(arguments.popFirst() ?? "") ?? options.skew
            case "--same-expiry": options.sameExpiry = true
            case "--seed": options.seed = UInt64(arguments.popFirst() ?? "") ?? options.seed
            default:
                print("usage: gmsa-fleet-simulation [--hosts N] [--accounts N] [--skew SECONDS] [--same-expiry] [--seed N]")
                exit(2)
            }
        }
        let ok = run(options)
        exit(ok ? 0 : 1)
    }

    /// A small deterministic generator (SplitMix64), so that runs can be repeated.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func run(_ options: Options) -> Bool {
        var random = Generator(state: options.seed)
        let window: Double = 300
        let period = options.period
        // Expiry instants: the first one measured is at `base`; accounts' expiries are spread over a period
        // (gMSAs created at different times) unless they all share one.
        let base: Double = 10 * 86_400
        let firstExpiry = (0..<options.accounts).map { _ in
            options.sameExpiry ? base : base + Double.random(in: 0..<period, using: &random)
        }
        let names = (0..<options.accounts).map { try! ServiceAccountName("msa-app\($0)$") }
        let start = base - period  // every host's first read lies in the period before its account's first expiry
        let end = base + 3 * period

        var reads = [Int32](repeating: 0, count: Int(end - start) + 1)
        var probes = [Int32](repeating: 0, count: Int(end - start) + 1)
        var notStaged = 0
        var withoutCurrentKey = 0
        var readsPerPeriod: [Int: Int] = [:]
        var tickets = TicketCounts(seconds: Int(end - start))
        var ticketRandom = Generator(state: options.seed &+ 7)  // its own, so the reads stay as they were
        let policy = RefreshPolicy()
        let settings = policy.settings

        for host in 0..<options.hosts {
            let schedule = RefreshSchedule(policy: policy, host: "machine-\(host)", random: { $0.lowerBound })
            for (index, account) in names.enumerated() {
                let expiry0 = firstExpiry[index]
                // The DC: generation n is current in [expiry0 + (n − 1)·period, expiry0 + n·period).
                func generation(at t: Double) -> Int { Int(((t - expiry0) / period).rounded(.down)) + 1 }
                func expiry(of generation: Int) -> Double { expiry0 + Double(generation) * period }
                let checks = [expiry0, expiry0 + period]  // the two rollovers measured
                var nextCheck = 0
                var keytab: Set<Int> = []
                var state: AccountState?
                var skew = Double.random(in: -options.skew...options.skew, using: &random)
                var t = expiry0 - period + 600 + Double.random(in: 0..<(period - 1200), using: &random)
                var fetch = t
                var probe = Double.infinity
                var readsInMeasuredPeriod = 0
                // When this host learns each kvno: from its own reads; before the first one (the 7 days in which
                // the tickets warm up), at its place after each expiry.
                let spread = schedule.spread(account)
                let firstTicket = start - ticketRenewable + Double.random(in: 0..<ticketRenewable, using: &ticketRandom)
                let learnDelay = settings.clockSkewMargin.seconds + spread.afterExpiry * settings.afterExpirySpread.seconds
                var learned: [(time: Double, keyVersion: Int)] = []
                var rollover = expiry0 - (((expiry0 - firstTicket) / period).rounded(.up)) * period
                while rollover + learnDelay < t {
                    learned.append((rollover + learnDelay, generation(at: rollover)))
                    rollover += period
                }
                while t < expiry0 + 2 * period + 600 {
                    // Check the keytab at each expiry before moving past it.
                    while nextCheck < checks.count, checks[nextCheck] <= min(fetch, probe) {
                        let next = generation(at: checks[nextCheck])
                        if !keytab.contains(next) { notStaged += 1 }
                        if !keytab.contains(next) && !keytab.contains(next - 1) { withoutCurrentKey += 1 }
                        nextCheck += 1
                    }
                    if probe < fetch {
                        t = probe
                        probes[Int(t - start)] += 1
                        schedule.recordUnchangedProbe(for: account, in: &state!, now: Timestamp(timeIntervalSince1970: t + skew))
                        probe = state!.nextProbe!.timeIntervalSince1970 - skew
                        continue
                    }
                    t = fetch
                    reads[Int(t - start)] += 1
                    if t >= expiry0 + 300, t < expiry0 + period + 300 { readsInMeasuredPeriod += 1 }
                    let current = generation(at: t)
                    if learned.last?.keyVersion != current { learned.append((t, current)) }
                    let remaining = expiry(of: current) - t
                    let inside = remaining <= window
                    if inside {
                        keytab = [current + 1, current]
                    } else {
                        keytab.formUnion([current, current - 1])
                        keytab = keytab.filter { $0 >= current - 1 }
                    }
                    let success = RefreshSchedule.Success(
                        keyVersion: UInt32(current), queryInterval: .milliseconds(Int64(remaining * 1000)), insideWindow: inside,
                        servicePrincipalNames: [], passwordLastSet: nil, membershipFingerprint: nil,
                        keytabKeyVersions: [], retainedUntil: [:], keytabFingerprint: nil)
                    schedule.recordSuccess(success, for: account, keytab: "", in: &state, now: Timestamp(timeIntervalSince1970: t + skew))
                    // The clock is stepped between two reads: the schedule was made on the old offset.
                    let scheduledFetch = state!.nextFetch!.timeIntervalSince1970
                    let scheduledProbe = state!.nextProbe!.timeIntervalSince1970
                    skew = min(max(skew + Double.random(in: -options.skew...options.skew, using: &random), -options.skew), options.skew)
                    fetch = scheduledFetch - skew
                    probe = scheduledProbe - skew
                }
                readsPerPeriod[readsInMeasuredPeriod, default: 0] += 1
                // kvno = 100 + generation: the warm-up reaches back to generation −8.
                let initial = generation(at: firstTicket - learnDelay)
                simulateTicketCache(
                    firstTicket: firstTicket, start: start, end: end, spread: spread.ticket, changes: learned.map(\.time),
                    knownKeyVersion: { t in 100 + (learned.last { $0.time <= t }?.keyVersion ?? initial) }, counts: &tickets)
            }
        }
        let ok = report(
            options: options, reads: reads, probes: probes, start: start, firstExpiry: firstExpiry, period: period,
            notStaged: notStaged, withoutCurrentKey: withoutCurrentKey, readsPerPeriod: readsPerPeriod, policy: policy)
        reportTickets(tickets, start: start, firstExpiry: firstExpiry, period: period, seed: options.seed)
        return ok && tickets.gaps == 0
    }

    static func report(
        options: Options, reads: [Int32], probes: [Int32], start: Double, firstExpiry: [Double], period: Double,
        notStaged: Int, withoutCurrentKey: Int, readsPerPeriod: [Int: Int], policy: RefreshPolicy
    ) -> Bool {
        let settings = policy.settings
        let margin = settings.clockSkewMargin.seconds
        let windowSpread = settings.changeWindow.seconds - 2 * margin
        let afterSpread = settings.afterExpirySpread.seconds
        print("fleet: \(options.hosts) hosts × \(options.accounts) gMSAs, period \(Int(period / 3600)) h, clocks off by up to ±\(Int(options.skew)) s, stepped by up to \(Int(options.skew)) s between reads, "
            + (options.sameExpiry ? "every gMSA expiring at the same instant" : "gMSAs created at random moments"))
        print("policy: window read \(Int(margin))–\(Int(margin + windowSpread)) s before expiry, after-expiry read \(Int(margin))–\(Int(margin + afterSpread)) s after it, probes every \(Int(settings.probeInterval.seconds)) s ± \(Int(settings.probeSpread * 100)) %")

        // Each burst: the reads of one rollover of the accounts expiring together, inside the window or after expiry.
        let groups = Dictionary(grouping: firstExpiry, by: { $0 }).map { ($0.key, $0.value.count) }.sorted { $0.0 < $1.0 }
        var worst: (ratio: Double, line: String) = (0, "")
        var worstBurst: (from: Int, to: Int)?
        var ratios: [Double] = []
        var referenceRatios: [Double] = []
        var generator = Generator(state: options.seed &+ 99)
        for rollover in 0..<2 {
            for (expiry0, accounts) in groups {
                let expiry = expiry0 + Double(rollover) * period
                for (kind, from, to, spread) in [
                    ("window", expiry - 300 - options.skew - 1, expiry, windowSpread),
                    ("after expiry", expiry, expiry + margin + afterSpread + options.skew + 1, afterSpread),
                ] {
                    let lower = max(Int(from - start), 0)
                    let upper = min(Int(to - start), reads.count - 1)
                    let slice = reads[lower...upper]
                    let total = slice.reduce(0) { $0 + Int($1) }
                    let peak = Int(slice.max() ?? 0)
                    let average = Double(total) / spread
                    let ratio = Double(peak) / average
                    ratios.append(ratio)
                    // The same number of reads placed independently and uniformly at random over the same spread:
                    // what hosts that do not coordinate can achieve at best.
                    var placed = [Int32](repeating: 0, count: Int(spread.rounded(.up)))
                    for _ in 0..<total { placed[Int(Double.random(in: 0..<spread, using: &generator))] += 1 }
                    referenceRatios.append(Double(placed.max() ?? 0) / average)
                    if ratio > worst.ratio {
                        worst = (ratio, "\(kind) of rollover \(rollover + 1) (\(accounts) gMSA(s) × \(options.hosts) hosts): \(total) reads, peak \(peak)/s, uniform average \(String(format: "%.1f", average))/s")
                        worstBurst = (lower, upper)
                    }
                }
            }
        }
        let peakAll = reads.max() ?? 0
        let totalReads = reads.reduce(0) { $0 + Int($1) }
        let peakProbes = probes.max() ?? 0
        print("password reads: \(totalReads) in all; busiest second anywhere: \(peakAll) reads; probes (no password): busiest second \(peakProbes)")
        ratios.sort()
        referenceRatios.sort()
        let median = ratios[ratios.count / 2]
        print("bursts: \(ratios.count); peak / uniform average: median \(String(format: "%.2f", median)), worst \(String(format: "%.2f", worst.ratio)); "
            + "the same reads placed independently at random: median \(String(format: "%.2f", referenceRatios[referenceRatios.count / 2])), worst \(String(format: "%.2f", referenceRatios.last ?? 0))")
        print("worst burst: \(worst.line) → peak / uniform average = \(String(format: "%.2f", worst.ratio))")
        if let burst = worstBurst {
            print("histogram of that burst (10-second bins, reads per second: mean of the bin, then its busiest second):")
            var bin = burst.from
            while bin <= burst.to {
                let seconds = reads[bin...min(bin + 9, burst.to)]
                let mean = Double(seconds.reduce(0) { $0 + Int($1) }) / Double(seconds.count)
                let busiest = Int(seconds.max() ?? 0)
                let relative = Double(bin) + start
                let label = String(format: "%+6.0f s", relative - nearestExpiry(relative, firstExpiry, period))
                let bar = String(repeating: "#", count: Int((mean / 4).rounded()))
                print("  \(label) \(String(format: "%6.1f", mean)) \(String(format: "%4d", busiest)) \(bar)")
                bin += 10
            }
        }
        let pairs = options.hosts * options.accounts
        let distribution = readsPerPeriod.sorted { $0.key < $1.key }.map { "\($0.value) pairs read \($0.key) time(s)" }.joined(separator: ", ")
        print("password reads per host and gMSA in the period between the two rollovers: \(distribution)")
        print("K+1 in the keytab before expiry: \(2 * pairs - notStaged) of \(2 * pairs) (host, gMSA, rollover); without a current key after expiry: \(withoutCurrentKey)")
        let staged = notStaged == 0 && withoutCurrentKey == 0
        let twoReads = readsPerPeriod.keys.allSatisfy { $0 <= 2 }
        print("\(staged ? "ok" : "FAIL"): every host had K+1 in its keytab before expiry and a current key after it")
        print("\(twoReads ? "ok" : "FAIL"): at most 2 password reads per host, gMSA and period")
        print("\(worst.ratio <= 1.5 ? "ok" : "over"): peak ≤ 1.5 × the uniform average in every burst (worst \(String(format: "%.2f", worst.ratio)))")
        return staged && twoReads
    }

    /// The expiry (of any account, any rollover) nearest to `t`, for labels.
    static func nearestExpiry(_ t: Double, _ firstExpiry: [Double], _ period: Double) -> Double {
        var best = firstExpiry[0]
        for expiry0 in firstExpiry {
            for rollover in -1..<3 {
                let expiry = expiry0 + Double(rollover) * period
                if abs(expiry - t) < abs(best - t) { best = expiry }
            }
        }
        return best
    }
}
