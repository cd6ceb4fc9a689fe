import Foundation
import GMSACore
import GMSATestSupport
import InMemoryLogging
import Logging
import Testing

@testable import GMSADaemon

/// One `on_change` command per account at a time: a second change while it runs starts it again once it ended,
/// not twice at once and not never.
@Suite struct ChangeCommandRunnerTests {
    @Test func aChangeWhileTheCommandRunsStartsItOnceMoreAfterwards() throws {
        let directory = try TemporaryDirectory()
        let counter = directory.file("runs")
        let log = InMemoryLogHandler()
        let runner = ChangeCommandRunner(logger: Logger(label: "test") { _ in log })
        let account = try ServiceAccountName("msa-web")
        // Appends a line, then holds on long enough for the next start to find it running.
        let command = ["/bin/sh", "-c", "echo run >> \(counter); sleep 0.3"]
        runner.start(command, for: account, timeout: .seconds(10))
        runner.start(command, for: account, timeout: .seconds(10))
        runner.start(command, for: account, timeout: .seconds(10))
        #expect(runner.runningCount == 1, "one at a time per account")
        let deadline = ContinuousClock.now + .seconds(10)
        var polls = 0
        while ContinuousClock.now < deadline {
            runner.poll(monotonic: .now)
            polls += 1
            if runner.runningCount == 0 { break }
            usleep(20_000)
        }
        #expect(runner.runningCount == 0)
        let runs = try String(contentsOfFile: counter, encoding: .utf8).split(separator: "\n").count
        #expect(runs == 2, "the two changes during the first run make one more run, not two")
        let finished = log.entries.filter { "\($0.message)".contains("on_change command finished: exit status 0") }
        #expect(finished.count == 2)
    }

    @Test func aProgramThatCannotStartIsLoggedAndNothingStaysRunning() throws {
        let log = InMemoryLogHandler()
        let runner = ChangeCommandRunner(logger: Logger(label: "test") { _ in log })
        runner.start(["/nonexistent/reload"], for: try ServiceAccountName("msa-web"), timeout: .seconds(1))
        #expect(runner.runningCount == 0)
        #expect(log.entries.contains { $0.level == .warning && "\($0.message)".contains("/nonexistent/reload") })
    }
}
