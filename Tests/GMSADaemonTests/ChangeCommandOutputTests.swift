import GMSACore
import GMSADaemon
import GMSAService
import InMemoryLogging
import Logging
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ChangeCommandOutputTests {
    /// What a command's sink received, in order.
    final class Received: Sendable {
        let events = Mutex<[(stream: ChangeCommandOutput.Stream, event: ChangeCommandOutput.Event)]>([])
        var sink: ChangeCommandOutput.Sink { { [self] stream, event in events.withLock { $0.append((stream, event)) } } }
        func of(_ stream: ChangeCommandOutput.Stream) -> [ChangeCommandOutput.Event] {
            events.withLock { $0.filter { $0.stream == stream }.map(\.event) }
        }
    }

    @Test func eachLineReachesTheJournalTaggedWithAccountAndStreamBeforeTheExitStatus() throws {
        let log = InMemoryLogHandler()
        let arguments = ["/bin/sh", "-c", "echo out; echo err >&2; exit 3"]
        let account = try ServiceAccountName("msa-web")
        let journal = ChangeCommandLog(account: account, arguments: arguments, logger: Logger(label: "test") { _ in log })
        let result = ChangeCommand(arguments: arguments, timeout: .seconds(10)).run(output: journal.sink)
        journal.result(result)

        #expect(result == .exited(3))
        let entries = log.entries
        #expect(entries.count == 3, "\(entries.map(\.message))")
        let stdout = try #require(entries.first { $0.metadata["GMSA_HOOK_STREAM"] == "stdout" })
        #expect(stdout.message == "on_change: out" && stdout.level == .info)
        #expect(stdout.metadata["GMSA_ACCOUNT"] == "msa-web$")
        let stderr = try #require(entries.first { $0.metadata["GMSA_HOOK_STREAM"] == "stderr" })
        #expect(stderr.message == "on_change: err" && stderr.level == .warning)
        #expect(stderr.metadata["GMSA_ACCOUNT"] == "msa-web$")
        let last = try #require(entries.last)
        #expect(last.message == "msa-web$: on_change command /bin/sh -c echo out; echo err >&2; exit 3 failed: exit status 3")
        #expect(last.level == .warning && last.metadata["GMSA_ACCOUNT"] == "msa-web$")
        // journald drops lower-case field names.
        #expect(JournalField.name(for: JournalField.hookStream) == "GMSA_HOOK_STREAM")
    }

    @Test func aCommandWritingAMebibyteIsNeverStalledAndIsTruncated() throws {
        let received = Received()
        let script = "yes 0123456789 | head -c 1048576; yes abcdefghij | head -c 1048576 >&2; echo end"
        let started = ContinuousClock.now
        guard case .success(let running) = ChangeCommand(arguments: ["/bin/sh", "-c", script], timeout: .seconds(30))
            .start(output: received.sink)
        else {
            Issue.record("sh did not start")
            return
        }
        // Nobody polls for a while, as between two ticks: the reading thread must keep the pipes drained.
        var result: ChangeCommand.Result?
        for _ in 0..<150 where result == nil {
            usleep(20_000)
            if ContinuousClock.now - started > .seconds(2) { result = running.poll() }
        }
        #expect(result == .exited(0), "the command was still blocked on a full pipe after 3 s")

        let all = received.events.withLock { $0.map(\.event) }
        #expect(all.filter { $0 == .truncated }.count == 1)
        #expect(all.last == .truncated, "nothing is reported after the truncation")
        let lines = all.filter { if case .line = $0 { true } else { false } }
        #expect(lines.count == ChangeCommandOutput.totalLimit / 11, "64 KiB of 11-byte lines")
        #expect(lines.first == .line("0123456789"))
    }

    @Test func aLongLineIsCutAtAUTF8BoundaryAndBadBytesAreReplaced() throws {
        let received = Received()
        // 4095 ASCII bytes, then a 2-byte character across the 4096-byte limit, then more of the same line.
        let script = "head -c 4095 /dev/zero | tr '\\000' a; printf '\\303\\251%s\\n' tail; printf 'bad \\377 byte\\r\\n'; printf last"
        let result = ChangeCommand(arguments: ["/bin/sh", "-c", script], timeout: .seconds(10)).run(output: received.sink)
        #expect(result == .exited(0))
        #expect(received.of(.standardOutput) == [
            .cutLine(String(repeating: "a", count: 4095)), .line("bad \u{FFFD} byte"), .line("last"),
        ])
        #expect(received.of(.standardError).isEmpty)
    }

    @Test func aBackgroundProcessHoldingThePipesDoesNotHoldUpTheResult() throws {
        let received = Received()
        let started = ContinuousClock.now
        let result = ChangeCommand(arguments: ["/bin/sh", "-c", "sleep 3 & echo started"], timeout: .seconds(10)).run(output: received.sink)
        #expect(result == .exited(0))
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(received.of(.standardOutput) == [.line("started")])
    }
}
