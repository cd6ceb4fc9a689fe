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

    @Test func theTimeoutKillsWhatTheCommandStartedToo() throws {
        let directory = try TemporaryDirectory()
        let pidFile = directory.file("background")
        // The shell waits for a background sleep; SIGTERM to the shell alone would leave the sleep running.
        let command = ChangeCommand(arguments: ["/bin/sh", "-c", "sleep 30 & echo $! > \(pidFile); wait"], timeout: .seconds(1))
        #expect(command.run() == .killedAfterTimeout)
        let pid = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).filter(\.isNumber)))
        var state: String?
        for _ in 0..<100 {
            // "PID (comm) STATE ...": gone, or a zombie until its new parent reaps it.
            state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)).map { stat in
                String(stat[stat.range(of: ") ")!.upperBound...].prefix(1))
            }
            if state == nil || state == "Z" { break }
            usleep(20_000)
        }
        #expect(state == nil || state == "Z", "the background sleep (pid \(pid)) still runs: state \(state ?? "-")")
    }

    @Test func theCommandGetsDevNullAndNoOtherDescriptor() throws {
        // A descriptor of the daemon that is not close-on-exec must not reach the command.
        let inherited = open("/dev/null", O_RDONLY)
        defer { close(inherited) }
        #expect(inherited > 2)
        let child = try ChildProcess.start("/bin/sleep", arguments: ["/bin/sleep", "30"])
        defer {
            child.signalGroup(SIGKILL)
            _ = child.wait()
        }
        var descriptors: [String] = []
        // The dynamic loader of the new program briefly holds descriptor 3 while it opens the libraries.
        for _ in 0..<50 {
            descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.pid)/fd").sorted().map { number in
                "\(number) \((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(child.pid)/fd/\(number)")) ?? "?")"
            }
            if descriptors.count <= 3 { break }
            usleep(20_000)
        }
        #expect(descriptors == ["0 /dev/null", "1 /dev/null", "2 /dev/null"])
        #expect(getpgid(child.pid) == child.pid, "a process group of its own")
    }
}
