import CKrb5
import GMSACore

#if canImport(Glibc)
import Glibc
#endif

/// Writes keytab files atomically, in libkrb5's file format.
///
/// The new keytab is written in one piece (``fileBytes(of:now:target:)``) to a new file in a private (0700)
/// directory next to the target, gets its owner and mode, is flushed with `fsync`, then renamed over the
/// target, and the directory is flushed too (at once, or by the caller after a batch of writes:
/// ``flushDirectories(of:)``). A reader sees the old keytab or the new one, never a partial one; if anything
/// fails before the rename, the old keytab stays as it was. A target that is a symbolic link is refused.
public struct KeytabWriter {
    /// What a write did.
    public enum Outcome: Sendable, Equatable {
        /// The file now holds the new entries.
        case written
        /// The file already held exactly these entries with this owner and mode; it was not touched.
        case unchanged
    }

    let context: KerberosContext

    public init(context: KerberosContext) {
        self.context = context
    }

    /// Makes `path` hold exactly `entries`, unless it already does.
    ///
    /// A batch of writes may leave two steps to its caller: with `sweepingLeftovers` false the caller has
    /// already run ``removeLeftovers(in:)`` on the directory in this pass; with `flushingDirectory` false the
    /// rename is not yet durable, and the caller must call ``flushDirectories(of:)`` before it records or
    /// announces the write (state file, `on_change`). Each file is flushed before its rename either way, so a
    /// crash at any point leaves the old keytab or the complete new one.
    @discardableResult
    public func write(
        _ entries: [KeytabEntry],
        to path: String,
        options: KeytabFileOptions = KeytabFileOptions(),
        now: Int32 = Int32(truncatingIfNeeded: time(nil)),
        sweepingLeftovers: Bool = true,
        flushingDirectory: Bool = true
    ) throws(KerberosError) -> Outcome {
        precondition(!entries.isEmpty, "a keytab without entries")
        let directory = Self.directory(of: path)
        if let existing = try Self.existingFileStatus(path, kind: "keytab", doing: "write") {
            if try isCurrent(path, status: existing, entries: entries, options: options) {
                return .unchanged
            }
        }

        if sweepingLeftovers { Self.removeLeftovers(in: directory) }
        var template = Array("\(directory)/\(Self.temporaryPrefix)XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw Self.systemError(
                errno, "cannot create a temporary directory in \(directory) for keytab \(path)",
                check: "check that the directory exists and is writable, and that the disk is not full", directory: directory)
        }
        let temporaryDirectory = String(cString: made)
        let temporaryFile = temporaryDirectory + "/keytab"
        // Held until the directory is gone: a writer that finds it unlocked knows it was left by a crash.
        let lock = open(temporaryDirectory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        if lock >= 0 { flock(lock, LOCK_EX) }
        defer {
            unlink(temporaryFile)
            rmdir(temporaryDirectory)
            if lock >= 0 { close(lock) }
        }

        try createFile(temporaryFile, holding: fileBytes(of: entries, now: now, target: path), options: options, target: path)
        guard rename(temporaryFile, path) == 0 else {
            throw Self.systemError(errno, "cannot move the new keytab into place at \(path)", check: "the old keytab is unchanged")
        }
        if flushingDirectory { Self.flushDirectories(of: [path]) }
        return .written
    }

    /// Makes the renames in the directories of `paths` durable: one `fsync` per directory, however many
    /// keytabs were renamed in it.
    public static func flushDirectories(of paths: [String]) {
        for directory in Set(paths.map(directory(of:))).sorted() {
            // The rename is durable only once the directory entry is on disk.
            let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if descriptor >= 0 {
                fsync(descriptor)
                close(descriptor)
            }
        }
    }

    /// Whether `path` already holds exactly `entries` with the owner and mode of `options`.
    public func isCurrent(_ entries: [KeytabEntry], at path: String, options: KeytabFileOptions = KeytabFileOptions()) -> Bool {
        guard let status = try? Self.existingFileStatus(path, kind: "keytab", doing: "write") else { return false }
        return (try? isCurrent(path, status: status, entries: entries, options: options)) ?? false
    }

    /// The status of `path` when it is a regular file, `nil` when there is none; throws for a link or other kind.
    ///
    /// `kind` names the file in errors ("keytab"), `doing` what was refused ("write").
    static func existingFileStatus(_ path: String, kind: String, doing: String) throws(KerberosError) -> stat? {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if errno == ENOENT { return nil }
            throw systemError(errno, "cannot inspect \(kind) path \(path)")
        }
        let type = status.st_mode & S_IFMT
        if type == S_IFLNK {
            throw KerberosError(
                .unsafePath, "refusing to \(doing) \(kind) \(path): it is a symbolic link; configure the real file's path instead")
        }
        guard type == S_IFREG else {
            throw KerberosError(.unsafePath, "refusing to \(doing) \(kind) \(path): it exists and is not a regular file")
        }
        return status
    }

    private func isCurrent(
        _ path: String,
        status: stat,
        entries: [KeytabEntry],
        options: KeytabFileOptions
    ) throws(KerberosError) -> Bool {
        guard UInt32(status.st_mode & 0o7777) == options.mode,
            options.owner.map({ $0 == status.st_uid }) ?? true,
            options.group.map({ $0 == status.st_gid }) ?? true
        else { return false }
        // A keytab we cannot parse is simply replaced.
        guard let contents = try? KeytabReader(context: context).read(path) else { return false }
        return contents.otherEntryCount == 0 && contents.entries.hasSameEntries(as: entries)
    }

    /// The keytab file's bytes (MIT's format, version 0x0502, as `krb5_kt_add_entry` writes it: a 32-bit
    /// record length, the principal's realm and components as counted strings, its name type, the timestamp,
    /// the 8-bit kvno, the key, then the 32-bit kvno), in zeroing memory.
    ///
    /// Principal names are parsed by libkrb5 (`krb5_parse_name`); only the serialisation is done here, because
    /// libkrb5's file keytab `fsync`s twice per entry it adds (its own crash safety for keytabs edited in
    /// place): 18 `fsync`s for an account with three names and two keys. The file is private until its
    /// rename and gets one `fsync`. `KeytabWriterTests` checks the bytes against libkrb5's.
    func fileBytes(of entries: [KeytabEntry], now: Int32, target: String) throws(KerberosError) -> SecretBytes {
        var layout: [(realm: [UInt8], components: [[UInt8]], type: Int32, entry: KeytabEntry)] = []
        var size = 2
        for entry in entries {
            let principal = try context.parsePrincipal(entry.principal)
            defer { krb5_free_principal(context.raw, principal) }
            let name = principal.pointee
            let components = (0..<Int(name.length)).map { name.data[$0].bytes }
            let realm = name.realm.bytes
            guard components.count <= Int(UInt16.max), realm.count <= Int(UInt16.max),
                components.allSatisfy({ $0.count <= Int(UInt16.max) }), entry.key.bytes.count <= Int(UInt16.max)
            else {
                throw KerberosError(.invalidArgument, "cannot write entry \(entry) of keytab \(target): a name or key is too long")
            }
            layout.append((realm, components, name.type, entry))
            size += 4 + Self.recordLength(realm: realm, components: components, keyLength: entry.key.bytes.count)
        }
        return SecretBytes(count: size) { buffer in
            var offset = 0
            func put<T: FixedWidthInteger>(_ value: T) {
                withUnsafeBytes(of: value.bigEndian) { raw in
                    for byte in raw {
                        buffer[offset] = byte
                        offset += 1
                    }
                }
            }
            func put(counted bytes: some Collection<UInt8>) {
                put(UInt16(bytes.count))
                for byte in bytes {
                    buffer[offset] = byte
                    offset += 1
                }
            }
            put(UInt16(0x0502))
            for (realm, components, type, entry) in layout {
                put(Int32(Self.recordLength(realm: realm, components: components, keyLength: entry.key.bytes.count)))
                put(UInt16(components.count))
                put(counted: realm)
                for component in components { put(counted: component) }
                put(type)
                put(now)
                put(UInt8(truncatingIfNeeded: entry.keyVersion))
                put(UInt16(truncatingIfNeeded: entry.key.encryptionType.rawValue))
                entry.key.bytes.withUnsafeBytes { key in put(counted: key) }
                put(entry.keyVersion)
            }
        }
    }

    /// The length of one entry's record after its length field.
    private static func recordLength(realm: [UInt8], components: [[UInt8]], keyLength: Int) -> Int {
        2 + (2 + realm.count) + components.reduce(0) { $0 + 2 + $1.count } + 4 + 4 + 1 + 2 + (2 + keyLength) + 4
    }

    /// Creates `file` (new, private) holding `bytes`, hands it to its owner, sets its mode and flushes it.
    private func createFile(
        _ file: String, holding bytes: SecretBytes, options: KeytabFileOptions, target: String
    ) throws(KerberosError) {
        let check = "check free space in the keytab's directory; the old keytab is unchanged"
        let descriptor = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw Self.systemError(errno, "cannot create the new keytab next to \(target)", check: check, directory: Self.directory(of: target))
        }
        defer { close(descriptor) }
        try options.fill(descriptor, with: bytes, file: "keytab \(target)", check: check, flushCheck: "check free space and the file system")
    }

    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    /// The name of the writer's temporary directories: the prefix plus six characters from `mkdtemp`.
    public static let temporaryPrefix = ".gmsa-keytabd."

    /// Removes the temporary directories that writers killed mid-write left in `directory`, with the partial
    /// keytabs (real keys) in them; returns how many.
    ///
    /// Only entries named like the writer's own (`.gmsa-keytabd.` plus six characters) that are directories
    /// (opened with `O_NOFOLLOW`: a symbolic link is never followed) and whose lock no live writer holds (every
    /// writer holds an exclusive `flock` on its directory until it has removed it). Files in them are unlinked
    /// without following links, then the directory is removed. Errors are ignored: what stays is tried again
    /// before the next write.
    @discardableResult
    public static func removeLeftovers(in directory: String) -> Int {
        let parent = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard parent >= 0 else { return 0 }
        defer { close(parent) }
        guard let names = entryNames(ofDirectory: parent) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix(temporaryPrefix) && name.utf8.count == temporaryPrefix.utf8.count + 6 {
            let candidate = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard candidate >= 0 else { continue }
            defer { close(candidate) }
            guard flock(candidate, LOCK_EX | LOCK_NB) == 0 else { continue }
            for inner in entryNames(ofDirectory: candidate) ?? [] { unlinkat(candidate, inner, 0) }
            if unlinkat(parent, name, AT_REMOVEDIR) == 0 { removed += 1 }
        }
        return removed
    }

    /// ``removeLeftovers(in:)`` in the directory of each of `keytabs`, once per directory; returns the
    /// directories where something was removed, with how many.
    ///
    /// For a pass that may write nothing (`sync` with every keytab current): a writer killed after its rename
    /// but before removing its directory leaves it there, and only a write in that directory would remove it.
    @discardableResult
    public static func removeLeftovers(nextTo keytabs: [String]) -> [(directory: String, removed: Int)] {
        Set(keytabs.map(directory(of:))).sorted().compactMap { directory in
            let removed = removeLeftovers(in: directory)
            return removed > 0 ? (directory, removed) : nil
        }
    }

    /// The names in the directory open at `descriptor` (without "." and ".."); the descriptor stays open.
    static func entryNames(ofDirectory descriptor: Int32) -> [String]? {
        let copy = dup(descriptor)
        guard copy >= 0, let stream = fdopendir(copy) else {
            if copy >= 0 { close(copy) }
            return nil
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// "user 1000", "group 33" or "user 1000 and group 33", for errors.
    static func describeOwnership(owner: UInt32?, group: UInt32?) -> String {
        let parts = [owner.map { "user \($0)" }, group.map { "group \($0)" }].compactMap { $0 }
        return parts.joined(separator: " and ")
    }

    /// An error from a system call; `directory` names the keytab directory where the call wrote to it.
    static func systemError(_ number: Int32, _ doing: String, check: String? = nil, directory: String? = nil) -> KerberosError {
        var message = "\(doing): \(String(cString: strerror(number)))"
        if number == EROFS, let directory {
            // The usual cause under the shipped unit: ProtectSystem=strict leaves only the listed paths writable.
            message += "; " + readOnlyHint(directory: directory)
        } else if let check {
            message += "; \(check)"
        }
        return KerberosError(.system(number), message)
    }

    /// What to do about a read-only keytab directory: the exact systemd drop-in that makes it writable.
    public static func readOnlyHint(directory: String) -> String {
        "the directory is read-only for the daemon; under the gmsa-keytabd unit (ProtectSystem=strict) allow it "
            + "with 'systemctl edit gmsa-keytabd', adding the two lines '[Service]' and 'ReadWritePaths=\(directory)', "
            + "then 'systemctl restart gmsa-keytabd'"
    }
}
