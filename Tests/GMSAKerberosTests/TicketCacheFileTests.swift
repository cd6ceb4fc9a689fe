import CKrb5
import Foundation
import GMSACore
import GMSATestSupport
import Testing

@testable import GMSAKerberos

#if canImport(Glibc)
import Glibc
#endif

/// Ticket caches written and read without a KDC: a TGT crafted in memory (random session key, placeholder
/// ticket bytes), read back by libkrb5 and by MIT's `klist`.
@Suite struct TicketCacheFileTests {
    let context: KerberosContext
    let directory: TemporaryDirectory
    let now = Int64(time(nil))

    init() throws {
        context = try KerberosContext()
        directory = try TemporaryDirectory()
    }

    var files: TicketCacheFile { TicketCacheFile(context: context) }

    /// A TGT for `client` as a KDC would hand it out, valid from now for `hours`.
    func ticket(
        client: String = "msa-web$@COMPANY.TEST", hours: Int64 = 10, renewDays: Int64? = 7
    ) throws -> TicketGrantingTicket {
        var credentials = krb5_creds()
        let realm = String(client.split(separator: "@").last ?? "")
        credentials.client = try context.parsePrincipal(client)
        credentials.server = try context.parsePrincipal("krbtgt/\(realm)@\(realm)")
        #expect(krb5_c_make_random_key(context.raw, krb5_enctype(18), &credentials.keyblock) == 0)
        credentials.times = krb5_ticket_times(
            authtime: krb5_timestamp(truncatingIfNeeded: now), starttime: krb5_timestamp(truncatingIfNeeded: now),
            endtime: krb5_timestamp(truncatingIfNeeded: now + hours * 3600),
            renew_till: renewDays.map { krb5_timestamp(truncatingIfNeeded: now + $0 * 86400) } ?? 0)
        credentials.ticket_flags = krb5_flags(TKT_FLG_INITIAL) | (renewDays == nil ? 0 : krb5_flags(TKT_FLG_RENEWABLE))
        let placeholder = [UInt8](repeating: 0x61, count: 320)
        let storage = malloc(placeholder.count)!
        storage.copyMemory(from: placeholder, byteCount: placeholder.count)
        credentials.ticket = krb5_data(
            magic: gmsa_kv5m_data(), length: UInt32(placeholder.count), data: storage.assumingMemoryBound(to: CChar.self))
        return try TicketGrantingTicket(context: context, taking: credentials, keyVersion: nil)
    }

    func klist(_ path: String, _ arguments: [String] = []) throws -> ProgramRun {
        try ProgramRun.run("/usr/bin/klist", arguments + ["-c", "FILE:\(path)"])
    }

    @Test func aWrittenCacheIsReadBackWithItsTimesAndKlistShowsIt() throws {
        let path = directory.file("msa-web.ccache")
        try files.write(try ticket(), to: path)
        let info = try #require(try files.inspect(path))
        #expect(info.client == "msa-web$@COMPANY.TEST")
        #expect(info.server == "krbtgt/COMPANY.TEST@COMPANY.TEST")
        #expect(info.start == now)
        #expect(info.expiry == now + 36000)
        #expect(info.renewUntil == now + 7 * 86400)
        #expect(info.isFor("MSA-WEB$@company.test"))
        #expect(!info.isFor("msa-app$@COMPANY.TEST"))
        let listed = try klist(path)
        #expect(listed.status == 0, "\(listed.standardError)")
        #expect(listed.standardOutput.contains("Default principal: msa-web$@COMPANY.TEST"), "\(listed.standardOutput)")
        #expect(listed.standardOutput.contains("krbtgt/COMPANY.TEST@COMPANY.TEST"))
        #expect(listed.standardOutput.contains("renew until"))
        // klist -s: a cache with a ticket that has not expired.
        #expect(try klist(path, ["-s"]).status == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try directory.contents() == ["msa-web.ccache"], "nothing but the cache is left in the directory")
    }

    @Test func aTicketThatIsNotRenewableHasNoRenewUntil() throws {
        let path = directory.file("plain.ccache")
        try files.write(try ticket(renewDays: nil), to: path)
        let info = try #require(try files.inspect(path))
        #expect(info.renewUntil == nil)
        #expect(!info.isRenewable(at: now))
        let renewable = try ticket().info
        #expect(renewable.isRenewable(at: now))
        #expect(!renewable.isRenewable(at: now + 11 * 3600), "an expired ticket is not renewed")
    }

    @Test func theCacheGetsItsOwnerGroupAndMode() throws {
        try #require(getuid() == 0, "changing a file's owner needs root")
        let path = directory.file("shared.ccache")
        try files.write(try ticket(), to: path, options: TicketCacheFileOptions(mode: 0o640, owner: 65534, group: 65534))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect(attributes[.posixPermissions] as? Int == 0o640)
        #expect(attributes[.ownerAccountID] as? Int == 65534)
        #expect(attributes[.groupOwnerAccountID] as? Int == 65534)
    }

    @Test func aMissingCacheIsNil() throws {
        #expect(try files.inspect(directory.file("none.ccache")) == nil)
        #expect(try files.remove(directory.file("none.ccache")) == false)
    }

    /// Truncated, garbage, empty and wrong-version files are errors (the caller rewrites them), never a crash;
    /// a write repairs each.
    @Test(arguments: ["truncated", "garbage", "empty", "version", "no TGT"])
    func aDamagedCacheIsAnErrorAndAWriteRepairsIt(damage: String) throws {
        let path = directory.file("damaged.ccache")
        try files.write(try ticket(), to: path)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        let bad: Data =
            switch damage {
            case "truncated": good.prefix(good.count - 40)
            case "garbage": Data((0..<400).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
            case "empty": Data()
            case "version": Data([0x05, 0x09]) + good.dropFirst(2)
            default: good.prefix(4 + 4 + 4 + 4 + 12 + 4 + 8)  // the header and the principal alone
            }
        try bad.write(to: URL(fileURLWithPath: path))
        #expect(throws: KerberosError.self) { try files.inspect(path) }
        do {
            _ = try files.inspect(path)
        } catch {
            #expect(error.message.contains(path) && error.message.contains("replaced when the cache is written"), "\(error)")
        }
        try files.write(try ticket(), to: path)
        #expect(try files.inspect(path)?.client == "msa-web$@COMPANY.TEST")
    }

    @Test func aSymbolicLinkIsRefusedForReadingWritingAndRemoving() throws {
        let real = directory.file("real.ccache")
        try files.write(try ticket(), to: real)
        let link = directory.file("link.ccache")
        #expect(symlink(real, link) == 0)
        for attempt in [{ _ = try files.inspect(link) }, { try files.write(try ticket(), to: link) }, { try files.remove(link) }] {
            #expect {
                try attempt()
            } throws: { error in
                (error as? KerberosError)?.code == .unsafePath && "\(error)".contains("symbolic link")
            }
        }
        #expect(try directory.contents() == ["link.ccache", "real.ccache"])
    }

    @Test func aCacheOfAnotherAccountSaysWhose() throws {
        let path = directory.file("msa-web.ccache")
        try files.write(try ticket(client: "msa-app$@COMPANY.TEST"), to: path)
        let info = try #require(try files.inspect(path))
        #expect(!info.isFor("msa-web$@COMPANY.TEST"))
        #expect(info.client == "msa-app$@COMPANY.TEST")
    }

    @Test func removingTheCacheLeavesNothing() throws {
        let path = directory.file("msa-web.ccache")
        try files.write(try ticket(), to: path)
        #expect(try files.remove(path))
        #expect(try directory.contents().isEmpty)
        #expect(try files.inspect(path) == nil)
    }

    /// A reader that opened the cache before a rewrite keeps reading the copy it opened, whole; the next open
    /// reads the new one. (MIT's FILE cache keeps the open file in its cursor.)
    @Test func aReaderOfTheOldCacheKeepsItsViewAcrossARewrite() throws {
        let path = directory.file("msa-web.ccache")
        try files.write(try ticket(hours: 10), to: path)
        var cache: krb5_ccache?
        try #require(krb5_cc_resolve(context.raw, "FILE:\(path)", &cache) == 0)
        defer { krb5_cc_close(context.raw, cache) }
        var cursor: krb5_cc_cursor?
        try #require(krb5_cc_start_seq_get(context.raw, cache, &cursor) == 0)

        try files.write(try ticket(hours: 5), to: path)
        var credentials = krb5_creds()
        #expect(krb5_cc_next_cred(context.raw, cache, &cursor, &credentials) == 0)
        #expect(Int64(credentials.times.endtime) == now + 10 * 3600, "the old copy's ticket")
        krb5_free_cred_contents(context.raw, &credentials)
        #expect(krb5_cc_next_cred(context.raw, cache, &cursor, &credentials) == KRB5_CC_END)
        krb5_cc_end_seq_get(context.raw, cache, &cursor)
        #expect(try files.inspect(path)?.expiry == now + 5 * 3600)
    }

    /// `klist -s` in a loop while the cache is rewritten 100 times: it never finds the cache missing or empty.
    @Test func aReaderLoopSeesNoGapAcross100Rewrites() throws {
        let path = directory.file("msa-web.ccache")
        try files.write(try ticket(), to: path)
        let stop = directory.file("stop")
        let script = """
            ok=0 failed=0
            while [ ! -e '\(stop)' ]; do
                if klist -s -c 'FILE:\(path)'; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
            done
            echo "$ok $failed"
            """
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/sh")
        reader.arguments = ["-c", script]
        let output = Pipe()
        reader.standardOutput = output
        try reader.run()
        for round in 0..<100 {
            try files.write(try ticket(hours: 10 - Int64(round % 3)), to: path)
            usleep(2000)
        }
        FileManager.default.createFile(atPath: stop, contents: nil)
        reader.waitUntilExit()
        let counts = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(counts.count == 2, "reader printed \(counts)")
        print("klist -s during 100 rewrites: \(counts[0]) reads, \(counts[1]) failed")
        #expect(counts[0] > 0)
        #expect(counts[1] == 0)
        #expect(try directory.contents() == ["msa-web.ccache", "stop"])
    }

    /// A writer killed mid-write leaves `.NAME.XXXXXX` (a TGT) beside the cache; the next write removes it, but
    /// not one a live writer still holds locked, nor a file of another cache.
    @Test func leftoversOfAKilledWriterAreRemovedByTheNextWrite() throws {
        let path = directory.file("msa-web.ccache")
        for name in [".msa-web.ccache.Ab3dEf", ".msa-web.ccache.LiveXY", ".msa-app.ccache.Ab3dEf", ".msa-web.ccache.toolong"] {
            FileManager.default.createFile(atPath: directory.file(name), contents: Data([1, 2, 3]))
        }
        let live = open(directory.file(".msa-web.ccache.LiveXY"), O_RDONLY)
        defer { close(live) }
        #expect(flock(live, LOCK_EX) == 0)
        try files.write(try ticket(), to: path)
        #expect(
            try directory.contents() == [".msa-app.ccache.Ab3dEf", ".msa-web.ccache.LiveXY", ".msa-web.ccache.toolong", "msa-web.ccache"])
    }

    @Test func aWriteIntoAMissingDirectoryFailsClearlyAndLeavesNothing() throws {
        let path = directory.file("missing/msa-web.ccache")
        #expect {
            try files.write(try ticket(), to: path)
        } throws: { error in
            "\(error)".contains("cannot create a new ticket cache in \(directory.file("missing"))")
        }
        #expect(try directory.contents().isEmpty)
    }

    @Test func keyVersionsAreTriedCurrentFirstThenNewestFirst() {
        #expect(KerberosContext.tryOrder([3, 4, 5], current: 4) == [4, 5, 3])
        #expect(KerberosContext.tryOrder([3, 5], current: 4) == [5, 3])
        #expect(KerberosContext.tryOrder([7], current: 7) == [7])
    }
}
