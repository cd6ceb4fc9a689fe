import Foundation
import GMSATestSupport
import Testing

/// `check` against the Samba DC warns for a gMSA whose msDS-SupportedEncryptionTypes is unset (the KDC then
/// issues RC4 tickets for it: shown with `klist -e`) and not for one set to AES.
@Suite(.enabled(if: Lab.isAvailable, "needs the Samba lab: run under lab/lab.sh"), .serialized)
struct RC4OnlyAgainstLabTests {
    /// An account of this test's own with msDS-SupportedEncryptionTypes = AES128 | AES256 (0x18), so no other
    /// test sees an account change.
    static let aesAccount = "msa-test-aes"
    /// Through the running DC as the lab's Administrator (KRB5CCNAME): a gMSA created in sam.ldb directly while
    /// the DC runs gets keys its KDC does not match (kinit -k: "Preauthentication failed").
    static let directoryOptions = ["-H", "ldap://dc1.company.test", "--use-kerberos=required"]

    func sambaTool(_ arguments: [String]) throws -> ProgramRun {
        try ProgramRun.run("/usr/bin/samba-tool", arguments + Self.directoryOptions)
    }

    func createAESAccount() throws {
        _ = try? sambaTool(["service-account", "delete", "--name=\(Self.aesAccount)"])
        for command in [
            ["service-account", "create", "--name=\(Self.aesAccount)", "--dns-host-name=aes.company.test"],
            ["service-account", "group-msa-membership", "add", "--name=\(Self.aesAccount)", "--principal=linuxhost1$"],
            ["spn", "add", "HTTP/aes.company.test", "\(Self.aesAccount)$"],
            ["user", "enable", "\(Self.aesAccount)$"],
        ] {
            let run = try sambaTool(command)
            try #require(run.status == 0, "samba-tool \(command.joined(separator: " ")): \(run.standardError)")
        }
        let ldif = """
            dn: CN=\(Self.aesAccount),CN=Managed Service Accounts,DC=company,DC=test
            changetype: modify
            replace: msDS-SupportedEncryptionTypes
            msDS-SupportedEncryptionTypes: 24

            """
        let modify = try ProgramRun.run("/usr/bin/ldbmodify", Self.directoryOptions, input: Data(ldif.utf8))
        try #require(modify.status == 0, "ldbmodify: \(modify.standardOutput)\(modify.standardError)")
    }

    /// The encryption type of the service ticket the KDC issues for `spn` (`klist -e`), asked as the gMSA.
    func ticketType(keytab: String, principal: String, spn: String, in directory: TemporaryDirectory) throws -> String {
        let cache = "FILE:\(directory.file("ccache-\(spn.replacingOccurrences(of: "/", with: "_"))"))"
        let kinit = try ProgramRun.run("/usr/bin/env", ["KRB5CCNAME=\(cache)", "kinit", "-k", "-t", keytab, principal])
        try #require(kinit.status == 0, "kinit -k \(principal): \(kinit.standardError)")
        let kvno = try ProgramRun.run("/usr/bin/env", ["KRB5CCNAME=\(cache)", "kvno", spn])
        try #require(kvno.status == 0, "kvno \(spn): \(kvno.standardError)")
        let list = try ProgramRun.run("/usr/bin/env", ["KRB5CCNAME=\(cache)", "klist", "-e"])
        let lines = list.standardOutput.split(separator: "\n")
        let index = try #require(lines.firstIndex { $0.contains(spn) }, "\(list.standardOutput)")
        // The line after the ticket: "Etype (skey, tkt): aes256-cts-hmac-sha1-96, arcfour-hmac"
        let etypes = try #require(lines[(index + 1)...].first { $0.contains("Etype (skey, tkt)") }, "\(list.standardOutput)")
        return String(etypes.split(separator: ",").last ?? "").trimmingCharacters(in: .whitespaces)
    }

    @Test func checkWarnsForAnAccountWithoutAESTypesAndNotForAnAESOne() throws {
        try createAESAccount()
        defer { _ = try? sambaTool(["service-account", "delete", "--name=\(Self.aesAccount)"]) }
        let directory = try TemporaryDirectory()
        let body = ["msa-web", Self.aesAccount].map { "[[account]]\nname = \"\($0)\"\nkeytab = \"\(directory.file("\($0).keytab"))\"\n" }
        let configuration = Lab.configuration(body.joined(), in: directory)

        let sync = try ProgramRun.run(ProgramRun.gmsaKeytabd, ["sync", "-c", configuration])
        #expect(sync.status == 0, "\(sync.standardOutput)\(sync.standardError)")
        // The KDC's tickets: RC4 for the unset account (which is why its keytab keeps the RC4 key), AES for the other.
        #expect(sync.standardOutput.contains("msa-web$: wrote") && sync.standardOutput.contains("arcfour-hmac"), "\(sync.standardOutput)")
        let rc4Ticket = try ticketType(
            keytab: directory.file("msa-web.keytab"), principal: "msa-web$@\(Lab.realm)", spn: "HTTP/web.company.test", in: directory)
        #expect(rc4Ticket.hasSuffix("arcfour-hmac"), "\(rc4Ticket)")  // MIT klist says "DEPRECATED:arcfour-hmac"
        let aesTicket = try ticketType(
            keytab: directory.file("\(Self.aesAccount).keytab"), principal: "\(Self.aesAccount)$@\(Lab.realm)", spn: "HTTP/aes.company.test",
            in: directory)
        #expect(aesTicket == "aes256-cts-hmac-sha1-96")

        let check = try ProgramRun.run(ProgramRun.gmsaKeytabd, ["check", "-c", configuration])
        let output = check.standardOutput
        #expect(check.status == 0, "a warning about the directory is not a problem of this host: \(output)\(check.standardError)")
        // One block per account: its "  name$: readable" line and the more indented lines after it.
        var blocks: [String] = []
        for line in output.split(separator: "\n") {
            if line.hasPrefix("  msa-") {
                blocks.append(String(line.dropFirst(2)))
            } else if line.hasPrefix("    "), !blocks.isEmpty {
                blocks[blocks.count - 1] += "\n" + line
            }
        }
        let web = try #require(blocks.first { $0.hasPrefix("msa-web$: readable") }, "\(output)")
        #expect(web.contains("WARNING: msDS-SupportedEncryptionTypes is not set: the KDC issues RC4 service tickets for this account"), "\(web)")
        #expect(web.contains("Fix in AD: Set-ADServiceAccount msa-web -KerberosEncryptionType AES128,AES256"), "\(web)")
        let aes = try #require(blocks.first { $0.hasPrefix("\(Self.aesAccount)$: readable") }, "\(output)")
        #expect(aes.contains("msDS-SupportedEncryptionTypes 0x18"), "\(aes)")
        #expect(!aes.contains("WARNING"), "\(aes)")
        #expect(output.components(separatedBy: "WARNING: msDS-SupportedEncryptionTypes").count == 2, "one warning: \(output)")
    }
}
