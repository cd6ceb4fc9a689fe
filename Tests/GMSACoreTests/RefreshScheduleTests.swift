import Foundation
import GMSACore
import Testing

@Suite struct RefreshScheduleTests {
    let schedule = RefreshSchedule(policy: RefreshPolicy(), host: nil, random: { $0.lowerBound })
    let now = Timestamp(timeIntervalSince1970: 1_800_000_000)
    let account = try! ServiceAccountName("msa-web$")

    func success(_ kvno: UInt32 = 3, interval: Duration = .seconds(72_000), insideWindow: Bool = false) -> RefreshSchedule.Success {
        RefreshSchedule.Success(
            keyVersion: kvno, queryInterval: interval, insideWindow: insideWindow, servicePrincipalNames: ["HTTP/web"],
            passwordLastSet: 42, membershipFingerprint: "ab", keytabKeyVersions: [kvno], retainedUntil: [:],
            keytabFingerprint: nil)
    }

    @Test func anAccountNeverReadIsDueAndNotProbed() {
        #expect(schedule.isFetchDue(nil, now: now))
        #expect(!schedule.isProbeDue(nil, now: now))
    }

    @Test func aSuccessSchedulesTheReadInsideTheNextWindowAndAProbeAnHourLater() {
        var state: AccountState?
        schedule.recordSuccess(success(), for: account, keytab: "/k", in: &state, now: now)
        let entry = try! #require(state)
        #expect(entry.passwordExpiry == now + 72_000)
        #expect(entry.nextFetch == now + 72_000 - 150, "the middle of the window without a host identity")
        #expect(entry.nextProbe == now + 3600)
        #expect(entry.keyVersion == 3 && entry.consecutiveFailures == 0 && entry.lastError == nil)
        #expect(!schedule.isFetchDue(entry, now: now + 3599))
        #expect(schedule.isProbeDue(entry, now: now + 3600))
        #expect(schedule.isFetchDue(entry, now: now + 1, requested: true), "an admin's refresh makes it due")
    }

    @Test func failuresBackOffExponentiallyAndStopProbes() {
        var state: AccountState?
        schedule.recordSuccess(success(), for: account, keytab: "/k", in: &state, now: now)
        var delays: [TimeInterval] = []
        for _ in 0..<4 {
            schedule.recordFailure("DC down", keytab: "/k", in: &state, now: now)
            delays.append(state!.nextFetch!.timeIntervalSince(now))
        }
        #expect(delays == [15, 30, 60, 120], "30 s doubling, jitter at its 50 % floor")
        #expect(state?.nextProbe == nil)
        #expect(state?.lastError == "DC down" && state?.consecutiveFailures == 4)
        schedule.recordSuccess(success(), for: account, keytab: "/k", in: &state, now: now)
        #expect(state?.consecutiveFailures == 0 && state?.lastError == nil)
    }

    @Test func aBrokenKeytabMakesTheAccountDueNowAndKeepsRetentionDeadlines() {
        var state = AccountState(keytab: "/k")
        state.nextFetch = now + 86_400
        state.retainedUntil = [2: now + 600]
        state.keytabFingerprint = KeytabFingerprint(device: 1, inode: 2, size: 3, modifiedSeconds: 4, modifiedNanoseconds: 0, owner: 0, group: 0, mode: 0o600)
        schedule.recordKeytabBroken(in: &state, now: now)
        #expect(schedule.isFetchDue(state, now: now))
        #expect(state.keytabFingerprint == nil)
        #expect(state.retainedUntil == [2: now + 600])
    }

    @Test func aFailedPruneKeepsTheKeysAndRetriesAtTheNextProbe() {
        var state = AccountState(keytab: "/k")
        state.retainedUntil = [2: now - 1, 1: now + 600]
        schedule.recordPruneFailure(in: &state, now: now)
        #expect(state.retainedUntil == [2: now + 3600, 1: now + 600])
    }

    @Test func aFullDiskIsRetriedSoonHoweverOftenItFailed() {
        var state: AccountState?
        for _ in 0..<10 {
            schedule.recordFailure("No space left on device", keytab: "/k", retryAt: schedule.localRetry(now: now), in: &state, now: now)
        }
        #expect(state?.nextFetch == now + 15, "within retry_base, not 2^9 × 30 s")
        #expect(state?.consecutiveFailures == 10)
    }

    @Test func aFullPassRetryBacksOffLikeAnAccount() {
        #expect(schedule.fullPassRetry(now: now, failures: 1) == now + 15)
        #expect(schedule.fullPassRetry(now: now, failures: 3) == now + 60)
        #expect(schedule.fullPassRetry(now: now, failures: 1000) == now + 1800, "capped at retry_max, at any count")
    }
}
