import GMSACore

#if canImport(Glibc)
import Glibc
#endif

/// Runs an account's `on_change` command after its keytab really changed.
///
/// The command is an argv list run directly (no shell, ``ChildProcess``), with standard input from `/dev/null` and
/// its output discarded; when it outlives the timeout its process group is killed (SIGTERM, then SIGKILL a
/// second later), so what it started goes too. Only the exit status is
/// reported. The daemon ``start()``s it and ``Running/poll(now:)``s it from later ticks, so a slow command never
/// holds up a pass or the watchdog; `run()` waits for it.
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
        let deadline: ContinuousClock.Instant
        var terminatedAt: ContinuousClock.Instant?

        init(process: ChildProcess, deadline: ContinuousClock.Instant) {
            self.process = process
            self.deadline = deadline
        }

        /// How it ended, or `nil` while it runs; past the deadline its process group is sent SIGTERM, one second
        /// later SIGKILL.
        public func poll(now: ContinuousClock.Instant = .now) -> Result? {
            if let termination = process.poll() {
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

    /// Starts the command; `.failure` carries ``Result/couldNotStart(_:)``.
    public func start() -> Swift.Result<Running, StartFailure> {
        guard let program = arguments.first else { return .failure(StartFailure(reason: "empty command")) }
        // A bare name is looked up on PATH by env(1), which exits 127 when it is not found.
        let (path, argv) = program.hasPrefix("/") ? (program, arguments) : ("/usr/bin/env", ["/usr/bin/env"] + arguments)
        let process: ChildProcess
        do {
            process = try ChildProcess.start(path, arguments: argv)
        } catch {
            return .failure(StartFailure(reason: error.description))
        }
        return .success(Running(process: process, deadline: .now + timeout))
    }

    /// Why a command did not start.
    public struct StartFailure: Error, Sendable {
        public var reason: String
    }

    /// Runs the command and waits for it (at most the timeout plus a second or two).
    public func run() -> Result {
        let running: Running
        switch start() {
        case .success(let started): running = started
        case .failure(let failure): return .couldNotStart(failure.reason)
        }
        while true {
            if let result = running.poll() { return result }
            usleep(20_000)
        }
    }
}
