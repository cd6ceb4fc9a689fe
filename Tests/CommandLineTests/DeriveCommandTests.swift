import Foundation
import GMSACore
import GMSAKerberos
import GMSATestSupport
import Testing

@Suite struct DeriveCommandTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    func derive(_ arguments: [String], input: Data? = nil) throws -> ProgramRun {
        try ProgramRun.run(ProgramRun.gmsaKeytabd, ["derive"] + arguments, input: input)
    }

    /// `klist -kteK` lines of a keytab: kvno, principal, enctype and key as klist prints them.
    func klistKeys(_ path: String) throws -> [String] {
        let klist = try #require(ProgramRun.which("klist"), "klist (krb5-user) is needed")
        let run = try ProgramRun.run(klist, ["-kteK", path])
        try #require(run.status == 0, "klist failed: \(run.standardError)")
        return run.standardOutput.split(separator: "\n").map(String.init).filter { $0.contains("@") && $0.contains("(0x") }
    }

    @Test(arguments: KnownAnswerVectors.shared.blobs)
    func writesTheVectorsRC4Key(vector: KnownAnswerVectors.Blob) throws {
        let blobFile = directory.file("\(vector.name).bin")
        FileManager.default.createFile(atPath: blobFile, contents: Data(vector.bytes))
        let keytab = directory.file("\(vector.name).keytab")
        let run = try derive([
            "--blob", blobFile, "--account", "msa-web$", "--realm", "COMPANY.TEST", "--kvno", "2", "--keytab", keytab,
            "--spn", "HTTP/web.company.test",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("wrote \(keytab)"))
        let lines = try klistKeys(keytab)
        #expect(lines.count == 6, "2 principals × kvno 2 × 3 enctypes")
        let rc4 = lines.filter { $0.contains("arcfour-hmac") }
        #expect(rc4.count == 2)
        // Comparing inside the test (not printing the key) keeps key bytes out of failure messages.
        let matches = rc4.filter { $0.contains("(0x\(vector.currentRc4KeyHex))") }.count
        #expect(matches == 2, "the RC4 key in the keytab is not the vector's \(vector.name) key")
        #expect(lines.allSatisfy { $0.trimmingCharacters(in: .whitespaces).hasPrefix("2 ") })
    }

    @Test func acceptsLdapsearchOutputOnStandardInput() throws {
        let vector = KnownAnswerVectors.shared.blobs[2]
        let ldif = "dn: CN=msa-web,CN=Managed Service Accounts,DC=company,DC=test\nmsDS-ManagedPassword:: "
            + Data(vector.bytes).base64EncodedString() + "\n\n"
        let keytab = directory.file("web.keytab")
        let run = try derive(
            ["--blob", "-", "--account", "msa-web", "--realm", "company.test", "--kvno", "7", "--keytab", keytab, "--enctypes", "rc4"],
            input: Data(ldif.utf8))
        #expect(run.status == 0, "\(run.standardError)")
        let lines = try klistKeys(keytab)
        #expect(lines.count == 1)
        #expect(lines.first?.contains("msa-web$@COMPANY.TEST") == true)
        #expect(lines.first?.contains("(0x\(vector.currentRc4KeyHex))") == true)
    }

    @Test func previousPasswordGoesToKvnoMinusOne() throws {
        let blobFile = directory.file("two.bin")
        let bytes = BlobBuilder(
            current: BlobBuilder.password(seed: 1), previous: BlobBuilder.password(seed: 2), queryTicks: 864_000_000_000, unchangedTicks: 861_000_000_000
        ).bytes()
        FileManager.default.createFile(atPath: blobFile, contents: Data(bytes))
        let keytab = directory.file("web.keytab")
        let run = try derive([
            "--blob", blobFile, "--account", "msa-web$", "--realm", "COMPANY.TEST", "--kvno", "5", "--keytab", keytab,
            "--enctypes", "aes256,aes128",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        let lines = try klistKeys(keytab)
        #expect(lines.count == 4)
        #expect(lines.filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("5 ") }.count == 2)
        #expect(lines.filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("4 ") }.count == 2)
        #expect(!lines.contains { $0.contains("arcfour") })
        let mode = try FileManager.default.attributesOfItem(atPath: keytab)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aMalformedBlobIsExit65NamingTheAccountAndKeepsTheKeytab() throws {
        let keytab = directory.file("web.keytab")
        FileManager.default.createFile(atPath: keytab, contents: Data("old keytab".utf8))
        var bytes = KnownAnswerVectors.shared.blobs[0].bytes
        bytes[0] = 2
        let blobFile = directory.file("bad.bin")
        FileManager.default.createFile(atPath: blobFile, contents: Data(bytes))
        let run = try derive(["--blob", blobFile, "--account", "msa-web$", "--realm", "COMPANY.TEST", "--kvno", "2", "--keytab", keytab])
        #expect(run.status == 65)
        #expect(run.standardError.contains("msa-web$"))
        #expect(run.standardError.contains("version 2"))
        #expect(try String(contentsOfFile: keytab, encoding: .utf8) == "old keytab")
        // Neither output stream carries a byte of the password, in hex or base64.
        let password = KnownAnswerVectors.shared.blobs[0].currentPasswordUtf16leHex
        let all = run.standardOutput + run.standardError
        #expect(!all.contains(password.prefix(12)))
        #expect(!all.contains(Data([UInt8](hex: password)).base64EncodedString().prefix(12)))
    }

    @Test func missingInputAndBadArgumentsHaveTheirOwnExitCodes() throws {
        let keytab = directory.file("web.keytab")
        let missing = try derive(["--blob", directory.file("nope"), "--account", "a$", "--realm", "R.TEST", "--kvno", "1", "--keytab", keytab])
        #expect(missing.status == 66)
        #expect(missing.standardError.contains(directory.file("nope")))

        let badType = try derive(["--blob", "x", "--account", "a$", "--realm", "R.TEST", "--kvno", "1", "--keytab", keytab, "--enctypes", "des"])
        #expect(badType.status == 64)
        #expect(badType.standardError.contains("des"))

        let badKvno = try derive(["--blob", "x", "--account", "a$", "--realm", "R.TEST", "--kvno", "0", "--keytab", keytab])
        #expect(badKvno.status == 64)
        #expect(!FileManager.default.fileExists(atPath: keytab))
    }
}

/// A full disk: the keytab is not written, the old one stays, the exit status is 73 as documented.
@Suite(.enabled(if: getuid() == 0, "needs root for a small tmpfs in a private mount namespace"))
struct DeriveOnAFullDiskTests {
    @Test func exits73AndKeepsTheOldKeytab() throws {
        let directory = try TemporaryDirectory()
        let vector = KnownAnswerVectors.shared.blobs[0]
        let blob = directory.file("blob.bin")
        FileManager.default.createFile(atPath: blob, contents: Data(vector.bytes))
        let derive = "\(ProgramRun.gmsaKeytabd) derive --blob \(blob) --account msa-web$ --realm COMPANY.TEST --keytab \"$dir/web.keytab\""
        // In a private mount namespace: a 64 KiB tmpfs, a first keytab written to it, the rest filled, a second
        // keytab (another kvno, so the content differs) tried.
        let script = """
            set -u
            dir=$(mktemp -d)
            mount -t tmpfs -o size=64k tmpfs "$dir" || exit 99
            \(derive) --kvno 2 >/dev/null || exit 98
            before=$(md5sum < "$dir/web.keytab")
            dd if=/dev/zero of="$dir/fill" bs=4k 2>/dev/null
            \(derive) --kvno 3 2>"$dir.err"
            echo "status=$?"
            [ "$(md5sum < "$dir/web.keytab")" = "$before" ] && echo "old keytab intact"
            ls -A "$dir" | tr '\\n' ' '; echo
            cat "$dir.err"
            umount "$dir"; rm -rf "$dir" "$dir.err"
            """
        let run = try ProgramRun.run("/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh"])
        #expect(run.standardOutput.contains("status=73"), "\(run.standardOutput) \(run.standardError)")
        #expect(run.standardOutput.contains("old keytab intact"), "\(run.standardOutput)")
        #expect(run.standardOutput.contains("fill web.keytab \n"), "no temporary directory left: \(run.standardOutput)")
        #expect(run.standardOutput.contains("No space left on device"), "\(run.standardOutput)")
    }
}
