import Foundation
import GMSACore
import GMSADaemon
import GMSAService
import GMSATestSupport
import InMemoryLogging
import Logging
import Testing

/// The engine's own decisions, without a directory: the DC it is pointed at does not exist, so every read
/// fails fast and the tests look at what the engine does about time and failures.
@Suite struct RefreshEngineTests {
    let directory: TemporaryDirectory
    let configuration: Configuration
    let log = InMemoryLogHandler()

    init() throws {
        directory = try TemporaryDirectory()
        let text = UnreachableDomain.configuration(in: directory)
        configuration = try ConfigurationLoader(userID: { _ in nil }, groupID: { _ in nil }).parse(text, path: "test.toml")
    }

    func engine() throws -> RefreshEngine {
        var logger = Logger(label: "test") { _ in log }
        logger.logLevel = .debug
        return try RefreshEngine(configuration: configuration, logger: logger, random: { $0.lowerBound })
    }

    @Test func aFailedReadIsRetriedWithBackoffAndKeepsNoKeytab() throws {
        let engine = try engine()
        let now = Timestamp(timeIntervalSince1970: 1_800_000_000)
        let status = engine.tick(now: now, monotonic: .now)
        #expect(status.contains("0 of 1 account(s) current"))
        #expect(status.contains("failing: msa-web$"))
        let state = try #require(engine.state[try ServiceAccountName("msa-web$")])
        #expect(state.consecutiveFailures == 1)
        #expect(state.lastError?.contains("host authentication failed") == true)
        #expect(state.nextFetch == now + 15, "first retry after 30 s × 0.5 (lowest jitter)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("msa-web.keytab")))
        #expect(log.entries.contains { $0.level == .error && $0.metadata[JournalField.messageID] == "\(JournalField.MessageID.refreshFailed)" })
        // The state file was written and says the same.
        let saved = try String(contentsOfFile: directory.file("state/state.json"), encoding: .utf8)
        #expect(saved.contains("\"consecutiveFailures\": 1"))
    }

    @Test func aStartRemovesWhatAKilledWriterLeftBesideTheKeytabs() throws {
        let leftover = directory.file(".gmsa-keytabd.Xy12Zw")
        try FileManager.default.createDirectory(atPath: leftover, withIntermediateDirectories: false)
        FileManager.default.createFile(atPath: leftover + "/keytab", contents: Data("partial".utf8))
        _ = try engine()
        #expect(!FileManager.default.fileExists(atPath: leftover))
        #expect(log.entries.contains { "\($0.message)".contains("removed 1 temporary directory left by an interrupted keytab write") })
    }

    @Test func nothingIsReadBeforeTheRetryIsDue() throws {
        let engine = try engine()
        let now = Timestamp(timeIntervalSince1970: 1_800_000_000)
        let monotonic = ContinuousClock.now
        engine.tick(now: now, monotonic: monotonic)
        engine.tick(now: now + 5, monotonic: monotonic + .seconds(5))
        #expect(engine.state[try ServiceAccountName("msa-web$")]?.consecutiveFailures == 1, "no attempt 5 s later")
        engine.tick(now: now + 16, monotonic: monotonic + .seconds(16))
        #expect(engine.state[try ServiceAccountName("msa-web$")]?.consecutiveFailures == 2, "the retry was due")
    }

    @Test func aWallClockStepMakesItReplan() throws {
        let engine = try engine()
        let now = Timestamp(timeIntervalSince1970: 1_800_000_000)
        let monotonic = ContinuousClock.now
        engine.tick(now: now, monotonic: monotonic)
        // 5 s pass on the monotonic clock but the wall clock jumps a day ahead (NTP step, resume).
        engine.tick(now: now + 86_405, monotonic: monotonic + .seconds(5))
        #expect(log.entries.contains { "\($0.message)".contains("the wall clock stepped by 86400 s") })
        // A normal tick is not a step.
        log.clear()
        engine.tick(now: now + 86_410, monotonic: monotonic + .seconds(10))
        #expect(!log.entries.contains { "\($0.message)".contains("stepped") })
    }
}

/// The state file is a schedule cache: it never keeps an account from being read when the keytab on disk or
/// the configuration disagree with it. Every engine's first tick is a full pass (it fails here: no DC); what
/// matters is whether the account is read again at the second tick, 5 s later, long before its retry is due.
@Suite struct StateVersusRealityTests {
    let directory: TemporaryDirectory
    let log = InMemoryLogHandler()
    let name: ServiceAccountName
    let now = Timestamp(timeIntervalSince1970: 1_800_000_000)

    init() throws {
        directory = try TemporaryDirectory()
        name = try ServiceAccountName("msa-web$")
    }

    func configuration(accounts: [String]) throws -> Configuration {
        try ConfigurationLoader(userID: { _ in nil }, groupID: { _ in nil })
            .parse(UnreachableDomain.configuration(in: directory, accounts: accounts), path: "test.toml")
    }

    /// An engine for `accounts`, with `seed` as the state file's entry for msa-web$.
    func engine(accounts: [String] = ["msa-web"], seed: AccountState) throws -> RefreshEngine {
        var state = DaemonState()
        state[name] = seed
        try FileManager.default.createDirectory(atPath: directory.file("state"), withIntermediateDirectories: true)
        try Data(state.json()).write(to: URL(fileURLWithPath: directory.file("state/state.json")))
        var logger = Logger(label: "test") { _ in log }
        logger.logLevel = .debug
        return try RefreshEngine(configuration: configuration(accounts: accounts), logger: logger, random: { $0.lowerBound })
    }

    /// A healthy entry whose next read is a month away.
    func healthy(keytab: String) -> AccountState {
        var state = AccountState(keytab: keytab)
        state.keyVersion = 2
        state.lastSuccess = now - 60
        state.nextFetch = now + 30 * 86_400
        state.nextProbe = now + 3_600
        return state
    }

    /// A 100-byte stand-in keytab and a healthy entry that fingerprinted it.
    func writtenKeytab() throws -> (path: String, seed: AccountState) {
        let keytab = directory.file("msa-web.keytab")
        FileManager.default.createFile(atPath: keytab, contents: Data(repeating: 5, count: 100))
        var seed = healthy(keytab: keytab)
        seed.keytabFingerprint = KeytabFingerprint(path: keytab)
        seed.retainedUntil = [1: now + 3_600]
        return (keytab, seed)
    }

    func secondTick(_ engine: RefreshEngine) {
        let monotonic = ContinuousClock.now
        engine.tick(now: now, monotonic: monotonic)
        engine.tick(now: now + 5, monotonic: monotonic + .seconds(5))
    }

    @Test func anAccountWhoseEntryNamesAnotherKeytabIsReadWhenItIsAdded() throws {
        // sync -c other.toml recorded msa-web$ with another keytab; the daemon then gets msa-web$ by a reload.
        let engine = try engine(accounts: ["msa-svc1"], seed: healthy(keytab: "/somewhere/else.keytab"))
        engine.tick(now: now, monotonic: .now)
        engine.reload(try configuration(accounts: ["msa-svc1", "msa-web"]))
        engine.tick(now: now + 5, monotonic: .now + .seconds(5))
        let state = try #require(engine.state[name])
        #expect(state.keytab == directory.file("msa-web.keytab"))
        #expect(state.lastAttempt == now + 5, "read at once, not in 30 days")
    }

    @Test func aKeytabDeletedBehindTheDaemonsBackIsReadAgain() throws {
        let (keytab, seed) = try writtenKeytab()
        let engine = try engine(seed: seed)
        engine.tick(now: now, monotonic: .now)
        try FileManager.default.removeItem(atPath: keytab)
        engine.tick(now: now + 5, monotonic: .now + .seconds(5))
        #expect(engine.state[name]?.lastAttempt == now + 5, "read at once to repair the keytab")
        let warning = try #require(log.entries.first { "\($0.message)".contains("was deleted by something else") })
        #expect(warning.level == .warning)
        #expect("\(warning.message)".contains("retained old kvno 1 were only in that file"))
    }

    @Test func aKeytabGivenOtherPermissionsIsReadAgainAndKeepsItsRetainedKeys() throws {
        let (keytab, seed) = try writtenKeytab()
        let engine = try engine(seed: seed)
        engine.tick(now: now, monotonic: .now)
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: keytab)
        engine.tick(now: now + 5, monotonic: .now + .seconds(5))
        #expect(engine.state[name]?.lastAttempt == now + 5)
        #expect(log.entries.contains { "\($0.message)".contains("was given other permissions (") })
        #expect(engine.state[name]?.retainedUntil.keys.sorted() == [1], "the bytes are intact: retained keys are still in the file")
    }

    @Test func anUntouchedKeytabWaitsForItsRetry() throws {
        let (_, seed) = try writtenKeytab()
        let engine = try engine(seed: seed)
        secondTick(engine)
        #expect(engine.state[name]?.lastAttempt == now, "only the start's full pass; the retry is due at +15 s")
        #expect(!log.entries.contains { "\($0.message)".contains("by something else") })
    }
}

@Suite struct StateFileTests {
    @Test func entriesOfAccountsNoLongerHandledAreDroppedOnceNothingIsRetained() throws {
        let now = Timestamp(timeIntervalSince1970: 1_800_000_000)
        var state = DaemonState()
        let kept = try ServiceAccountName("msa-web$")
        let gone = try ServiceAccountName("msa-old$")
        let retaining = try ServiceAccountName("msa-retaining$")
        state[kept] = AccountState(keytab: "/k/web.keytab")
        state[gone] = AccountState(keytab: "/k/old.keytab")
        var entry = AccountState(keytab: "/k/retaining.keytab")
        entry.retainedUntil = [3: now + 60, 2: now - 60]
        state[retaining] = entry
        state.prune(keeping: [kept], now: now)
        #expect(state.accounts.keys.sorted() == ["msa-retaining$", "msa-web$"])
        state.prune(keeping: [kept], now: now + 61)
        #expect(state.accounts.keys.sorted() == ["msa-web$"])
    }

    @Test func theStateFileIsRewrittenOnlyWhenTheStateChanged() throws {
        let directory = try TemporaryDirectory()
        let text = UnreachableDomain.configuration(in: directory)
        let configuration = try ConfigurationLoader(userID: { _ in nil }, groupID: { _ in nil }).parse(text, path: "test.toml")
        let engine = try RefreshEngine(configuration: configuration, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let now = Timestamp(timeIntervalSince1970: 1_800_000_000)
        let monotonic = ContinuousClock.now
        let file = directory.file("state/state.json")
        func inode() throws -> Int? { try FileManager.default.attributesOfItem(atPath: file)[.systemFileNumber] as? Int }
        engine.tick(now: now, monotonic: monotonic)
        let first = try inode()
        // Nothing is due 5 s later (the retry waits 15 s or more): the file is not replaced.
        engine.tick(now: now + 5, monotonic: monotonic + .seconds(5))
        #expect(try inode() == first)
        // The retry fails again: the failure count changes, so the file is replaced (atomically: a new inode).
        engine.tick(now: now + 60, monotonic: monotonic + .seconds(60))
        #expect(try inode() != first)
    }
}
