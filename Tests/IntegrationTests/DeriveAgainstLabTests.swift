import Foundation
import GMSATestSupport
import Testing

/// `derive` on a blob read from the real DC by ldapsearch: the keytab must authenticate.
@Suite(.enabled(if: Lab.isAvailable, "needs the Samba lab: run under lab/lab.sh"), .serialized)
struct DeriveAgainstLabTests {
    /// msa-svc1's blob as ldapsearch reads it, saved (0600) in `directory`.
    func savedBlob(in directory: TemporaryDirectory) throws -> String {
        let blob = try Lab.script("fetch-blob.sh", ["msa-svc1"])
        try #require(blob.status == 0, "fetch-blob.sh failed: \(blob.standardError)")
        let blobFile = directory.file("msa-svc1.b64")
        FileManager.default.createFile(atPath: blobFile, contents: Data(blob.standardOutput.utf8), attributes: [.posixPermissions: 0o600])
        return blobFile
    }

    @Test func derivedKeytabAuthenticatesWithKinit() throws {
        let directory = try TemporaryDirectory()
        let blobFile = try savedBlob(in: directory)
        let kvno = try Lab.script("fetch-attr.sh", ["msa-svc1", "msDS-KeyVersionNumber"])
        try #require(kvno.status == 0, "fetch-attr.sh failed: \(kvno.standardError)")

        let keytab = directory.file("msa-svc1.keytab")
        let run = try ProgramRun.run(
            ProgramRun.gmsaKeytabd,
            [
                "derive", "--blob", blobFile, "--account", "msa-svc1$", "--realm", Lab.realm,
                "--kvno", kvno.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines), "--keytab", keytab,
            ])
        #expect(run.status == 0, "\(run.standardError)")
        let kinit = try Lab.kinit(keytab: keytab, principal: "msa-svc1$@\(Lab.realm)")
        #expect(kinit.last?.status == 0, "kinit -k failed: \(kinit.last?.standardError ?? "")")
    }

    @Test func aKeyWithAnotherAccountsSaltIsRejected() throws {
        // The AES keys depend on the computer-account salt, not just the password: the right password under
        // another account's salt must fail pre-authentication.
        let directory = try TemporaryDirectory()
        let blobFile = try savedBlob(in: directory)
        let keytab = directory.file("wrong-salt.keytab")
        // AES-only keys salted for msa-other$, listed under the name msa-svc1$ through --spn.
        let run = try ProgramRun.run(
            ProgramRun.gmsaKeytabd,
            [
                "derive", "--blob", blobFile, "--account", "msa-other$", "--realm", Lab.realm, "--kvno", "1",
                "--keytab", keytab, "--enctypes", "aes256", "--spn", "msa-svc1$",
            ])
        try #require(run.status == 0, "\(run.standardError)")
        let kinit = try Lab.kinit(keytab: keytab, principal: "msa-svc1$@\(Lab.realm)")
        #expect(kinit.last?.status != 0, "a key with the wrong salt must not authenticate")
    }
}
