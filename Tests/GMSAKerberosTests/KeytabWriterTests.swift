import Foundation
import GMSACore
import CKrb5
@testable import GMSAKerberos
import GMSATestSupport
import Testing

@Suite struct KeytabWriterTests {
    let context: KerberosContext
    let directory: TemporaryDirectory

    init() throws {
        context = try KerberosContext()
        directory = try TemporaryDirectory()
    }

    func entries(seed: UInt16, kvno: UInt32, spns: [String] = ["HTTP/web.company.test"]) throws -> [KeytabEntry] {
        let blob = try ManagedPasswordBlob(
            parsing: BlobBuilder(
                current: BlobBuilder.password(seed: seed), previous: BlobBuilder.password(seed: seed &+ 1),
                queryTicks: 864_000_000_000, unchangedTicks: 861_000_000_000
            ).bytes())
        let layout = KeytabLayout(
            account: try ServiceAccountName("msa-web$"), realm: "COMPANY.TEST", servicePrincipalNames: spns,
            keyVersions: KeytabLayout.keyVersions(from: blob, currentKeyVersion: kvno),
            encryptionTypes: EncryptionType.defaultSet)
        return try context.entries(for: layout)
    }

    func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func roundTripsThroughLibkrb5() throws {
        let path = directory.file("web.keytab")
        let written = try entries(seed: 1, kvno: 3)
        #expect(try KeytabWriter(context: context).write(written, to: path) == .written)
        let read = try KeytabReader(context: context).read(path)
        #expect(read.otherEntryCount == 0)
        #expect(read.entries.count == 12)
        #expect(read.entries.hasSameEntries(as: written))
        #expect(try mode(path) == 0o600)
        // Nothing but the keytab is left in the directory.
        #expect(try directory.contents() == ["web.keytab"])
    }

    @Test func isCurrentAgreesWithTheReaderAndNoticesEveryDifference() throws {
        let path = directory.file("web.keytab")
        let writer = KeytabWriter(context: context)
        let written = try entries(seed: 1, kvno: 3)
        #expect(!writer.isCurrent(written, at: path), "no file yet")
        try writer.write(written, to: path)
        let read = try KeytabReader(context: context).read(path).entries
        for _ in 0..<3 {
            #expect(writer.isCurrent(read, at: path), "the entries just read")
            #expect(writer.isCurrent(written.reversed(), at: path), "in any order")
        }
        #expect(!writer.isCurrent(Array(written.dropLast()), at: path), "one entry fewer")
        #expect(!writer.isCurrent(try entries(seed: 2, kvno: 3), at: path), "other keys under the same kvnos")
        #expect(!writer.isCurrent(written, at: path, options: KeytabFileOptions(mode: 0o640)), "another mode")
        #expect(try writer.write(written, to: path) == .unchanged)
    }

    /// The writer serialises the file itself (libkrb5's file keytab fsyncs twice per entry): its bytes must be
    /// exactly what `krb5_kt_add_entry` writes, for principals with escapes, instances and realms of their own.
    /// libkrb5 stamps each entry with the time of its own call, so ours is written with that time.
    @Test func writesTheBytesLibkrb5Writes() throws {
        let names = ["HTTP/web.company.test", "host/a\\/b.company.test", "MSSQLSvc/db.company.test:1433@OTHER.TEST", "x\\@y"]
        let written = try entries(seed: 7, kvno: 300, spns: names)
        let reference = directory.file("libkrb5.keytab")
        var stamps: Set<Int32> = []
        for _ in 0..<3 {
            unlink(reference)
            stamps = try writeWithLibkrb5(written, to: reference)
            if stamps.count == 1 { break }  // not across a second boundary
        }
        let now = try #require(stamps.count == 1 ? stamps.first : nil)
        let ours = directory.file("ours.keytab")
        try KeytabWriter(context: context).write(written, to: ours, now: now)

        let oursBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: ours)))
        let referenceBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: reference)))
        let firstDifference = zip(oursBytes, referenceBytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        let same = oursBytes == referenceBytes
        #expect(
            same,
            "the keytab files differ: \(oursBytes.count) and \(referenceBytes.count) bytes, first at offset \(firstDifference.map(String.init) ?? "-") (contents not printed: they hold keys)")
        #expect(try KeytabReader(context: context).read(ours).entries.hasSameEntries(as: written))
    }

    /// Writes `entries` with `krb5_kt_add_entry`; returns the timestamps libkrb5 gave them.
    func writeWithLibkrb5(_ entries: [KeytabEntry], to path: String) throws -> Set<Int32> {
        var keytab: krb5_keytab?
        #expect(krb5_kt_resolve(context.raw, "WRFILE:\(path)", &keytab) == 0)
        defer { krb5_kt_close(context.raw, keytab) }
        for entry in entries {
            let principal = try context.parsePrincipal(entry.principal)
            defer { krb5_free_principal(context.raw, principal) }
            let code = entry.key.bytes.withUnsafeBytes { bytes in
                var record = krb5_keytab_entry()
                record.principal = principal
                record.vno = entry.keyVersion
                record.key.enctype = entry.key.encryptionType.rawValue
                record.key.length = UInt32(bytes.count)
                record.key.contents = UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self))
                return krb5_kt_add_entry(context.raw, keytab, &record)
            }
            #expect(code == 0)
        }
        var stamps: Set<Int32> = []
        var cursor: krb5_kt_cursor?
        #expect(krb5_kt_start_seq_get(context.raw, keytab, &cursor) == 0)
        var entry = krb5_keytab_entry()
        while krb5_kt_next_entry(context.raw, keytab, &entry, &cursor) == 0 {
            stamps.insert(entry.timestamp)
            krb5_kt_free_entry(context.raw, &entry)
        }
        krb5_kt_end_seq_get(context.raw, keytab, &cursor)
        return stamps
    }

    @Test func klistSeesEveryPrincipalKvnoAndEnctype() throws {
        let klist = try #require(ProgramRun.which("klist"), "klist (krb5-user) is needed")
        let path = directory.file("web.keytab")
        try KeytabWriter(context: context).write(try entries(seed: 1, kvno: 3), to: path)
        let run = try ProgramRun.run(klist, ["-kte", path])
        #expect(run.status == 0, "\(run.standardError)")
        let lines = run.standardOutput.split(separator: "\n").filter { $0.contains("@COMPANY.TEST") }
        #expect(lines.count == 12)
        for principal in ["msa-web$@COMPANY.TEST", "HTTP/web.company.test@COMPANY.TEST"] {
            for kvno in ["3", "2"] {
                for type in ["aes256-cts-hmac-sha1-96", "aes128-cts-hmac-sha1-96", "arcfour-hmac"] {
                    #expect(
                        lines.contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix(kvno + " ") && $0.contains(principal) && $0.contains(type) },
                        "\(principal) kvno \(kvno) \(type)")
                }
            }
        }
    }

    @Test func sameEntriesLeaveTheFileUntouched() throws {
        let path = directory.file("web.keytab")
        let writer = KeytabWriter(context: context)
        try writer.write(try entries(seed: 1, kvno: 3), to: path, now: 1_000)
        let before = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
        #expect(try writer.write(try entries(seed: 1, kvno: 3), to: path, now: 2_000) == .unchanged)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int == before)
        // New keys, a new kvno or another mode each rewrite it.
        #expect(try writer.write(try entries(seed: 5, kvno: 3), to: path) == .written)
        #expect(try writer.write(try entries(seed: 5, kvno: 4), to: path) == .written)
        #expect(try writer.write(try entries(seed: 5, kvno: 4), to: path, options: KeytabFileOptions(mode: 0o640)) == .written)
        #expect(try mode(path) == 0o640)
    }

    @Test func setsOwnerGroupAndMode() throws {
        try #require(getuid() == 0, "changing a file's owner needs root")
        let path = directory.file("web.keytab")
        let options = KeytabFileOptions(mode: 0o440, owner: 65534, group: 65534)
        try KeytabWriter(context: context).write(try entries(seed: 1, kvno: 3), to: path, options: options)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect(attributes[.ownerAccountID] as? Int == 65534)
        #expect(attributes[.groupOwnerAccountID] as? Int == 65534)
        #expect(try mode(path) == 0o440)
    }

    @Test func aFailureBeforeTheRenameKeepsTheOldKeytab() throws {
        let path = directory.file("web.keytab")
        let writer = KeytabWriter(context: context)
        let good = try entries(seed: 1, kvno: 3)
        try writer.write(good, to: path)
        let oldBytes = try Data(contentsOf: URL(fileURLWithPath: path))

        // An unparsable principal fails half-way through writing the new file.
        let broken = try entries(seed: 9, kvno: 4, spns: ["HTTP/a@B@C"])
        #expect(throws: KerberosError.self) { try writer.write(broken, to: path) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == oldBytes)
        #expect(try KeytabReader(context: context).read(path).entries.hasSameEntries(as: good))
        #expect(try directory.contents() == ["web.keytab"], "no temporary file is left behind")
    }

    @Test func refusesToWriteThroughASymlink() throws {
        let target = directory.file("real.keytab")
        FileManager.default.createFile(atPath: target, contents: Data("precious".utf8))
        let link = directory.file("web.keytab")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect {
            try KeytabWriter(context: context).write(try entries(seed: 1, kvno: 3), to: link)
        } throws: { error in
            let error = error as? KerberosError
            return error?.code == .unsafePath && error?.description.contains("symbolic link") == true
        }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "precious")
    }

    @Test func aMissingDirectoryIsAClearError() throws {
        let path = directory.file("missing/web.keytab")
        #expect {
            try KeytabWriter(context: context).write(try entries(seed: 1, kvno: 3), to: path)
        } throws: { error in
            "\(error)".contains(directory.file("missing")) && "\(error)".contains("No such file or directory")
        }
    }

    @Test func aCorruptKeytabIsReplaced() throws {
        let path = directory.file("web.keytab")
        FileManager.default.createFile(atPath: path, contents: Data([0x05, 0x02, 0xFF, 0xFF]), attributes: [.posixPermissions: 0o600])
        #expect(try KeytabWriter(context: context).write(try entries(seed: 1, kvno: 3), to: path) == .written)
        #expect(try KeytabReader(context: context).read(path).entries.count == 12)
    }

    @Test func errorsNeverContainKeyBytes() throws {
        let written = try entries(seed: 1, kvno: 3, spns: ["HTTP/a@B@C"])
        do {
            try KeytabWriter(context: context).write(written, to: directory.file("web.keytab"))
            Issue.record("an invalid principal was accepted")
        } catch {
            let text = "\(error)"
            for entry in written {
                #expect(!text.contains(entry.key.bytes.hexForKnownAnswerTest().prefix(8)))
            }
            #expect(text.contains("HTTP/a@B@C"))
        }
    }
}
