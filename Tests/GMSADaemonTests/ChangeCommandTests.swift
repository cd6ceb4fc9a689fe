import Foundation
import GMSAService
import GMSATestSupport
import Testing

@Suite struct ChangeCommandTests {
    @Test func reportsTheExitStatusWithoutAShell() throws {
        let directory = try TemporaryDirectory()
        let marker = directory.file("ran")
        #expect(ChangeCommand(arguments: ["/usr/bin/touch", marker], timeout: .seconds(5)).run() == .exited(0))
        #expect(FileManager.default.fileExists(atPath: marker))
        #expect(ChangeCommand(arguments: ["false"], timeout: .seconds(5)).run() == .exited(1))
        // No shell: metacharacters are plain arguments.
        #expect(ChangeCommand(arguments: ["/bin/echo", "$(touch \(marker)-injected)"], timeout: .seconds(5)).run() == .exited(0))
        #expect(!FileManager.default.fileExists(atPath: marker + "-injected"))
    }

    @Test func killsACommandThatOutlivesItsTimeout() {
        let started = Date()
        #expect(ChangeCommand(arguments: ["/bin/sleep", "30"], timeout: .seconds(1)).run() == .killedAfterTimeout)
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func aMissingProgramIsReportedNotThrown() {
        let result = ChangeCommand(arguments: ["/nonexistent/reload"], timeout: .seconds(1)).run()
        guard case .couldNotStart = result else {
            Issue.record("expected couldNotStart, got \(result)")
            return
        }
    }

    @Test func aStartedCommandIsPolledNotWaitedForAndKilledPastItsTimeout() throws {
        let started = ContinuousClock.now
        guard case .success(let running) = ChangeCommand(arguments: ["/bin/sleep", "30"], timeout: .seconds(1)).start() else {
            Issue.record("sleep did not start")
            return
        }
        #expect(ContinuousClock.now - started < .seconds(1), "start() returns at once")
        #expect(running.poll() == nil, "still running")
        var result: ChangeCommand.Result?
        while result == nil, ContinuousClock.now - started < .seconds(10) {
            usleep(50_000)
            result = running.poll()
        }
        #expect(result == .killedAfterTimeout)
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
