import Foundation
import GMSATestSupport
import Testing

/// `sync` and `run` never write the same keytabs and state at once: `sync` refuses while the daemon runs and
/// waits for another `sync`.
@Suite(.enabled(if: ProgramRun.which("flock") != nil, "needs flock(1) from util-linux"))
struct StateLockTests {
    let directory: TemporaryDirectory
    let config: String
    let state: String

    init() throws {
        directory = try TemporaryDirectory()
        state = directory.file("state")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: false)
        config = directory.file("gmsa-keytabd.toml")
        FileManager.default.createFile(atPath: config, contents: Data(UnreachableDomain.configuration(in: directory).utf8))
    }

    /// Another process holding the state directory's lock for `seconds`.
    func holdLock(seconds: Int) throws -> Process {
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: try #require(ProgramRun.which("flock")))
        holder.arguments = ["--exclusive", state, "sleep", "\(seconds)"]
        try holder.run()
        // flock(1) takes the lock before it starts sleep.
        #expect(eventually(timeout: 5) { (try? ProgramRun.run("/usr/bin/flock", ["--nonblock", state, "true"]).status) == 1 })
        return holder
    }

    @Test func syncRefusesWhileTheDaemonRuns() throws {
        let holder = try holdLock(seconds: 30)
        defer { holder.terminate() }
        // The holder stands for the daemon: its pid is in the pid file.
        try "\(holder.processIdentifier)\n".write(toFile: state + "/gmsa-keytabd.pid", atomically: true, encoding: .utf8)
        let run = try ProgramRun.run(ProgramRun.gmsaKeytabd, ["sync", "-c", config])
        #expect(run.status == 75, "\(run.standardError)")
        #expect(run.standardError.contains("daemon (pid \(holder.processIdentifier)) is running"), "\(run.standardError)")
        #expect(run.standardError.contains("gmsa-keytabd refresh"))
        #expect(!run.standardError.contains("host authentication"), "it stopped before contacting anything")
    }

    @Test func aSecondSyncWaitsForTheFirst() throws {
        let holder = try holdLock(seconds: 2)
        let started = Date()
        let run = try ProgramRun.run(ProgramRun.gmsaKeytabd, ["sync", "-c", config])
        let waited = Date().timeIntervalSince(started)
        holder.waitUntilExit()
        #expect(run.standardError.contains("waiting for another 'gmsa-keytabd sync'"), "\(run.standardError)")
        #expect(waited >= 1, "it waited for the lock (\(waited) s)")
        #expect(run.status == 69, "then it went on (and found no DC here): \(run.standardError)")
    }
}
