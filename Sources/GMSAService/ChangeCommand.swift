import Foundation
import GMSACore

/// Runs an account's `on_change` command after its keytab really changed.
///
/// The command is an argv list run directly (no shell), with standard input closed and its output discarded;
/// it is killed when it outlives the timeout (SIGTERM, then SIGKILL a second later). Only the exit status is
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
        let process: Process
        let deadline: ContinuousClock.Instant
        var terminatedAt: ContinuousClock.Instant?

        init(process: Process, deadline: ContinuousClock.Instant) {
            self.process = process
            self.deadline = deadline
        }

        /// How it ended, or `nil` while it runs; past the deadline it is sent SIGTERM, one second later SIGKILL.
        public func poll(now: ContinuousClock.Instant = .now) -> Result? {
            if !process.isRunning {
                return terminatedAt == nil ? .exited(process.terminationStatus) : .killedAfterTimeout
            }
            guard now >= deadline else { return nil }
            if let terminatedAt {
                if now >= terminatedAt + .seconds(1) { kill(process.processIdentifier, SIGKILL) }
            } else {
                process.terminate()
                terminatedAt = now
            }
            return nil
        }
    }

    /// Starts the command; `.failure` carries ``Result/couldNotStart(_:)``.
    public func start() -> Swift.Result<Running, StartFailure> {
        guard let program = arguments.first else { return .failure(StartFailure(reason: "empty command")) }
        let process = Process()
        if program.hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(arguments.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return .failure(StartFailure(reason: (error as NSError).localizedDescription))
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
