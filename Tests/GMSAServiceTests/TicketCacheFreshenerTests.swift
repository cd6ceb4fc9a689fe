import GMSACore
import GMSAService
import Testing

/// run-as's cache kept fresh on the daemon's schedule, with a fake KDC: when it renews, when it gets a new
/// ticket, how it backs off.
@Suite struct TicketCacheFreshenerTests {
    struct Refused: Error, CustomStringConvertible {
        var description: String
    }

    /// A KDC that issues 10 h tickets renewable for 7 days with the key version the fake directory says, and
    /// can be told to refuse.
    final class FakeKDC {
        var now = Timestamp(timeIntervalSince1970: 1_800_000_000)
        /// The account's kvno as the state file says.
        var directoryKeyVersion: UInt32? = 5
        /// The kvno the KDC takes (it may lag behind after a rollover).
        var kdcKeyVersion: UInt32 = 5
        var renewPeriod: Double = 7 * 86_400
        var refuseRenewal = false
        var refuseAcquire = false
        var calls: [String] = []
        var issued: TicketCacheStatus?
    }

    struct FakeSource: TicketCacheSource {
        let kdc: FakeKDC

        mutating func acquire() throws -> TicketCacheStatus {
            kdc.calls.append("acquire")
            if kdc.refuseAcquire { throw Refused(description: "KDC unreachable") }
            let now = kdc.now
            let ticket = TicketCacheStatus(start: now, expiry: now + 36_000, renewUntil: now + kdc.renewPeriod, keyVersion: kdc.kdcKeyVersion)
            kdc.issued = ticket
            return ticket
        }

        mutating func renew() throws -> TicketCacheStatus {
            kdc.calls.append("renew")
            if kdc.refuseRenewal { throw Refused(description: "ticket expired") }
            guard var ticket = kdc.issued else { throw Refused(description: "nothing to renew") }
            ticket.start = kdc.now
            ticket.expiry = min(kdc.now + 36_000, ticket.renewUntil ?? kdc.now)
            kdc.issued = ticket
            return ticket
        }

        func currentKeyVersion() -> UInt32? { kdc.directoryKeyVersion }
    }

    let kdc = FakeKDC()

    func started(spread: Double = 0) throws -> TicketCacheFreshener<FakeSource> {
        var freshener = TicketCacheFreshener(source: FakeSource(kdc: kdc), spread: spread)
        try freshener.start()
        return freshener
    }

    @Test func aTenHourTicketIsRenewedTwoToThreeHoursBeforeItExpires() throws {
        for (spread, hoursBefore) in [(0.0, 2.0), (0.99, 2.99)] {
            let freshener = try started(spread: spread)
            let due = freshener.nextDue(now: kdc.now)
            #expect(abs((kdc.now + 36_000).timeIntervalSince(due) - hoursBefore * 3600) < 60, "spread \(spread): \(due)")
        }
    }

    @Test func aDueRefreshRenewsKeepsTheRenewUntilAndPlansTheNext() throws {
        var freshener = try started()
        let first = try #require(freshener.status)
        kdc.now = freshener.nextDue(now: kdc.now)
        let (outcome, next) = freshener.refresh(now: kdc.now)
        #expect(outcome == .renewed)
        #expect(kdc.calls == ["acquire", "renew"])
        #expect(freshener.status?.renewUntil == first.renewUntil)
        #expect(freshener.status?.expiry == kdc.now + 36_000)
        #expect(next == kdc.now + 36_000 - 7200)
    }

    @Test func nearTheRenewUntilANewTicketIsTaken() throws {
        // Renewable for 11 h: at the refresh (8 h in) a renewal would add less than half a lifetime.
        kdc.renewPeriod = 40_000
        var freshener = try started()
        kdc.now = freshener.nextDue(now: kdc.now)
        let (outcome, _) = freshener.refresh(now: kdc.now)
        #expect(outcome == .acquired(reason: "renew-until too close for a renewal", renewalFailure: nil))
        #expect(kdc.calls == ["acquire", "acquire"])
    }

    @Test func aFailedRenewalGetsANewTicketAtOnceAndSaysWhy() throws {
        var freshener = try started()
        kdc.refuseRenewal = true
        kdc.now = freshener.nextDue(now: kdc.now)
        let (outcome, next) = freshener.refresh(now: kdc.now)
        #expect(outcome == .acquired(reason: "the renewal failed", renewalFailure: "ticket expired"))
        #expect(kdc.calls == ["acquire", "renew", "acquire"])
        #expect(next == kdc.now + 36_000 - 7200)
    }

    /// After a rollover the state file says kvno 6: the ticket already issued stays valid, so the refresh comes at
    /// its usual time (TicketCachePlan: a fleet must not re-acquire in the same minutes) and is a new AS
    /// exchange; while the KDC still takes 5, the next refresh is one again, and once it takes 6 the plan is the
    /// usual one.
    @Test func aRolloverMakesTheNextRefreshANewTicket() throws {
        var freshener = try started()
        let usual = freshener.nextDue(now: kdc.now)
        kdc.now = kdc.now + 600
        kdc.directoryKeyVersion = 6
        #expect(freshener.nextDue(now: kdc.now) == usual)
        kdc.now = usual
        var (outcome, next) = freshener.refresh(now: kdc.now)
        #expect(outcome == .acquired(reason: "the password changed (kvno 5 to 6)", renewalFailure: nil))
        #expect(next == kdc.now + 36_000 - 7200)
        kdc.now = next
        kdc.kdcKeyVersion = 6
        (outcome, next) = freshener.refresh(now: kdc.now)
        #expect(outcome == .acquired(reason: "the password changed (kvno 5 to 6)", renewalFailure: nil))
        #expect(freshener.status?.keyVersion == 6)
        #expect(next == kdc.now + 36_000 - 7200)
        #expect(kdc.calls == ["acquire", "acquire", "acquire"])
    }

    @Test func failuresBackOffFrom30SecondsToTenMinutesAndStayBeforeTheExpiry() throws {
        kdc.refuseAcquire = true
        var freshener = TicketCacheFreshener(source: FakeSource(kdc: kdc), spread: 0)
        var retries: [Double] = []
        for _ in 0..<7 {
            let (outcome, next) = freshener.refresh(now: kdc.now)
            guard case .failed(let message, let retry) = outcome else {
                Issue.record("expected a failure, got \(outcome)")
                return
            }
            #expect(message == "KDC unreachable" && retry == next)
            retries.append(next.timeIntervalSince(kdc.now))
        }
        #expect(retries == [30, 60, 120, 240, 480, 600, 600])
        #expect(freshener.consecutiveFailures == 7)

        // A ticket with 40 s left whose renewal and exchange fail: the next try within half of what is left.
        kdc.refuseAcquire = false
        var kept = try started()
        kdc.refuseAcquire = true
        kdc.refuseRenewal = true
        kdc.now = kdc.now + 36_000 - 40
        let (outcome, next) = kept.refresh(now: kdc.now)
        #expect(next == kdc.now + 20, "\(outcome)")
    }
}
