import Foundation
import GMSACore
import GMSAKerberos
import GMSATestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A writer killed mid-write leaves a temporary directory with a partial keytab (real keys) beside the target;
/// the next write in that directory removes it, and nothing else.
@Suite struct KeytabLeftoverTests {
    let context: KerberosContext
    let directory: TemporaryDirectory
    let elsewhere: TemporaryDirectory

    init() throws {
        context = try KerberosContext()
        directory = try TemporaryDirectory()
        elsewhere = try TemporaryDirectory()
    }

    func entries() throws -> [KeytabEntry] {
        let blob = try ManagedPasswordBlob(
            parsing: BlobBuilder(current: BlobBuilder.password(seed: 7), previous: nil, queryTicks: 1, unchangedTicks: 1).bytes())
        let layout = KeytabLayout(
            account: try ServiceAccountName("msa-web$"), realm: "COMPANY.TEST", servicePrincipalNames: [],
            keyVersions: KeytabLayout.keyVersions(from: blob, currentKeyVersion: 2), encryptionTypes: [.aes256CTSHMACSHA196])
        return try context.entries(for: layout)
    }

    /// A leftover as a killed writer leaves it: the directory and a partial keytab in it.
    func leftover(_ name: String) throws -> String {
        let path = directory.file(name)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        try Data("partial keytab".utf8).write(to: URL(fileURLWithPath: path + "/keytab"))
        return path
    }

    @Test func theNextWriteRemovesWhatKilledWritersLeft() throws {
        try leftover(".gmsa-keytabd.Ab12Cd")
        try leftover(".gmsa-keytabd.zz99ZZ")
        #expect(try KeytabWriter(context: context).write(try entries(), to: directory.file("web.keytab")) == .written)
        #expect(try directory.contents() == ["web.keytab"])
    }

    @Test func aPassThatWritesNothingStillRemovesThemOncePerDirectory() throws {
        // A writer killed between its rename and removing its directory leaves it empty beside a current keytab.
        try FileManager.default.createDirectory(atPath: directory.file(".gmsa-keytabd.Ab12Cd"), withIntermediateDirectories: false)
        try leftover(".gmsa-keytabd.zz99ZZ")
        let keytabs = [directory.file("web.keytab"), directory.file("svc1.keytab"), elsewhere.file("x.keytab")]
        let removed = KeytabWriter.removeLeftovers(nextTo: keytabs)
        #expect(removed.map(\.directory) == [directory.path])
        #expect(removed.map(\.removed) == [2])
        #expect(try directory.contents().isEmpty)
    }

    @Test func aDirectoryALiveWriterHoldsStays() throws {
        let busy = try leftover(".gmsa-keytabd.LIVE01")
        let lock = open(busy, O_RDONLY | O_DIRECTORY)
        try #require(lock >= 0)
        defer { close(lock) }
        try #require(flock(lock, LOCK_EX) == 0)
        #expect(KeytabWriter.removeLeftovers(in: directory.path) == 0)
        #expect(FileManager.default.fileExists(atPath: busy + "/keytab"))
    }

    @Test func onlyTheWritersOwnPatternAndNeverThroughALink() throws {
        // Look-alikes that are not the writer's: another length, a plain file, and a link to a directory elsewhere.
        try leftover(".gmsa-keytabd.toolong1")
        try Data("a file".utf8).write(to: URL(fileURLWithPath: directory.file(".gmsa-keytabd.FILE01")))
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: elsewhere.file("keytab")))
        try FileManager.default.createSymbolicLink(atPath: directory.file(".gmsa-keytabd.LINK01"), withDestinationPath: elsewhere.path)
        #expect(KeytabWriter.removeLeftovers(in: directory.path) == 0)
        #expect(try directory.contents().sorted() == [".gmsa-keytabd.FILE01", ".gmsa-keytabd.LINK01", ".gmsa-keytabd.toolong1"])
        #expect(try elsewhere.contents() == ["keytab"])
    }
}
