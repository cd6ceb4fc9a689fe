import Foundation
import GMSACore
import Testing

@Suite struct RefreshPolicyTests {
    let policy = RefreshPolicy()
    let now = Timestamp(timeIntervalSince1970: 1_800_000_000)
    let noJitter: (ClosedRange<Double>) -> Double = { $0.lowerBound }
    let fullJitter: (ClosedRange<Double>) -> Double = { $0.upperBound }

    let earliest = RefreshSpread(window: 0, afterExpiry: 0, probe: 0)
    let latest = RefreshSpread(window: 0.999_999, afterExpiry: 0.999_999, probe: 0.999_999)

    @Test func afterANormalReadTheNextFetchIsInsideTheWindowClearOfItsEdges() {
        let day: Duration = .seconds(72_000)
        let (expiry, first) = policy.afterFetch(now: now, queryInterval: day, insideWindow: false, spread: earliest)
        let (_, last) = policy.afterFetch(now: now, queryInterval: day, insideWindow: false, spread: latest)
        #expect(expiry == now + 72_000)
        #expect(first == expiry - 268, "32 s after the window opens at expiry − 300 s")
        #expect(abs(last.timeIntervalSince(expiry - 32)) < 0.01, "32 s before expiry")
        let (_, middle) = policy.afterFetch(now: now, queryInterval: day, insideWindow: false, spread: .middle)
        #expect(middle == expiry - 150)
    }

    @Test func afterAReadInsideTheWindowTheNextFetchIsAfterExpiryAtTheHostsPlace() {
        let (expiry, first) = policy.afterFetch(now: now, queryInterval: .seconds(177), insideWindow: true, spread: earliest)
        #expect(expiry == now + 177)
        #expect(first == expiry + 32)
        let (_, last) = policy.afterFetch(now: now, queryInterval: .seconds(177), insideWindow: true, spread: latest)
        #expect(abs(last.timeIntervalSince(expiry + 32 + 236)) < 0.01)
    }

    @Test func aReadTooLateForTheHostsPlaceInTheWindowGoesStraightToAfterExpiry() {
        // 200 s left, the DC did not (yet) hand out the next password, and this host's place was 268 s before.
        let (expiry, next) = policy.afterFetch(now: now, queryInterval: .seconds(200), insideWindow: false, spread: earliest)
        #expect(next == expiry + 32)
    }

    @Test func theSpreadIsStablePerHostAndAccountAndDiffersAcrossHosts() throws {
        let web = try ServiceAccountName("msa-web$")
        let db = try ServiceAccountName("msa-db$")
        #expect(RefreshSpread(host: "4c1d0e0a1b2c", account: web) == RefreshSpread(host: "4c1d0e0a1b2c", account: web))
        #expect(RefreshSpread(host: "4c1d0e0a1b2c", account: web) != RefreshSpread(host: "4c1d0e0a1b2d", account: web))
        #expect(RefreshSpread(host: "4c1d0e0a1b2c", account: web) != RefreshSpread(host: "4c1d0e0a1b2c", account: db))
        // Over many hosts the places fill the interval evenly: every tenth holds 8–12 % of 10,000 hosts.
        var tenths = [Int](repeating: 0, count: 10)
        for host in 0..<10_000 { tenths[Int(RefreshSpread(host: "host-\(host)", account: web).window * 10)] += 1 }
        #expect(tenths.allSatisfy { (800...1200).contains($0) }, "\(tenths)")
    }

    @Test func aClockSteppedByUpTo30SecondsStillReadsInsideTheWindowAndAfterExpiry() throws {
        let account = try ServiceAccountName("msa-web$")
        for host in 0..<2_000 {
            let spread = RefreshSpread(host: "machine-\(host)", account: account)
            for step in [-30.0, 0, 30] {
                let (expiry, early) = policy.afterFetch(now: now, queryInterval: .seconds(72_000), insideWindow: false, spread: spread)
                let remaining = expiry.timeIntervalSince(early - step)
                #expect(remaining > 0 && remaining <= 300, "host \(host), step \(step): \(remaining) s before expiry")
                let (_, after) = policy.afterFetch(now: early, queryInterval: .seconds(Int64(expiry.timeIntervalSince(early))), insideWindow: true, spread: spread)
                #expect(after - step > expiry, "host \(host), step \(step): the read after expiry came before it")
            }
        }
    }

    @Test func probesComeEveryIntervalPlusOrMinusTenPercent() {
        #expect(policy.nextProbe(after: now, spread: .middle) == now + 3600)
        #expect(policy.nextProbe(after: now, spread: earliest) == now + 3240)
        #expect(abs(policy.nextProbe(after: now, spread: latest).timeIntervalSince(now + 3960)) < 0.01)
    }

    @Test func twoBlobReadsPerRolloverPeriod() {
        // Follow the schedule over one 20-hour period from a read at its start.
        var clock = now
        var reads = 0
        var (expiry, next) = policy.afterFetch(now: clock, queryInterval: .seconds(72_000), insideWindow: false, spread: .middle)
        let periodEnd = expiry
        while next <= periodEnd + 300 {
            clock = next
            reads += 1
            let remaining = expiry.timeIntervalSince(clock)
            let window = remaining > 0 && remaining <= 300
            let query = remaining > 0 ? Duration.seconds(Int64(remaining)) : .seconds(72_000 + Int64(remaining))
            (expiry, next) = policy.afterFetch(now: clock, queryInterval: query, insideWindow: window, spread: .middle)
        }
        #expect(reads == 2)
    }

    @Test func retriesBackOffExponentiallyWithJitterAndACap() {
        let first = policy.retry(now: now, failures: 1, passwordExpiry: nil, random: fullJitter)
        let second = policy.retry(now: now, failures: 2, passwordExpiry: nil, random: fullJitter)
        let tenth = policy.retry(now: now, failures: 10, passwordExpiry: nil, random: fullJitter)
        #expect(first == now + 30)
        #expect(second == now + 60)
        #expect(tenth == now + 3600)
        #expect(policy.retry(now: now, failures: 2, passwordExpiry: nil, random: noJitter) == now + 30)
        #expect(policy.retry(now: now, failures: 1000, passwordExpiry: nil, random: fullJitter) == now + 3600)
    }

    @Test func retriesNearAPasswordChangeStayShort() {
        let retry = policy.retry(now: now, failures: 8, passwordExpiry: now + 200, random: fullJitter)
        #expect(retry == now + 30)
    }

    @Test func oldKeysAreRetainedForTheTicketLifetimeAfterTheySupersede() {
        // Rollover: the keytab had K=3 (and 2), the new read gives 4 (and 3).
        let kept = policy.retained(existing: [3, 2], fresh: [4, 3], retainedUntil: [:], now: now)
        #expect(kept == [2: now + 36_300])
        // An hour later the same kvno keeps its original deadline.
        let later = policy.retained(existing: [4, 3, 2], fresh: [4, 3], retainedUntil: kept, now: now + 3600)
        #expect(later == [2: now + 36_300])
        // After the retention it is dropped.
        #expect(policy.retained(existing: [4, 3, 2], fresh: [4, 3], retainedUntil: kept, now: now + 36_301).isEmpty)
    }

    @Test func aSkippedIntervalKeepsTheLastActiveKey() {
        // The keytab had 5 (active) and 6 (next, from the window); kvno jumps to 8 with previous 7.
        let kept = policy.retained(existing: [6, 5], fresh: [8, 7], retainedUntil: [:], now: now)
        #expect(Set(kept.keys) == [6, 5])
        #expect(kept.values.allSatisfy { $0 == now + 36_300 })
    }

    @Test func probesTriggerAFetchOnlyWhenSomethingChanged() {
        var state = AccountState(keytab: "/k")
        state.keyVersion = 3
        state.servicePrincipalNames = ["HTTP/a", "HTTP/b"]
        state.passwordLastSet = 100
        #expect(!policy.probeNeedsFetch(state: state, keyVersion: 3, servicePrincipalNames: ["HTTP/b", "HTTP/a"], passwordLastSet: 100))
        #expect(policy.probeNeedsFetch(state: state, keyVersion: 4, servicePrincipalNames: ["HTTP/a", "HTTP/b"], passwordLastSet: 100))
        #expect(policy.probeNeedsFetch(state: state, keyVersion: 3, servicePrincipalNames: ["HTTP/a"], passwordLastSet: 100))
        #expect(policy.probeNeedsFetch(state: state, keyVersion: 3, servicePrincipalNames: ["HTTP/a", "HTTP/b"], passwordLastSet: 200))
        // Who may read the password: compared only when both sides could read msDS-GroupMSAMembership.
        state.membershipFingerprint = ManagedAccount.fingerprint([1, 2, 3])
        let same = ManagedAccount.fingerprint([1, 2, 3])
        let revoked = ManagedAccount.fingerprint([1, 2, 4])
        #expect(same.count == 16 && same != revoked)
        #expect(!policy.probeNeedsFetch(state: state, keyVersion: 3, servicePrincipalNames: ["HTTP/a", "HTTP/b"], passwordLastSet: 100, membershipFingerprint: same))
        #expect(policy.probeNeedsFetch(state: state, keyVersion: 3, servicePrincipalNames: ["HTTP/a", "HTTP/b"], passwordLastSet: 100, membershipFingerprint: revoked))
        #expect(!policy.probeNeedsFetch(state: state, keyVersion: 3, servicePrincipalNames: ["HTTP/a", "HTTP/b"], passwordLastSet: 100, membershipFingerprint: nil))
    }

    @Test func theStateFileRoundTripsAndHoldsNoSecrets() throws {
        var state = DaemonState()
        var account = AccountState(keytab: "/var/lib/gmsa-keytabd/msa-web.keytab")
        account.keyVersion = 4
        account.retainedUntil = [3: now]
        account.nextFetch = now + 60
        state[try ServiceAccountName("msa-web")] = account
        #expect(try DaemonState(json: state.json()) == state)
        #expect(account.nextDeadline == now)
    }
}
