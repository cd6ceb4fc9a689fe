import CKrb5
import GMSACore

#if canImport(Glibc)
import Glibc
#endif

/// Reads, writes and removes FILE ticket caches holding one gMSA's TGT.
///
/// FILE is the one cache type every Kerberos library reads (the JDK's and Go's read no other). A cache is never
/// changed in place: MIT's readers that hold the file open keep reading the copy they opened, and a cache
/// initialised in place holds no ticket for a moment. ``write(_:to:options:)`` writes a new file next to the
/// target (`.NAME.XXXXXX`, private until it is complete), gives it its owner and mode, flushes it and renames it
/// over the target, as `k5start -o/-g/-m` does: a reader sees the old cache or the new one, never none.
public struct TicketCacheFile {
    let context: KerberosContext

    public init(context: KerberosContext) {
        self.context = context
    }

    /// The client and the TGT's times of the cache at `path`, or `nil` when there is no such file.
    ///
    /// Throws for a file that is no cache, is damaged or truncated, or holds no TGT of its client's realm: such a
    /// cache is repaired by writing it anew. Whether it is the expected account's is ``TicketCacheInfo/isFor(_:)``.
    public func inspect(_ path: String) throws(KerberosError) -> TicketCacheInfo? {
        try read(path)?.info
    }

    /// The TGT of the cache at `path` (the one valid longest when it holds several), or `nil` when there is no
    /// such file; throws as ``inspect(_:)`` does. A service ticket a consumer added to the cache is ignored.
    public func read(_ path: String) throws(KerberosError) -> TicketGrantingTicket? {
        guard try KeytabWriter.existingFileStatus(path, kind: "ticket cache", doing: "read") != nil else { return nil }
        let damaged = "the file is damaged or no ticket cache; it is replaced when the cache is written"
        var cache: krb5_ccache?
        var code = krb5_cc_resolve(context.raw, "FILE:\(path)", &cache)
        guard code == 0, let cache else { throw context.error(code, "cannot open ticket cache \(path)") }
        defer { krb5_cc_close(context.raw, cache) }
        var client: krb5_principal?
        code = krb5_cc_get_principal(context.raw, cache, &client)
        guard code == 0, let client else { throw context.error(code, "cannot read ticket cache \(path)", check: damaged) }
        defer { krb5_free_principal(context.raw, client) }

        var cursor: krb5_cc_cursor?
        code = krb5_cc_start_seq_get(context.raw, cache, &cursor)
        guard code == 0 else { throw context.error(code, "cannot read ticket cache \(path)", check: damaged) }
        defer { krb5_cc_end_seq_get(context.raw, cache, &cursor) }
        var chosen: krb5_creds?
        defer {
            if var chosen { krb5_free_cred_contents(context.raw, &chosen) }
        }
        while true {
            var credentials = krb5_creds()
            code = krb5_cc_next_cred(context.raw, cache, &cursor, &credentials)
            if code == KRB5_CC_END { break }
            guard code == 0 else { throw context.error(code, "cannot read a ticket of cache \(path)", check: damaged) }
            let isTicketGrantingTicket =
                credentials.server.map { server in
                    krb5_is_config_principal(context.raw, server) == 0
                        && krb5_principal_compare(context.raw, credentials.client, client) != 0
                        && TicketGrantingTicket.isTicketGrantingService(server, of: client)
                } ?? false
            if isTicketGrantingTicket,
                chosen.map({ UInt32(bitPattern: $0.times.endtime) <= UInt32(bitPattern: credentials.times.endtime) }) ?? true
            {
                if var previous = chosen { krb5_free_cred_contents(context.raw, &previous) }
                chosen = credentials
            } else {
                krb5_free_cred_contents(context.raw, &credentials)
            }
        }
        guard let found = chosen else {
            let name = (try? context.unparse(client)) ?? "its client"
            throw KerberosError(
                .library(krb5_error_code(KRB5_CC_NOTFOUND)),
                "ticket cache \(path) holds no ticket-granting ticket for \(name); \(damaged)")
        }
        chosen = nil
        return try TicketGrantingTicket(context: context, taking: found, keyVersion: nil)
    }

    /// Makes `path` a cache holding `ticket` alone, with the owner and mode of `options`, atomically.
    ///
    /// The new file (`.NAME.XXXXXX` beside the target, 0600 and locked while it is written) is complete, owned,
    /// flushed and renamed over `path`, then the directory is flushed. Any failure removes it and leaves the old
    /// cache as it was. A target that is a symbolic link or no regular file is refused. Files left by a writer
    /// killed mid-write are removed first (``removeLeftovers(of:)``).
    public func write(
        _ ticket: TicketGrantingTicket, to path: String, options: TicketCacheFileOptions = TicketCacheFileOptions()
    ) throws(KerberosError) {
        _ = try KeytabWriter.existingFileStatus(path, kind: "ticket cache", doing: "write")
        let directory = KeytabWriter.directory(of: path)
        let bytes = try fileBytes(of: ticket)
        Self.removeLeftovers(of: path)
        var template = Array((Self.temporaryPrefix(of: path) + "XXXXXX").utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else {
            throw KeytabWriter.systemError(
                errno, "cannot create a new ticket cache in \(directory) for \(path)",
                check: "check that the directory exists and is writable, and that the disk is not full", directory: directory)
        }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Held until the rename: a writer that finds a leftover unlocked knows its writer is gone.
        flock(descriptor, LOCK_EX)
        var renamed = false
        defer {
            if !renamed { unlink(temporary) }
            close(descriptor)
        }
        let check = "check free space in the cache's directory; the old cache is unchanged"
        try options.fill(descriptor, with: bytes, file: "ticket cache \(path)", check: check, flushCheck: check)
        guard rename(temporary, path) == 0 else {
            throw KeytabWriter.systemError(
                errno, "cannot move the new ticket cache into place at \(path)", check: "the old cache is unchanged")
        }
        renamed = true
        KeytabWriter.flushDirectories(of: [path])
    }

    /// Removes the cache at `path` (authorization revoked, account no longer configured); returns whether there
    /// was one. Files an interrupted write left beside it go too.
    @discardableResult
    public func remove(_ path: String) throws(KerberosError) -> Bool {
        Self.removeLeftovers(of: path)
        guard try KeytabWriter.existingFileStatus(path, kind: "ticket cache", doing: "remove") != nil else { return false }
        guard unlink(path) == 0 else {
            if errno == ENOENT { return false }
            throw KeytabWriter.systemError(errno, "cannot remove ticket cache \(path)", directory: KeytabWriter.directory(of: path))
        }
        KeytabWriter.flushDirectories(of: [path])
        return true
    }

    /// `/dir/.NAME.`: the start of the names of new caches for `/dir/NAME`, before six characters from `mkstemp`.
    static func temporaryPrefix(of path: String) -> String {
        let directory = KeytabWriter.directory(of: path)
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        return (directory == "/" ? "" : directory) + "/.\(name)."
    }

    /// Removes the new caches (each a TGT) that writers killed mid-write left beside `path`; returns how many.
    ///
    /// Only regular files named like the writer's own (`.NAME.` plus six characters, opened without following a
    /// link) whose lock no live writer holds. Errors are ignored: what stays is tried again at the next write.
    @discardableResult
    public static func removeLeftovers(of path: String) -> Int {
        let directory = KeytabWriter.directory(of: path)
        let prefix = String(temporaryPrefix(of: path).split(separator: "/").last ?? "")
        let parent = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard parent >= 0 else { return 0 }
        defer { close(parent) }
        var removed = 0
        for name in KeytabWriter.entryNames(ofDirectory: parent) ?? []
        where name.hasPrefix(prefix) && name.utf8.count == prefix.utf8.count + 6 {
            let candidate = openat(parent, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            guard candidate >= 0 else { continue }
            defer { close(candidate) }
            var status = stat()
            guard fstat(candidate, &status) == 0, status.st_mode & S_IFMT == S_IFREG,
                flock(candidate, LOCK_EX | LOCK_NB) == 0
            else { continue }
            if unlinkat(parent, name, 0) == 0 { removed += 1 }
        }
        return removed
    }

    /// The cache file's bytes: MIT's FILE format version 4 (0x0504, no header tags), the default principal, then
    /// the TGT as `krb5_marshal_credentials` writes it; in zeroing memory (the ticket's session key is in it).
    ///
    /// Written here in one piece rather than through `krb5_cc_initialize` on a `FILE:` name: that call unlinks
    /// and re-creates the file by name, so it is not the file this writer created, locked and will rename.
    func fileBytes(of ticket: TicketGrantingTicket) throws(KerberosError) -> SecretBytes {
        guard let client = ticket.credentials.client else {
            throw KerberosError(.invalidArgument, "cannot write a ticket without a client principal")
        }
        let name = client.pointee
        var principal: [UInt8] = []
        func put(_ value: UInt32) { withUnsafeBytes(of: value.bigEndian) { principal += $0 } }
        put(UInt32(bitPattern: name.type))
        put(UInt32(bitPattern: name.length))
        for part in [name.realm.bytes] + (0..<Int(max(name.length, 0))).map({ name.data[$0].bytes }) {
            put(UInt32(part.count))
            principal += part
        }
        var marshalled: UnsafeMutablePointer<krb5_data>?
        let code = krb5_marshal_credentials(context.raw, &ticket.credentials, &marshalled)
        guard code == 0, let marshalled else {
            throw context.error(code, "cannot encode the ticket of \(ticket.info.client) for a cache file")
        }
        defer {
            if let data = marshalled.pointee.data { SecretBytes.zero(data, Int(marshalled.pointee.length)) }
            krb5_free_data(context.raw, marshalled)
        }
        let credentials = UnsafeRawBufferPointer(start: marshalled.pointee.data, count: Int(marshalled.pointee.length))
        let header: [UInt8] = [0x05, 0x04, 0x00, 0x00]
        return SecretBytes(count: header.count + principal.count + credentials.count) { buffer in
            var offset = 0
            for byte in header + principal {
                buffer[offset] = byte
                offset += 1
            }
            for byte in credentials {
                buffer[offset] = byte
                offset += 1
            }
        }
    }
}
