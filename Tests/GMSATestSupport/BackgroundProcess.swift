import Foundation

/// A program running in the background for a test, its output going to a file.
public final class BackgroundProcess {
    public let process = Process()
    public let outputFile: String

    /// Starts `executable` with `arguments`; `environment` entries are added to the test's own.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], outputFile: String) throws {
        self.outputFile = outputFile
        FileManager.default.createFile(atPath: outputFile, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputFile))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        // SIGKILL: children of the test runner may inherit a blocked SIGTERM.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Everything the program printed so far.
    public var output: String {
        (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
    }

    public var isRunning: Bool { process.isRunning }

    /// Waits for the program to end; returns its exit status, or nil after `timeout` seconds.
    @discardableResult
    public func waitForExit(timeout: TimeInterval = 30) -> Int32? {
        let deadline = Date() + timeout
        while process.isRunning, Date() < deadline { usleep(50_000) }
        return process.isRunning ? nil : process.terminationStatus
    }
}

/// Polls `condition` every 100 ms until it holds or `timeout` seconds pass; returns whether it held.
public func eventually(timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date() + timeout
    repeat {
        if try condition() { return true }
        usleep(100_000)
    } while Date() < deadline
    return try condition()
}

/// Sends `signal` to the daemon whose pid file is in `stateDirectory`.
@discardableResult
public func signalDaemon(stateDirectory: String, _ signal: Int32) -> Bool {
    guard let text = try? String(contentsOfFile: stateDirectory + "/gmsa-keytabd.pid", encoding: .utf8),
        let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    else { return false }
    return kill(pid, signal) == 0
}
