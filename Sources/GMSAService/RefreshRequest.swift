import GMSACore

#if canImport(Glibc)
import Glibc
#endif

/// The hand-over between `gmsa-keytabd refresh` and the running daemon: a file in the state directory
/// listing the accounts to read now (empty: all), and the daemon's pid file to signal it (SIGUSR1).
public struct RefreshRequest: Sendable {
    public let stateDirectory: String

    public init(stateDirectory: String) {
        self.stateDirectory = stateDirectory
    }

    public var requestFile: String { stateDirectory + "/refresh-request" }
    public var pidFile: String { stateDirectory + "/gmsa-keytabd.pid" }

    /// Why the request could not be written: the system call's error for ``requestFile``.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var number: Int32
        public var description: String { String(cString: strerror(number)) }
    }

    /// Adds `names` (all accounts when empty) to the pending request; the file is created 0600.
    public func add(_ names: [ServiceAccountName]) throws(Failure) {
        let line = Array((names.isEmpty ? "*\n" : names.map { "\($0.samAccountName)\n" }.joined()).utf8)
        let descriptor = open(requestFile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(number: errno) }
        defer { close(descriptor) }
        var written = 0
        while written < line.count {
            let count = line[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(number: errno)
            }
            written += count
        }
    }

    /// Reads and removes the pending request: `nil` for "all accounts", else the names.
    public func take() -> [ServiceAccountName]? {
        guard case .success(let data) = FileContents.read(path: requestFile) else { return nil }
        unlink(requestFile)
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
        guard case .success(let bytes) = FileContents.read(path: pidFile), let text = String(validating: bytes, as: UTF8.self),
            let pid = pid_t(String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())), pid > 0, kill(pid, 0) == 0
        else { return nil }
        return pid
    }

    public func removePID() {
        unlink(pidFile)
    }
}
