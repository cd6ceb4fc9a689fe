import Foundation
import GMSATestSupport
import Testing

/// A running daemon puts back a keytab that something else deleted, truncated, replaced or re-permissioned,
/// within a tick and a read, and says so in the journal with its own MESSAGE_ID.
@Suite(.enabled(if: Lab.isAvailable, "needs the Samba lab: run under lab/lab.sh"))
struct RepairAgainstLabTests {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts").path
    static let repaired = "e7a2c94f1b3d4d8e9f60a5b7c2d1e348"

    func repairedEntries(_ journal: String) -> [String] {
        ((try? String(contentsOfFile: journal, encoding: .utf8)) ?? "").split(separator: "\n")
            .compactMap { try? JSONDecoder().decode(String.self, from: Data($0.utf8)) }
            .filter { $0.contains("MESSAGE_ID=\(Self.repaired)") }
    }

    func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
    }

    func authenticates(_ keytab: String) throws -> Bool {
        try Lab.kinit(keytab: keytab, principal: "msa-svc1$@\(Lab.realm)").allSatisfy { $0.status == 0 }
    }

    @Test func deletedTruncatedOverwrittenAndChmodedKeytabsComeBack() throws {
        let directory = try TemporaryDirectory()
        let keytab = directory.file("msa-svc1.keytab")
        let config = Lab.configuration("[[account]]\nname = \"msa-svc1$\"\nkeytab = \"\(keytab)\"\n", in: directory)
        let journal = directory.file("journal.jsonl")
        let daemon = try BackgroundProcess(
            "\(Self.scripts)/with-private-journal.sh", [journal, ProgramRun.gmsaKeytabd, "run", "-c", config, "--log-target", "journal"],
            outputFile: directory.file("daemon.out"))
        defer { _ = signalDaemon(stateDirectory: directory.file("state"), SIGTERM) }
        try #require(eventually(timeout: 30) { FileManager.default.fileExists(atPath: keytab) }, "\(daemon.output)")
        #expect(try authenticates(keytab))

        // One tick is 5 s and a read well under a second: 15 s is generous.
        try FileManager.default.removeItem(atPath: keytab)
        #expect(eventually(timeout: 15) { repairedEntries(journal).count == 1 }, "deleted: not repaired")
        #expect(try authenticates(keytab))

        try FileHandle(forWritingTo: URL(fileURLWithPath: keytab)).truncate(atOffset: 0)
        #expect(eventually(timeout: 15) { repairedEntries(journal).count == 2 }, "truncated: not repaired")
        #expect(try authenticates(keytab))

        // Another tool writes its own content over it (same size, other bytes).
        let size = try #require((try FileManager.default.attributesOfItem(atPath: keytab))[.size] as? Int)
        try Data(repeating: 0x42, count: size).write(to: URL(fileURLWithPath: keytab))
        #expect(eventually(timeout: 15) { repairedEntries(journal).count == 3 }, "overwritten: not repaired")
        #expect(try authenticates(keytab))

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keytab)
        #expect(eventually(timeout: 15) { mode(keytab) == 0o600 && repairedEntries(journal).count == 4 }, "chmod: not repaired")

        let entries = repairedEntries(journal)
        #expect(entries.allSatisfy { $0.contains("GMSA_ACCOUNT=msa-svc1$") && $0.contains("KEYTAB=\(keytab)") && $0.contains("PRIORITY=5") })
        #expect(entries.first?.contains("keytab repaired (it was deleted)") == true, "\(entries.first ?? "")")
        #expect(signalDaemon(stateDirectory: directory.file("state"), SIGTERM))
        #expect(daemon.waitForExit() == 0)
        // Nothing is left beside the keytab.
        #expect(try directory.contents().filter { $0.hasPrefix(".gmsa-keytabd.") }.isEmpty)
    }
}
