/// What a keytab file looked like right after the daemon wrote or checked it: enough of its `stat` to notice,
/// without reading it, that something else deleted, replaced, truncated, rewrote or re-permissioned it.
public struct KeytabFingerprint: Sendable, Equatable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    /// Modification time, seconds and nanoseconds.
    public var modifiedSeconds: Int64
    public var modifiedNanoseconds: Int64
    public var owner: UInt32
    public var group: UInt32
    /// Permission bits and file type, as `st_mode`.
    public var mode: UInt32
    /// Inode change time (`st_ctime`), seconds and nanoseconds; `nil` in state files written before it was
    /// recorded (such a fingerprint is compared without it). Only the kernel sets it: a process that rewrites
    /// the keytab in place at the same size and puts its mtime back (`utimensat`, which root may) still moves it.
    public var changedSeconds: Int64?
    public var changedNanoseconds: Int64?

    public init(
        device: UInt64, inode: UInt64, size: Int64, modifiedSeconds: Int64, modifiedNanoseconds: Int64, owner: UInt32,
        group: UInt32, mode: UInt32, changedSeconds: Int64? = nil, changedNanoseconds: Int64? = nil
    ) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modifiedSeconds = modifiedSeconds
        self.modifiedNanoseconds = modifiedNanoseconds
        self.owner = owner
        self.group = group
        self.mode = mode
        self.changedSeconds = changedSeconds
        self.changedNanoseconds = changedNanoseconds
    }

    /// Whether `other` is still this file with these bytes (only owner or mode may differ). The inode change time
    /// is left out: owner and mode changes move it too.
    public func hasSameContent(as other: KeytabFingerprint?) -> Bool {
        guard let other else { return false }
        return other.device == device && other.inode == inode && other.size == size && other.modifiedSeconds == modifiedSeconds
            && other.modifiedNanoseconds == modifiedNanoseconds
    }

    /// What happened to a keytab that looked like `recorded` and now looks like `now` (`nil`: it is gone), in
    /// words for the log; `nil` when nothing changed.
    public static func change(from recorded: KeytabFingerprint, to now: KeytabFingerprint?) -> String? {
        guard let now else { return "deleted" }
        if now.device != recorded.device || now.inode != recorded.inode { return "replaced by another file" }
        if now.size != recorded.size { return "truncated or rewritten (\(recorded.size) bytes, now \(now.size))" }
        if now.modifiedSeconds != recorded.modifiedSeconds || now.modifiedNanoseconds != recorded.modifiedNanoseconds {
            return "modified"
        }
        if now.owner != recorded.owner || now.group != recorded.group {
            return "given to another owner (\(recorded.owner):\(recorded.group), now \(now.owner):\(now.group))"
        }
        if now.mode != recorded.mode {
            return "given other permissions (\(String(recorded.mode & 0o7777, radix: 8)), now \(String(now.mode & 0o7777, radix: 8)))"
        }
        if recorded.changedSeconds != nil,
            now.changedSeconds != recorded.changedSeconds || now.changedNanoseconds != recorded.changedNanoseconds
        {
            return "changed with its size and modification time kept (its inode change time moved)"
        }
        return nil
    }
}
