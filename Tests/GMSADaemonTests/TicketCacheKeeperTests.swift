import Foundation
import GMSACore
import GMSAKerberos
import GMSATestSupport
import InMemoryLogging
import Logging
import Testing

@testable import GMSADaemon
@testable import GMSAService

/// A KDC and cache files without libkrb5: a cache is a file holding one line (the ticket's times live here), an
/// AS exchange or a renewal writes it with the owner and mode asked for.
final class FakeTicketCaches: TicketCacheOperations {
    var now: Int64
    var lifetime: Int64 = 36_000
    var renewLifetime: Int64 = 7 * 86_400
    /// The ticket each cache file holds.
    var tickets: [String: TicketCacheInfo] = [:]
    var calls: [String] = []
    /// Thrown by the next AS exchanges or renewals, when set.
    var failure: KerberosError?
    /// The key version the KDC takes (a fallback to it, as after a rollover it has not seen yet).
    var kdcKeyVersion: UInt32?
    let principal: String

    init(now: Timestamp, principal: String) {
        self.now = Int64(now.timeIntervalSince1970)
        self.principal = principal
    }

    func inspect(_ path: String) throws(KerberosError) -> TicketCacheInfo? {
        calls.append("inspect")
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        guard String(decoding: data, as: UTF8.self) == "cache\n", let ticket = tickets[path] else {
            throw KerberosError(.library(-1765328189), "cannot read ticket cache \(path): damaged")
        }
        return ticket
    }

    func acquire(
        for principal: String, keytab: String, keyVersion: UInt32, writingTo path: String, options: TicketCacheFileOptions
    ) throws(KerberosError) -> (info: TicketCacheInfo, keyVersion: UInt32) {
        calls.append("acquire \(keyVersion)")
        if let failure { throw failure }
        let info = TicketCacheInfo(
            client: principal, server: "krbtgt/COMPANY.TEST@COMPANY.TEST", start: now, expiry: now + lifetime,
            renewUntil: now + renewLifetime)
        try write(info, to: path, options: options)
        return (info, kdcKeyVersion ?? keyVersion)
    }

    func renew(_ path: String, options: TicketCacheFileOptions) throws(KerberosError) -> TicketCacheInfo {
        calls.append("renew")
        if let failure { throw failure }
        guard var info = tickets[path] else { throw KerberosError(.invalidArgument, "gone") }
        info.start = now
        info.expiry = min(now + lifetime, info.renewUntil ?? now)
        try write(info, to: path, options: options)
        return info
    }

    func remove(_ path: String) throws(KerberosError) -> Bool {
        calls.append("remove")
        tickets[path] = nil
        return unlink(path) == 0
    }

    private func write(_ info: TicketCacheInfo, to path: String, options: TicketCacheFileOptions) throws(KerberosError) {
        let temporary = path + ".new"
        FileManager.default.createFile(atPath: temporary, contents: Data("cache\n".utf8))
        chmod(temporary, mode_t(options.mode))
        rename(temporary, path)
        tickets[path] = info
    }
}

/// The cache keeper against a fake KDC: first write once the keys exist, no read of an unchanged cache,
/// renewal when due, repair, re-acquisition after a rollover, backoff, and removal at expiry after authorization
/// is revoked or the account is no longer configured, each logged with its MESSAGE_ID, GMSA_CCACHE and
/// TICKET_EXPIRES.
@Suite struct TicketCacheKeeperTests {
    let start = Timestamp(timeIntervalSince1970: 1_800_000_000)
    let directory: TemporaryDirectory
    let name: ServiceAccountName
    let target: AccountTarget
    let log = InMemoryLogHandler()
    let fake: FakeTicketCaches
    var keeper: TicketCacheKeeper
    var state = DaemonState()

    init() throws {
        directory = try TemporaryDirectory()
        name = try ServiceAccountName("msa-app")
        let keytab = directory.file("keys/msa-app.keytab")
        target = AccountTarget(
            name: name, keytab: keytab, settings: .init(), keytabIsPrivate: true,
            ticketCache: .init(path: directory.file("msa-app.ccache"), mode: 0o640), discovered: false)
        fake = FakeTicketCaches(now: start, principal: "msa-app$@COMPANY.TEST")
        keeper = TicketCacheKeeper(logger: Logger(label: "test") { [log] _ in log }, operations: fake)
    }

    var cache: String { target.ticketCache?.path ?? "" }

    /// The account as after its first read: kvno and keys written.
    mutating func keysWritten(keyVersion: UInt32 = 3) {
        var account = state[name] ?? AccountState(keytab: target.keytab)
        account.keyVersion = keyVersion
        account.keytabFingerprint = KeytabFingerprint(
            device: 1, inode: 1, size: 1, modifiedSeconds: 0, modifiedNanoseconds: 0, owner: 0, group: 0, mode: 0o100600)
        state[name] = account
    }

    mutating func tick(at time: Timestamp, targets: [AccountTarget]? = nil) {
        fake.now = Int64(time.timeIntervalSince1970)
        keeper.keep(targets ?? [target], realm: "COMPANY.TEST", state: &state, spread: { _ in 0.5 }, now: time)
    }

    func entries(_ id: String) -> [InMemoryLogHandler.Entry] {
        log.entries.filter { $0.metadata["MESSAGE_ID"] == "\(id)" }
    }

    @Test mutating func theFirstCacheIsWrittenOnceTheKeysAreAndAnUnchangedOneIsNotReadAgain() throws {
        tick(at: start)
        #expect(fake.calls.isEmpty, "no keys yet: nothing to get a ticket with")
        keysWritten()
        tick(at: start)
        #expect(fake.calls == ["acquire 3"])
        let written = try #require(entries(JournalField.MessageID.ticketCacheAcquired).first)
        #expect(written.level == .notice)
        #expect("\(written.message)".contains("msa-app$: ticket cache \(cache) written"))
        #expect(written.metadata["GMSA_CCACHE"] == "\(cache)" && written.metadata["GMSA_ACCOUNT"] == "msa-app$")
        #expect(written.metadata["TICKET_EXPIRES"] == "\(UTCTimestamp.format(start + 36_000))")
        #expect(written.metadata["KVNO"] == "3")
        #expect(try FileManager.default.attributesOfItem(atPath: cache)[.posixPermissions] as? Int == 0o640)
        #expect(state[name]?.ticketCache?.keyVersion == 3)
        fake.calls = []
        for minute in 1...60 { tick(at: start + Double(minute * 60)) }
        #expect(fake.calls.isEmpty, "an unchanged cache is neither read nor refreshed: \(fake.calls)")
    }

    @Test mutating func aCacheIsRenewedWhenDueNotBefore() throws {
        keysWritten()
        tick(at: start)
        // 10 h ticket, spread 0.5: refreshed 2.5 h before expiry.
        tick(at: start + 26_000)
        #expect(fake.calls == ["acquire 3"])
        tick(at: start + 27_000)
        #expect(fake.calls == ["acquire 3", "renew"])
        let renewed = try #require(entries(JournalField.MessageID.ticketCacheRenewed).first)
        #expect(renewed.metadata["TICKET_EXPIRES"] == "\(UTCTimestamp.format(start + 27_000 + 36_000))")
        #expect(renewed.metadata["KVNO"] == nil)
        #expect("\(renewed.message)".contains("renewed, ticket valid until"))
        #expect(state[name]?.ticketCache?.keyVersion == 3, "a renewal keeps the kvno the AS exchange used")
    }

    @Test mutating func aDeletedOrReownedCacheIsRepairedAtTheNextTick() throws {
        keysWritten()
        tick(at: start)
        try FileManager.default.removeItem(atPath: cache)
        tick(at: start + 5)
        let deleted = try #require(entries(JournalField.MessageID.ticketCacheRepaired).first)
        #expect("\(deleted.message)".contains("repaired (it was deleted)"))
        chmod(cache, 0o644)
        tick(at: start + 10)
        let chmodded = try #require(entries(JournalField.MessageID.ticketCacheRepaired).last)
        #expect("\(chmodded.message)".contains("mode 0644, not 0640"))
        #expect(try FileManager.default.attributesOfItem(atPath: cache)[.posixPermissions] as? Int == 0o640)
        FileManager.default.createFile(atPath: cache, contents: Data("garbage".utf8), attributes: [.posixPermissions: 0o640])
        tick(at: start + 15)
        #expect("\(try #require(entries(JournalField.MessageID.ticketCacheRepaired).last).message)".contains("unreadable"))
        #expect(fake.calls.filter { $0.hasPrefix("acquire") }.count == 4)
    }

    @Test mutating func aRolloverMakesTheNextRefreshANewTicketWithTheNewKey() throws {
        keysWritten(keyVersion: 3)
        tick(at: start)
        keysWritten(keyVersion: 4)
        // Tickets already issued stay valid: no AS exchange at once (TicketCachePlan, the fleet's peak).
        tick(at: start + 60)
        #expect(fake.calls == ["acquire 3"])
        // At the refresh time (10 h ticket, spread 0.5: 2.5 h before expiry), a new AS exchange, not a renewal;
        // the KDC has not switched yet, so the old key gets the ticket.
        fake.kdcKeyVersion = 3
        tick(at: start + 27_000)
        #expect(fake.calls == ["acquire 3", "acquire 4"])
        #expect(state[name]?.ticketCache?.keyVersion == 3)
        tick(at: start + 27_060)
        #expect(fake.calls.count == 2, "no new try at each tick")
        // Its refresh is a new AS exchange again, and the new key works now.
        fake.kdcKeyVersion = nil
        tick(at: start + 27_000 + 27_000)
        #expect(fake.calls == ["acquire 3", "acquire 4", "acquire 4"])
        #expect(state[name]?.ticketCache?.keyVersion == 4)
        let reacquired = try #require(entries(JournalField.MessageID.ticketCacheAcquired).last)
        #expect("\(reacquired.message)".contains("re-acquired (the password changed (kvno 3 to 4)), ticket valid until"))
        #expect(reacquired.metadata["KVNO"] == "4")
        tick(at: start + 27_000 + 27_060)
        #expect(fake.calls.count == 3)
    }

    @Test mutating func failuresBackOffButAValidTicketGetsATryBeforeItExpires() throws {
        keysWritten()
        tick(at: start)
        fake.failure = KerberosError(.library(-1765328228), "cannot contact any KDC for realm 'COMPANY.TEST'")
        let due = start + 27_000
        tick(at: due)
        let failed = try #require(entries(JournalField.MessageID.ticketCacheFailed).first)
        #expect(failed.level == .warning, "the ticket is still valid")
        #expect("\(failed.message)".contains("not refreshed (1 in a row): cannot contact any KDC"))
        #expect("\(failed.message)".contains("next try \(UTCTimestamp.format(due + 60))"))
        #expect(failed.metadata["GMSA_CCACHE"] == "\(cache)" && failed.metadata["TICKET_EXPIRES"] != nil)
        tick(at: due + 30)
        #expect(fake.calls.count == 2, "not before the retry time")
        var time = due
        while let retry = state[name]?.ticketCache?.retryAt, retry < start + 36_000, time < start + 40_000 {
            time = retry
            tick(at: time)
        }
        // 1, 2, 4, 8, 16, 32, 60 min, then a minute before the expiry: 9 tries in all.
        #expect(fake.calls.filter { $0 == "renew" }.count == 9, "\(fake.calls)")
        #expect(time == start + 36_000 - 60)
        let retry = try #require(state[name]?.ticketCache?.retryAt)
        #expect(retry == time + 3600)
        fake.failure = nil
        tick(at: retry)
        #expect(fake.calls.last == "acquire 3", "the ticket expired: a new one from the keys")
        #expect(state[name]?.ticketCache?.consecutiveFailures == 0)
        #expect(state[name]?.ticketCache?.lastError == nil)
    }

    @Test mutating func anUnreachableKDCIsAskedOncePerTick() throws {
        let other = AccountTarget(
            name: try ServiceAccountName("msa-two"), keytab: directory.file("two.keytab"), settings: .init(),
            ticketCache: .init(path: directory.file("two.ccache")), discovered: false)
        keysWritten()
        var account = AccountState(keytab: other.keytab)
        account.keyVersion = 2
        account.keytabFingerprint = state[name]?.keytabFingerprint
        state[other.name] = account
        fake.failure = KerberosError(.library(-1765328228), "cannot contact any KDC for realm 'COMPANY.TEST'")
        tick(at: start, targets: [target, other])
        #expect(fake.calls == ["acquire 3"])
        #expect(state[other.name]?.ticketCache?.consecutiveFailures == 1)
        #expect(entries(JournalField.MessageID.ticketCacheFailed).count == 2)
        #expect(entries(JournalField.MessageID.ticketCacheFailed).allSatisfy { $0.level == .error })
    }

    @Test mutating func aRevokedAccountsCacheStaysUntilItExpiresThenIsRemoved() throws {
        keysWritten()
        tick(at: start)
        keeper.record(AccountReport(account: name, keytab: target.keytab, outcome: .notReadable), state: &state)
        #expect(state[name]?.ticketCache?.withheld == "this host may no longer read the account")
        tick(at: start + 30_000)
        #expect(fake.calls == ["acquire 3"], "not renewed")
        #expect(FileManager.default.fileExists(atPath: cache))
        tick(at: start + 36_000)
        #expect(!FileManager.default.fileExists(atPath: cache))
        let removed = try #require(entries(JournalField.MessageID.ticketCacheRemoved).first)
        #expect("\(removed.message)".contains("removed: this host may no longer read the account and its ticket expired"))
        #expect(removed.metadata["GMSA_CCACHE"] == "\(cache)")
        tick(at: start + 36_005)
        #expect(entries(JournalField.MessageID.ticketCacheRemoved).count == 1)
        // Readable again: a new ticket at once.
        keeper.record(AccountReport(account: name, keytab: target.keytab, outcome: .written), state: &state)
        tick(at: start + 36_010)
        #expect(fake.calls.last == "acquire 3")
    }

    @Test mutating func aCacheOfAnAccountNoLongerConfiguredIsRemovedAtExpiry() throws {
        keysWritten()
        tick(at: start)
        tick(at: start + 35_000, targets: [])
        #expect(FileManager.default.fileExists(atPath: cache))
        tick(at: start + 36_000, targets: [])
        #expect(!FileManager.default.fileExists(atPath: cache))
        #expect("\(try #require(entries(JournalField.MessageID.ticketCacheRemoved).first).message)".contains("no longer configured"))
    }

    @Test mutating func aDaemonStartedAfterTheCacheWasUnconfiguredRemovesItAtExpiry() throws {
        keysWritten()
        tick(at: start)
        #expect(state[name]?.ticketCache?.path == cache)
        // A new daemon (nothing seen in memory) whose configuration no longer names the cache.
        keeper = TicketCacheKeeper(logger: Logger(label: "test") { [log] _ in log }, operations: fake)
        tick(at: start + 35_000, targets: [])
        #expect(FileManager.default.fileExists(atPath: cache), "its ticket is still valid")
        tick(at: start + 36_000, targets: [])
        #expect(!FileManager.default.fileExists(atPath: cache))
        #expect("\(try #require(entries(JournalField.MessageID.ticketCacheRemoved).first).message)".contains("no longer configured"))
    }

    @Test func theStateFileKeepsWhatTheCacheCannotSay() throws {
        var state = DaemonState()
        var account = AccountState(keytab: "/k")
        var cache = TicketCacheState(keyVersion: 7)
        cache.consecutiveFailures = 2
        cache.retryAt = start
        cache.lastError = "no KDC"
        cache.withheld = "the account is gone"
        cache.path = "/run/gmsa-keytabd/msa-app.ccache"
        account.ticketCache = cache
        state[name] = account
        #expect(try DaemonState(json: state.json()) == state)
    }

    @Test func retriesDoubleFromAMinuteToAnHourAndStopAMinuteBeforeExpiry() {
        let delays = (1...9).map { TicketCacheState.retry(afterFailures: $0, now: start, expiry: nil).timeIntervalSince(start) }
        #expect(delays == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600])
        #expect(TicketCacheState.retry(afterFailures: 7, now: start, expiry: start + 600) == start + 540)
        #expect(TicketCacheState.retry(afterFailures: 1, now: start, expiry: start + 30) == start + 60)
    }
}
