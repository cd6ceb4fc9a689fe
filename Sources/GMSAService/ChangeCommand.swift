import Foundation
import GMSACore

/// Runs an account's `on_change` command after its keytab really changed.
///
/// The command is an argv list run directly (no shell), with standard input closed and its output discarded;
/// it is killed when it outlives the timeout. Only the exit status is reported.
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

    /// Runs the command and waits for it (at most the timeout plus a second).
    public func run() -> Result {
        guard let program = arguments.first else { return .couldNotStart("empty command") }
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
            return .couldNotStart((error as NSError).localizedDescription)
        }
        let deadline = Date() + timeout.seconds
        while process.isRunning, Date() < deadline {
            usleep(20_000)
        }
        if process.isRunning {
            process.terminate()
            let grace = Date() + 1
            while process.isRunning, Date() < grace { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return .killedAfterTimeout
        }
        return .exited(process.terminationStatus)
    }
}
