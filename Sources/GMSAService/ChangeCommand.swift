import GMSACore

#if canImport(Glibc)
import Glibc
#endif

/// Runs an account's `on_change` command after its keytab really changed.
///
/// The command is an argv list run directly (no shell, ``ChildProcess``), with standard input from `/dev/null`;
/// its standard output and error go to pipes read line by line (``ChangeCommandOutput``) and handed to the
/// caller's sink. When it outlives the timeout its process group is killed (SIGTERM, then SIGKILL a second
/// later), so what it started goes too. The daemon ``start(output:)``s it and ``Running/poll(now:)``s it from
/// later ticks, so a slow command never holds up a pass or the watchdog; `run(output:)` waits for it.
public struct ChangeCommand: Sendable {
    public let arguments: [String]
    public let timeout: Duration

    public init(arguments: [String], timeout: Duration) {
        self.arguments = arguments
        self.timeout = timeout
    }

    /// How the command ended.
    public enum Result: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case killedAfterTimeout
        case couldNotStart(String)

        public var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .killedAfterTimeout: "killed after the timeout"
            case .couldNotStart(let reason): "could not start: \(reason)"
            }
        }
    }

    /// A started command.
    public final class Running {
        let process: ChildProcess
        let output: ChangeCommandOutput
        let deadline: ContinuousClock.Instant
        var terminatedAt: ContinuousClock.Instant?
        var finished = false

        init(process: ChildProcess, output: ChangeCommandOutput, deadline: ContinuousClock.Instant) {
            self.process = process
            self.output = output
            self.deadline = deadline
        }

        /// How it ended, or `nil` while it runs; past the deadline its process group is sent SIGTERM, one second
        /// later SIGKILL. Before it says how the command ended, what the command left in its pipes has gone to
        /// the sink.
        public func poll(now: ContinuousClock.Instant = .now) -> Result? {
            if let termination = process.poll() {
                if !finished {
                    output.finish()
                    finished = true
                }
                return terminatedAt == nil ? .exited(termination.status) : .killedAfterTimeout
            }
            guard now >= deadline else { return nil }
            if let terminatedAt {
                if now >= terminatedAt + .seconds(1) { process.signalGroup(SIGKILL) }
            } else {
                process.signalGroup(SIGTERM)
                terminatedAt = now
            }
            return nil
        }
    }

    /// Starts the command; `.failure` carries ``Result/couldNotStart(_:)``. Each line it writes goes to
    /// `output`, from the reading thread (``ChangeCommandOutput``) or from ``Running/poll(now:)``.
    public func start(output: @escaping ChangeCommandOutput.Sink = { _, _ in }) -> Swift.Result<Running, StartFailure> {
        guard let program = arguments.first else { return .failure(StartFailure(reason: "empty command")) }
        // A bare name is looked up on PATH by env(1), which exits 127 when it is not found.
        let (path, argv) = program.hasPrefix("/") ? (program, arguments) : ("/usr/bin/env", ["/usr/bin/env"] + arguments)
        guard let pipes = ChangeCommandOutput(sink: output) else {
            return .failure(StartFailure(reason: "cannot make pipes for its output: \(String(cString: strerror(errno)))"))
        }
        let process: ChildProcess
        do {
            process = try ChildProcess.start(
                path, arguments: argv, standardOutput: pipes.writeEnds.standardOutput, standardError: pipes.writeEnds.standardError)
        } catch {
            pipes.closeWriteEnds()
            pipes.closeReadEnds()
            return .failure(StartFailure(reason: error.description))
        }
        pipes.closeWriteEnds()
        pipes.startReading()
        return .success(Running(process: process, output: pipes, deadline: .now + timeout))
    }

    /// Why a command did not start.
    public struct StartFailure: Error, Sendable {
        public var reason: String
    }

    /// Runs the command and waits for it (at most the timeout plus a second or two).
    public func run(output: @escaping ChangeCommandOutput.Sink = { _, _ in }) -> Result {
        let running: Running
        switch start(output: output) {
        case .success(let started): running = started
        case .failure(let failure): return .couldNotStart(failure.reason)
        }
        while true {
            if let result = running.poll() { return result }
            usleep(20_000)
        }
    }
}
