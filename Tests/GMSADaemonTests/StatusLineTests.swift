import GMSACore
import Testing

@testable import GMSADaemon
@testable import GMSAService

/// The status line systemd shows.
@Suite struct StatusLineTests {
    let now = Timestamp(timeIntervalSince1970: 1_800_000_000)

    @Test func healthyAccountsShowTheNextChange() throws {
        let web = try ServiceAccountName("msa-web")
        let db = try ServiceAccountName("msa-db")
        var state = DaemonState()
        for (name, days) in [(web, 12.0), (db, 3.0)] {
            var account = AccountState(keytab: "/k")
            account.lastSuccess = now - 60
            account.passwordExpiry = now + days * 86_400 + 3 * 3_600
            state[name] = account
        }
        #expect(StatusLine.text(accounts: [], state: state, now: now) == "no accounts configured")
        #expect(StatusLine.text(accounts: [web, db], state: state, now: now) == "2 account(s) current, next change msa-db$ in 3d 3h")
    }

    @Test func failingAccountsAreNamedWithTheirRetry() throws {
        let web = try ServiceAccountName("msa-web")
        let db = try ServiceAccountName("msa-db")
        var state = DaemonState()
        var healthy = AccountState(keytab: "/k")
        healthy.lastSuccess = now - 60
        state[web] = healthy
        var failing = AccountState(keytab: "/k2")
        failing.lastError = "no DC"
        failing.nextFetch = now + 90
        state[db] = failing
        #expect(StatusLine.text(accounts: [web, db], state: state, now: now) == "1 of 2 account(s) current; failing: msa-db$ (retry in 1m 30s)")
    }
}
