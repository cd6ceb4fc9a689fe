#if canImport(Glibc)
import Glibc
#endif

/// A file in a private temporary directory that a target rewrites with each input, for loaders that only
/// read paths (the state file, keytabs). On tmpfs (`/dev/shm`) where there is one: an `fsync` there is free.
public struct ScratchFile: Sendable {
    /// The directory, removed at exit.
    public let directory: String
    public let path: String

    /// Makes `/dev/shm/gmsa-fuzz-<name>.XXXXXX/<name>` (or the same in `/tmp`).
    public init(name: String) {
        let parent = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        var template = Array("\(parent)/gmsa-fuzz-\(name).XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            printError("cannot create a scratch directory in \(parent): \(String(cString: strerror(errno)))\n")
            exit(2)
        }
        directory = String(cString: made)
        path = directory + "/" + name
    }

    /// Replaces the file's contents with `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            printError("cannot write \(path): \(String(cString: strerror(errno)))\n")
            exit(2)
        }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            guard written > 0 else {
                printError("cannot write \(path): \(String(cString: strerror(errno)))\n")
                exit(2)
            }
            offset += written
        }
    }

    /// Removes every file in the directory, then the directory (names are the target's own, no recursion).
    public func remove() {
        guard let handle = opendir(directory) else { return }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { unlink(directory + "/" + name) }
        }
        closedir(handle)
        rmdir(directory)
    }
}
