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
}
