#if canImport(Glibc)
import Glibc
#endif

/// File checks without Foundation.
enum FileManagerLite {
    /// Whether something exists at `path` (a dangling symlink counts).
    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// A file's device and inode (following symbolic links), and whether it is a directory; `nil` when absent.
    struct Identity: Equatable {
        var device: UInt64
        var inode: UInt64
        var isDirectory: Bool
    }

    static func identity(_ path: String) -> Identity? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return Identity(
            device: UInt64(status.st_dev), inode: UInt64(status.st_ino), isDirectory: status.st_mode & S_IFMT == S_IFDIR)
    }
}
