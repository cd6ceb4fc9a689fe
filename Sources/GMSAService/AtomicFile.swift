#if canImport(Glibc)
import Glibc
#endif

/// Replaces a small file (the state file, the pid file) atomically: `NAME.tmp` beside it is written, flushed
/// with `fsync` and renamed over it, then the directory is flushed.
///
/// Foundation's atomic write is not used: it first writes a `.dat.nosync…` file of its own, which a process
/// killed at that moment leaves in the directory for good. `NAME.tmp` is truncated and reused by the next
/// write, so a crash leaves at most that one file. Any failure (a full disk: `ENOSPC`) removes the temporary
/// and leaves the old file as it was.
public enum AtomicFile {
    /// A failed replacement: the system's reason and the call's `errno`.
    public struct Failure: Error, CustomStringConvertible {
        public var number: Int32
        public var message: String
        public var description: String { message }
    }

    /// The temporary file a write of `path` uses.
    public static func temporaryPath(of path: String) -> String { path + ".tmp" }

    /// Makes `path` hold exactly `bytes` with permission bits `mode`.
    public static func replace(_ path: String, with bytes: [UInt8], mode: mode_t) throws(Failure) {
        let temporary = temporaryPath(of: path)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw failure(errno, "cannot create \(temporary)") }
        var failed: Failure?
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if count < 0 {
                if errno == EINTR { continue }
                failed = failure(errno, "cannot write \(temporary)")
                break
            }
            offset += count
        }
        // The creation mode went through the umask, and a temporary left by a killed writer keeps its own.
        if failed == nil, fchmod(descriptor, mode) != 0 { failed = failure(errno, "cannot set the mode of \(temporary)") }
        if failed == nil, fsync(descriptor) != 0 { failed = failure(errno, "cannot flush \(temporary) to disk") }
        if close(descriptor) != 0, failed == nil { failed = failure(errno, "cannot write \(temporary)") }
        if let failed {
            unlink(temporary)
            throw failed
        }
        guard rename(temporary, path) == 0 else {
            let number = errno
            unlink(temporary)
            throw failure(number, "cannot replace \(path)")
        }
        let directory = open(directoryPath(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    static func directoryPath(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func failure(_ number: Int32, _ doing: String) -> Failure {
        Failure(number: number, message: "\(doing): \(String(cString: strerror(number)))")
    }
}
