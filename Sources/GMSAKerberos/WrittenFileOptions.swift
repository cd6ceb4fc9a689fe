import GMSACore

#if canImport(Glibc)
import Glibc
#endif

/// Ownership and permissions of a file the daemon writes: a keytab or a ticket cache.
///
/// The consumer should own the file: Heimdal's libkrb5 refuses a cache file owned by another user even when it
/// can read it. MIT's and Heimdal's own writers make keytabs and caches 0600.
public struct WrittenFileOptions: Sendable, Equatable {
    /// Permission bits; 0600 unless a group of consumers shares the file (0640).
    public var mode: UInt32
    /// The owning user id; `nil` keeps the writer's own (root under systemd).
    public var owner: UInt32?
    /// The owning group id; `nil` keeps the writer's own.
    public var group: UInt32?

    public init(mode: UInt32 = 0o600, owner: UInt32? = nil, group: UInt32? = nil) {
        self.mode = mode
        self.owner = owner
        self.group = group
    }
}

/// Ownership and permissions of a written keytab.
public typealias KeytabFileOptions = WrittenFileOptions

/// Ownership and permissions of a written ticket cache.
public typealias TicketCacheFileOptions = WrittenFileOptions

extension WrittenFileOptions {
    /// Writes `bytes` into the new file open at `descriptor`, hands it to its owner, sets its mode and flushes it.
    ///
    /// `file` names it in errors ("keytab PATH"); `check` ends a failed write's error, `flushCheck` a failed
    /// flush's.
    func fill(
        _ descriptor: Int32, with bytes: SecretBytes, file: String, check: String, flushCheck: String
    ) throws(KerberosError) {
        let failure: Int32? = bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let count = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += count
            }
            return nil
        }
        if let failure { throw KeytabWriter.systemError(failure, "cannot write \(file)", check: check) }
        if owner != nil || group != nil {
            let uid = owner.map { uid_t($0) } ?? uid_t.max
            let gid = group.map { gid_t($0) } ?? gid_t.max
            guard fchown(descriptor, uid, gid) == 0 else {
                throw KeytabWriter.systemError(
                    errno, "cannot hand \(file) to \(KeytabWriter.describeOwnership(owner: owner, group: group))",
                    check: "the daemon must run as root with CAP_CHOWN, and a systemd unit must allow the @chown system calls")
            }
        }
        guard fchmod(descriptor, mode_t(mode)) == 0 else {
            throw KeytabWriter.systemError(errno, "cannot set mode \(String(mode, radix: 8)) on \(file)")
        }
        guard fsync(descriptor) == 0 else {
            throw KeytabWriter.systemError(errno, "cannot flush \(file) to disk", check: flushCheck)
        }
    }
}
