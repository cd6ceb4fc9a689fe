import GMSACore

#if canImport(Glibc)
import Glibc
#endif

/// The state file (`state.json` in the state directory): read at start, written after every change.
///
/// Written atomically (``AtomicFile``: `state.json.tmp`, `fsync`, rename) so a crash never leaves half a file.
/// It holds key version numbers and times only; a missing file means a first start. A file that cannot be parsed is
/// set aside as `state.json.bad` and the daemon starts fresh: the keytabs, which hold the retained keys,
/// are untouched, and old keys then simply get a new full retention period.
public struct StateStore: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// What can go wrong with the state file.
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The saved state; empty when there is none. `warning` says why a bad file was set aside.
    public func load() -> (state: DaemonState, warning: String?) {
        let bytes: [UInt8]
        switch FileContents.read(path: path) {
        case .success(let contents):
            bytes = contents
        case .failure(let error) where error.number == ENOENT:
            return (DaemonState(), nil)
        case .failure(let error):
            return (DaemonState(), "state file \(path) could not be read (\(error.message)); starting fresh")
        }
        do {
            return (try DaemonState(json: bytes), nil)
        } catch {
            let aside = path + ".bad"
            unlink(aside)
            rename(path, aside)
            return (DaemonState(), "state file \(path) could not be read (\(error)); moved to \(aside) and starting fresh")
        }
    }

    /// Creates the state directory (0755) and any missing parent (0755) if it is missing.
    public func prepareDirectory() throws(Failure) {
        let directory = String(path.prefix(upTo: path.lastIndex(of: "/") ?? path.startIndex))
        var prefix = ""
        for component in directory.split(separator: "/") {
            prefix += (directory.hasPrefix("/") || !prefix.isEmpty ? "/" : "") + component
            guard mkdir(prefix, 0o755) != 0 else {
                chmod(prefix, 0o755)
                continue
            }
            let number = errno
            var status = stat()
            if number == EEXIST, stat(prefix, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { continue }
            let reason = number == EEXIST ? "\(prefix) exists and is not a directory" : "\(prefix): \(String(cString: strerror(number)))"
            throw Failure(message: "cannot create the state directory \(directory): \(reason)")
        }
    }

    /// Writes `state` atomically; on failure the old file stays as it was.
    public func save(_ state: DaemonState) throws(Failure) {
        do {
            try AtomicFile.replace(path, with: state.json(), mode: 0o644)
        } catch {
            throw Failure(
                message: "cannot save the state file \(path): \(error.message); "
                    + "check free space and that the state directory is writable")
        }
    }
}
