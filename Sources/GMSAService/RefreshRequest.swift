import Foundation
import GMSACore

/// The hand-over between `gmsa-keytabd refresh` and the running daemon: a file in the state directory
/// listing the accounts to read now (empty: all), and the daemon's pid file to signal it (SIGUSR1).
public struct RefreshRequest: Sendable {
    public let stateDirectory: String

    public init(stateDirectory: String) {
        self.stateDirectory = stateDirectory
    }

    public var requestFile: String { stateDirectory + "/refresh-request" }
    public var pidFile: String { stateDirectory + "/gmsa-keytabd.pid" }

    /// Adds `names` (all accounts when empty) to the pending request.
    public func add(_ names: [ServiceAccountName]) throws {
        let line = names.isEmpty ? "*\n" : names.map { "\($0.samAccountName)\n" }.joined()
        if let handle = FileHandle(forWritingAtPath: requestFile) {
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(line.utf8))
        } else {
            guard FileManager.default.createFile(atPath: requestFile, contents: Data(line.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: requestFile])
            }
        }
    }

    /// Reads and removes the pending request: `nil` for "all accounts", else the names.
    public func take() -> [ServiceAccountName]? {
        guard let data = FileManager.default.contents(atPath: requestFile) else { return nil }
        try? FileManager.default.removeItem(atPath: requestFile)
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
        if lines.isEmpty || lines.contains("*") { return nil }
        return lines.compactMap { try? ServiceAccountName($0) }
    }

    /// Records this process as the running daemon.
    public func writePID() throws(AtomicFile.Failure) {
        try AtomicFile.replace(pidFile, with: Array("\(getpid())\n".utf8), mode: 0o644)
    }

    /// The running daemon's pid, if its pid file names a live process.
    public func runningPID() -> pid_t? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0, kill(pid, 0) == 0
        else { return nil }
        return pid
    }

    public func removePID() {
        try? FileManager.default.removeItem(atPath: pidFile)
    }
}
