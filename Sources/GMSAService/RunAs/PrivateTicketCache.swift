import GMSACore
import GMSAKerberos

#if canImport(Glibc)
import Glibc
#endif

/// The ticket cache of one `run-as` command: a new file in a directory of its own, owned by the command's user,
/// holding the gMSA's TGT from the account's keytab, removed with its directory when the command ends.
///
/// The directory is made by `mkdtemp` under /run/gmsa-keytabd (the daemon's runtime directory, when it is
/// root's and writable by no one else) or else /tmp: root's, mode 0711 for another user (it can reach the file
/// by its name but neither list nor add files) or 0700 for root. The file is `ccache`, mode 0600, the user's:
/// Heimdal refuses a cache another uid owns. Every write is a new file renamed over it (``TicketCacheFile``).
///
/// The directory is locked (`flock`) while the command runs. A `run-as` killed with SIGKILL cannot remove its
/// cache, so each `run-as` first removes the `run-as.*` directories whose lock is free and which are older than a
/// minute (a new one is locked within microseconds of its `mkdtemp`): a valid TGT does not outlive its command
/// for longer than the next `run-as`.
public struct PrivateTicketCache: TicketCacheSource {
    /// The directory made for this command.
    public let directory: String
    /// The cache file, without `FILE:`.
    public var path: String { directory + "/ccache" }

    let context: KerberosContext
    let account: ServiceAccountName
    let principal: String
    let keytab: String
    let stateFile: String
    let options: TicketCacheFileOptions
    /// The directory, open and locked until ``remove()``.
    private var lock: Int32
    private var ticket: TicketGrantingTicket?
    /// The kvno of the key the last AS exchange used (a renewal keeps it).
    private var keyVersion: UInt32?

    /// Where the directory may be made, in order.
    public static let parents = ["/run/gmsa-keytabd", "/tmp"]
    /// The start of each directory's name.
    static let prefix = "run-as."
    /// How many directories of killed `run-as` processes the start removed (with their caches).
    public private(set) var stale = 0

    /// Removes the `run-as.*` directories in `parent` that are root's, older than `minimumAge` seconds and not
    /// locked (their `run-as` is gone), with the cache in each; returns how many.
    static func removeStale(in parent: String, minimumAge: Int = 60) -> Int {
        guard let stream = opendir(parent) else { return 0 }
        defer { closedir(stream) }
        var removed = 0
        let now = time(nil)
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasPrefix(prefix) else { continue }
            let path = parent + "/" + name
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_uid == 0,
                Int(now) - Int(status.st_mtim.tv_sec) >= minimumAge
            else { continue }
            let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { continue }
            _ = TicketCacheFile.removeLeftovers(of: path + "/ccache")
            unlink(path + "/ccache")
            if rmdir(path) == 0 { removed += 1 }
        }
        return removed
    }

    /// Makes the directory for `account`'s cache, to be owned by `user` (root when `nil`).
    public init(
        account: ServiceAccountName, realm: String, keytab: String, stateFile: String, user: LocalUser?,
        context: KerberosContext, parents: [String] = Self.parents
    ) throws(KerberosError) {
        guard let parent = parents.first(where: Self.isPrivateParent) else {
            throw KerberosError(
                .system(EACCES),
                "no directory for a private ticket cache: none of \(parents.joined(separator: ", ")) is a directory "
                    + "only root can write to (or /tmp with the sticky bit)")
        }
        stale = Self.removeStale(in: parent)
        var template = Array("\(parent)/\(Self.prefix)\(account.baseName).XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else {
            let number = errno
            throw KerberosError(
                .system(number),
                "cannot create a private ticket cache directory in \(parent): \(String(cString: strerror(number)))")
        }
        directory = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        lock = open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if lock >= 0 { flock(lock, LOCK_EX) }
        if let user, user.uid != 0 { chmod(directory, 0o711) }
        self.context = context
        self.account = account
        self.principal = account.principal(realm: realm)
        self.keytab = keytab
        self.stateFile = stateFile
        self.options = TicketCacheFileOptions(mode: 0o600, owner: user?.uid ?? 0, group: user?.gid ?? 0)
    }

    /// Whether `path` is a directory in which `mkdtemp` makes a directory no one else can take: root's and
    /// writable by no one else, or world-writable with the sticky bit (/tmp).
    static func isPrivateParent(_ path: String) -> Bool {
        var status = stat()
        guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_uid == 0 else { return false }
        return status.st_mode & 0o022 == 0 || status.st_mode & S_ISVTX != 0
    }

    public mutating func acquire() throws -> TicketCacheStatus {
        let known = currentKeyVersion()
        // 0 when the state file does not know the account: initialTicket then tries the keytab's newest first.
        let fresh = try context.initialTicket(for: principal, keytab: keytab, keyVersion: known ?? 0)
        try TicketCacheFile(context: context).write(fresh, to: path, options: options)
        ticket = fresh
        keyVersion = fresh.keyVersion
        return TicketCacheStatus(fresh.info, keyVersion: keyVersion)
    }

    public mutating func renew() throws -> TicketCacheStatus {
        guard let ticket else { return try acquire() }
        let renewed = try context.renewedTicket(ticket)
        try TicketCacheFile(context: context).write(renewed, to: path, options: options)
        self.ticket = renewed
        return TicketCacheStatus(renewed.info, keyVersion: keyVersion)
    }

    public func currentKeyVersion() -> UInt32? {
        StateStore(path: stateFile).load().state[account]?.keyVersion
    }

    /// The TGT the cache holds now, if any.
    public var info: TicketCacheInfo? { ticket?.info }

    /// Removes the cache (and what an interrupted write left) and its directory; returns a warning when
    /// something stays.
    public mutating func remove() -> String? {
        ticket = nil
        defer {
            if lock >= 0 { close(lock) }
            lock = -1
        }
        do {
            try TicketCacheFile(context: context).remove(path)
        } catch {
            return "\(error)"
        }
        guard rmdir(directory) == 0 else {
            return "cannot remove the private ticket cache directory \(directory): \(String(cString: strerror(errno)))"
                + " (the command left files in it?)"
        }
        return nil
    }
}
