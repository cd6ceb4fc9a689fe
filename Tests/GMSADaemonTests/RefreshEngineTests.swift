import Foundation
import GMSACore
import GMSADaemon
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
        let text = """
            [domain]
            realm = "UNREACHABLE.TEST"
            servers = ["127.0.0.1"]
            [host]
            keytab = "\(directory.file("missing-host.keytab"))"
            [daemon]
            state_directory = "\(directory.file("state"))"
            [[account]]
            name = "msa-web$"
            keytab = "\(directory.file("msa-web.keytab"))"
            """
        configuration = try ConfigurationLoader(userID: { _ in nil }, groupID: { _ in nil }).parse(text, path: "test.toml")
    }

    func engine() throws -> RefreshEngine {
        var logger = Logger(label: "test") { _ in log }
        logger.logLevel = .debug
        return try RefreshEngine(configuration: configuration, logger: logger, random: { $0.lowerBound })
    }

    @Test func aFailedReadIsRetriedWithBackoffAndKeepsNoKeytab() throws {
        let engine = try engine()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
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
        #expect(saved.contains("\"consecutiveFailures\" : 1"))
    }

    @Test func nothingIsReadBeforeTheRetryIsDue() throws {
        let engine = try engine()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let monotonic = ContinuousClock.now
        engine.tick(now: now, monotonic: monotonic)
        engine.tick(now: now + 5, monotonic: monotonic + .seconds(5))
        #expect(engine.state[try ServiceAccountName("msa-web$")]?.consecutiveFailures == 1, "no attempt 5 s later")
        engine.tick(now: now + 16, monotonic: monotonic + .seconds(16))
        #expect(engine.state[try ServiceAccountName("msa-web$")]?.consecutiveFailures == 2, "the retry was due")
    }

    @Test func aWallClockStepMakesItReplan() throws {
        let engine = try engine()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
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
