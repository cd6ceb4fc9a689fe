import GMSACore
import Testing

/// When a ticket cache is refreshed, and how: from the TGT's expiry, renewing while renew-until allows, a new AS
/// exchange after a rollover.
@Suite struct TicketCachePlanTests {
    let now = Timestamp(timeIntervalSince1970: 1_800_000_000)

    /// A 10-hour TGT issued `age` seconds ago, renewable for 7 days from issue, obtained with kvno 3.
    func status(age: Double, renewDays: Double? = 7, keyVersion: UInt32? = 3) -> TicketCacheStatus {
        let start = now - age
        return TicketCacheStatus(
            start: start, expiry: start + 36_000, renewUntil: renewDays.map { start + $0 * 86_400 }, keyVersion: keyVersion)
    }

    @Test func aMissingOrExpiredCacheIsAcquiredNow() {
        #expect(TicketCachePlan.plan(nil, keyVersion: 3, spread: 0.5, now: now) == .init(action: .acquire(reason: "no valid ticket cache"), due: now))
        let expired = TicketCachePlan.plan(status(age: 36_000), keyVersion: 3, spread: 0.5, now: now)
        #expect(expired == .init(action: .acquire(reason: "the ticket expired"), due: now))
    }

    @Test func aRolloverMakesTheNextRefreshANewASExchange() {
        // The account went from kvno 3 to 4 a minute after this 10 h TGT was issued with kvno 3.
        let plan = TicketCachePlan.plan(status(age: 60), keyVersion: 4, spread: 0.5, now: now)
        let renewal = TicketCachePlan.plan(status(age: 60), keyVersion: 3, spread: 0.5, now: now)
        #expect(plan.action == .reacquire)
        #expect(plan.due == renewal.due, "when the renewal would have been due, 2.5 h before expiry")
        // The staged next key (kvno 4 in the keytab, 3 still current) changes nothing.
        #expect(renewal.action == .renew)
        // A TGT past its refresh point is re-acquired at once, with the new key.
        let late = TicketCachePlan.plan(status(age: 30_000), keyVersion: 4, spread: 0.5, now: now)
        #expect(late.action == .reacquire && late.due <= now)
    }

    @Test func aFleetReacquiresAfterARolloverOverHoursNotInOneMinute() throws {
        // 1,000 hosts whose TGTs (kvno 3) started at different moments of the last 7 hours all learn kvno 4
        // now (their reads after expiry come within the same 4 minutes): tickets already issued stay valid, so
        // each host's AS exchange comes at its own refresh time.
        let account = try ServiceAccountName("msa-app")
        let plans = (0..<1_000).map { host in
            TicketCachePlan.plan(
                status(age: Double(host) * 25), keyVersion: 4,
                spread: RefreshSpread(host: "host-\(host)", account: account).ticket, now: now)
        }
        #expect(plans.allSatisfy { $0.action == .reacquire })
        let dues = plans.map { max($0.due, now).timeIntervalSince(now) }
        let perMinute = Dictionary(grouping: dues) { Int($0 / 60) }.values.map(\.count)
        #expect(perMinute.max()! <= 20, "busiest minute: \(perMinute.max()!) of 1,000 hosts")
        #expect(dues.max()! - dues.min()! > 6 * 3_600, "spread over \(Int(dues.max()! - dues.min()!)) s")
    }

    @Test func aRenewableTicketIsRenewedTwoToThreeHoursBeforeItsExpiry() {
        let fresh = status(age: 60)
        let earliest = TicketCachePlan.plan(fresh, keyVersion: 3, spread: 0.999, now: now)
        let latest = TicketCachePlan.plan(fresh, keyVersion: 3, spread: 0, now: now)
        #expect(earliest.action == .renew && latest.action == .renew)
        #expect(abs(fresh.expiry.timeIntervalSince(latest.due) - 7_200) < 1, "20 % of 10 h")
        #expect(abs(fresh.expiry.timeIntervalSince(earliest.due) - 10_800) < 5, "30 % of 10 h")
    }

    @Test func nearTheEndOfRenewalANewASExchangeInstead() {
        // Issued 6.8 days ago: renew-until is 0.2 days (4.8 h) after now, the refresh is due ~7.5 h from its
        // start; renewing then would give less than half a lifetime.
        let old = TicketCacheStatus(
            start: now - 60, expiry: now - 60 + 36_000, renewUntil: now + 0.3 * 86_400, keyVersion: 3)
        #expect(TicketCachePlan.plan(old, keyVersion: 3, spread: 0.5, now: now).action == .reacquire)
        let notRenewable = status(age: 60, renewDays: nil)
        #expect(TicketCachePlan.plan(notRenewable, keyVersion: 3, spread: 0.5, now: now).action == .reacquire)
    }

    @Test func shortTicketsKeepAMarginOfFiveMinutesOrHalfTheirLife() {
        let tenMinutes = TicketCacheStatus(start: now, expiry: now + 600, renewUntil: now + 86_400, keyVersion: 3)
        #expect(TicketCachePlan.plan(tenMinutes, keyVersion: 3, spread: 0, now: now).due == now + 300)
        let oneMinute = TicketCacheStatus(start: now, expiry: now + 60, renewUntil: now + 86_400, keyVersion: 3)
        #expect(TicketCachePlan.plan(oneMinute, keyVersion: 3, spread: 0, now: now).due == now + 30)
        // A ticket already past its refresh point is due at once (its due time is in the past).
        #expect(TicketCachePlan.plan(status(age: 30_000), keyVersion: 3, spread: 0.5, now: now).due < now)
    }

    @Test func hostsSpreadTheirRefreshes() throws {
        let account = try ServiceAccountName("msa-app")
        let dues = (0..<200).map { host in
            TicketCachePlan.plan(status(age: 60), keyVersion: 3, spread: RefreshSpread(host: "host-\(host)", account: account).ticket, now: now)
                .due.timeIntervalSince1970
        }
        let spanHours = (dues.max()! - dues.min()!) / 3_600
        #expect(spanHours > 0.9 && spanHours <= 1.0, "200 hosts spread over the hour between 30 % and 20 % left: \(spanHours)")
        // The earlier fractions did not move when the ticket's was added.
        #expect(RefreshSpread(host: "h", account: account).window == RefreshSpread(host: "h", account: account).window)
    }
}
