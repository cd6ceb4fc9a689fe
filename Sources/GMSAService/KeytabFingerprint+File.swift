import GMSACore

#if canImport(Glibc)
import Glibc
#endif

extension KeytabFingerprint {
    /// The fingerprint of the file at `path` now, without following a symbolic link; `nil` when there is none.
    public init?(path: String) {
        var status = stat()
        guard lstat(path, &status) == 0 else { return nil }
        self.init(
            device: UInt64(status.st_dev), inode: UInt64(status.st_ino), size: Int64(status.st_size),
            modifiedSeconds: Int64(status.st_mtim.tv_sec), modifiedNanoseconds: Int64(status.st_mtim.tv_nsec),
            owner: status.st_uid, group: status.st_gid, mode: status.st_mode,
            changedSeconds: Int64(status.st_ctim.tv_sec), changedNanoseconds: Int64(status.st_ctim.tv_nsec))
    }
}
