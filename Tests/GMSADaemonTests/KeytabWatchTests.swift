import Foundation
import GMSACore
import GMSATestSupport
import InMemoryLogging
import Logging
import Testing

@testable import GMSADaemon
@testable import GMSAService

/// The keytab watch makes an account due when its keytab is broken behind the daemon's back, says what was lost,
/// and leaves untouched keytabs alone.
@Suite struct KeytabWatchTests {
    let now = Timestamp(timeIntervalSince1970: 1_800_000_000)
    let schedule = RefreshSchedule(policy: RefreshPolicy(), host: "linuxhost1")

    func setUp() throws -> (TemporaryDirectory, AccountTarget, DaemonState, InMemoryLogHandler) {
        let directory = try TemporaryDirectory()
        let keytab = directory.file("msa-web.keytab")
        FileManager.default.createFile(atPath: keytab, contents: Data(repeating: 5, count: 100))
        let name = try ServiceAccountName("msa-web")
        var account = AccountState(keytab: keytab)
        account.keyVersion = 3
        account.nextFetch = now + 86_400
        account.keytabFingerprint = KeytabFingerprint(path: keytab)
        account.retainedUntil = [2: now + 3_600]
        var state = DaemonState()
        state[name] = account
        let target = AccountTarget(name: name, keytab: keytab, settings: .init(), discovered: false)
        return (directory, target, state, InMemoryLogHandler())
    }

    @Test func anUntouchedKeytabStaysAsScheduled() throws {
        var (directory, target, state, log) = try setUp()
        _ = directory
        var watch = KeytabWatch(logger: Logger(label: "test") { _ in log })
        watch.check([target], state: &state, schedule: schedule, now: now)
        #expect(state[target.name]?.nextFetch == now + 86_400)
        #expect(log.entries.isEmpty)
        #expect(watch.takeRepair(of: target.name) == nil)
    }

    @Test func aDeletedKeytabIsDueNowAndItsLostOldKeysAreNamed() throws {
        var (directory, target, state, log) = try setUp()
        _ = directory
        try FileManager.default.removeItem(atPath: target.keytab)
        var watch = KeytabWatch(logger: Logger(label: "test") { _ in log })
        watch.check([target], state: &state, schedule: schedule, now: now)
        #expect(state[target.name]?.nextFetch == now)
        let entry = try #require(log.entries.first)
        #expect(entry.level == .warning)
        #expect("\(entry.message)".contains("was deleted by something else"))
        #expect("\(entry.message)".contains("retained old kvno 2 were only in that file"))
        #expect(entry.metadata["GMSA_ACCOUNT"] == "msa-web$")
        #expect(watch.takeRepair(of: target.name) == "deleted")
        #expect(watch.takeRepair(of: target.name) == nil, "a repair is reported once")
    }

    @Test func stateRecordedForAnotherPathStartsAfresh() throws {
        var (directory, target, state, log) = try setUp()
        let moved = AccountTarget(name: target.name, keytab: directory.file("elsewhere.keytab"), settings: .init(), discovered: false)
        var watch = KeytabWatch(logger: Logger(label: "test") { _ in log })
        watch.check([moved], state: &state, schedule: schedule, now: now)
        #expect(state[target.name]?.keytab == moved.keytab)
        #expect(state[target.name]?.nextFetch == nil, "a fresh entry is due at once")
        #expect(log.entries.count == 1)
    }
}
