import Foundation
import GMSATestSupport
import Testing

/// `sync` and `check` against the Samba DC: keytabs that authenticate, clear messages, nothing lost.
@Suite(.enabled(if: Lab.isAvailable, "needs the Samba lab: run under lab/lab.sh"), .serialized)
struct SyncAgainstLabTests {
    /// Authorized gMSAs of the lab and their SPNs.
    static let authorized: [(name: String, spns: [String])] = [
        ("msa-web", ["HTTP/web.company.test", "HTTP/web"]), ("msa-svc1", []), ("msa-daily", []), ("msa-group", []),
    ]

    func sync(_ configuration: String, _ extra: [String] = []) throws -> ProgramRun {
        try ProgramRun.run(ProgramRun.gmsaKeytabd, ["sync", "-c", configuration] + extra)
    }

    func accountBlocks(_ names: [String], in directory: TemporaryDirectory) -> String {
        names.map { "[[account]]\nname = \"\($0)$\"\nkeytab = \"\(directory.file("\($0).keytab"))\"\n" }.joined()
    }

    @Test func syncWritesKeytabsThatAuthenticateForEveryAuthorizedGMSA() throws {
        let directory = try TemporaryDirectory()
        let configuration = Lab.configuration(accountBlocks(Self.authorized.map(\.name), in: directory), in: directory)
        let run = try sync(configuration)
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        for (name, spns) in Self.authorized {
            let keytab = directory.file("\(name).keytab")
            #expect(run.standardOutput.contains("\(name)$: wrote \(keytab)"), "\(run.standardOutput)")
            let checks = try Lab.kinit(keytab: keytab, principal: "\(name)$@\(Lab.realm)", checkServices: spns)
            #expect(checks.count == 1 + spns.count, "kinit -k for \(name)$ failed: \(checks.last?.standardError ?? "")")
            #expect(checks.allSatisfy { $0.status == 0 }, "\(checks.map(\.standardError))")
            for (spn, check) in zip(spns, checks.dropFirst()) {
                #expect(check.standardOutput.contains("\(spn)@\(Lab.realm): kvno = 1, keytab entry valid"), "\(check.standardOutput)")
            }
            let mode = try FileManager.default.attributesOfItem(atPath: keytab)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    @Test func aSecondSyncLeavesCurrentKeytabsUntouched() throws {
        let directory = try TemporaryDirectory()
        let configuration = Lab.configuration(accountBlocks(["msa-web", "msa-svc1"], in: directory), in: directory)
        let first = try sync(configuration)
        try #require(first.status == 0, "\(first.standardOutput)\(first.standardError)")
        let inode = try FileManager.default.attributesOfItem(atPath: directory.file("msa-web.keytab"))[.systemFileNumber] as? Int
        let second = try sync(configuration, ["--statistics"])
        #expect(second.status == 0)
        #expect(second.standardOutput.contains("msa-web$: current"))
        #expect(second.standardOutput.contains("msa-svc1$: current"))
        #expect(second.standardOutput.contains("0 keytab(s) written"))
        // Nothing changed: the keyed fingerprints in the state match, so no key is derived.
        #expect(second.standardOutput.contains("keys derived for 0 of 2 account(s)"), "\(second.standardOutput)")
        // Warm pass: one rootDSE read and one batched account search, no kvno re-read.
        #expect(second.standardOutput.contains("1 bind(s), 2 search(es)"), "\(second.standardOutput)")
        #expect(try FileManager.default.attributesOfItem(atPath: directory.file("msa-web.keytab"))[.systemFileNumber] as? Int == inode)
    }

    /// The host's TGT takes one request to the KDC, not two: the first AS request already carries the encrypted
    /// timestamp (optimistic pre-authentication), so the DC does not first answer "pre-authentication required".
    /// libkrb5's own trace (KRB5_TRACE) says what was sent.
    @Test func theHostTGTTakesOneRequestToTheKDC() throws {
        let directory = try TemporaryDirectory()
        let configuration = Lab.configuration(accountBlocks(["msa-svc1"], in: directory), in: directory)
        let trace = directory.file("krb5.trace")
        let run = try ProgramRun.run(ProgramRun.gmsaKeytabd, ["sync", "-c", configuration], environment: ["KRB5_TRACE": trace])
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        // From "Getting initial credentials" to the decrypted AS reply: the AS exchange, then the TGS for ldap/.
        let start = try #require(lines.firstIndex { $0.contains("Getting initial credentials for linuxhost1$@") })
        let end = try #require(lines[start...].firstIndex { $0.contains("Decrypted AS reply") })
        let exchange = lines[start..<end]
        #expect(exchange.contains { $0.contains("Attempting optimistic preauth") })
        #expect(exchange.filter { $0.contains("Sending request") }.count == 1, "\(exchange.joined(separator: "\n"))")
        #expect(!exchange.contains { $0.contains("Additional pre-authentication required") })
    }

    /// With `[domain] servers`, a first sync asks the KDC once in all: the AS request gets the DC's LDAP ticket,
    /// and the bind needs no TGS request.
    @Test func withServersTheWholeSyncTakesOneRequestToTheKDC() throws {
        let directory = try TemporaryDirectory()
        let configuration = Lab.configuration(accountBlocks(["msa-svc1"], in: directory), servers: ["dc1.company.test"], in: directory)
        let trace = directory.file("krb5.trace")
        let run = try ProgramRun.run(
            ProgramRun.gmsaKeytabd, ["sync", "-c", configuration, "--statistics"], environment: ["KRB5_TRACE": trace])
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        #expect(run.standardOutput.contains("host ticket: 1 new, 0 reused"), "\(run.standardOutput)")
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        #expect(lines.filter { $0.contains("Sending request") }.count == 1, "\(lines.joined(separator: "\n"))")
        #expect(lines.contains { $0.contains("Storing linuxhost1$@\(Lab.realm) -> ldap/dc1.company.test@\(Lab.realm)") })
        #expect(!lines.contains { $0.contains("krbtgt/") })
        #expect(FileManager.default.fileExists(atPath: directory.file("msa-svc1.keytab")))
        let check = try ProgramRun.run(ProgramRun.gmsaKeytabd, ["check", "-c", configuration])
        #expect(check.standardOutput.contains("LDAP ticket for dc1.company.test valid until"), "\(check.standardOutput)")
    }

    /// A next server the KDC knows no service for gets the TGT the KDC's refusal led to, without another AS
    /// exchange: `dc1`'s ticket (a service name of the DC, on a closed port), the refusal for `nosuchdc` that
    /// ends in a TGT, then the TGT's TGS request for dc1.company.test. Two AS replies in all.
    @Test func aNextServerTheKDCDoesNotKnowGetsItsTGTInOneExchange() throws {
        let directory = try TemporaryDirectory()
        let configuration = Lab.configuration(
            accountBlocks(["msa-svc1"], in: directory) + "[ldap]\ntimeout = 2\n",
            servers: ["dc1:3999", "nosuchdc.company.test", "dc1.company.test"], in: directory)
        let trace = directory.file("krb5.trace")
        let run = try ProgramRun.run(ProgramRun.gmsaKeytabd, ["sync", "-c", configuration], environment: ["KRB5_TRACE": trace])
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        // dc1's ticket, and the TGT after nosuchdc's refusal (MIT asks the primary KDC again after a refusal).
        #expect(lines.filter { $0.contains("Decrypted AS reply") }.count == 2, "\(lines.joined(separator: "\n"))")
        #expect(lines.contains { $0.contains("Server not found in Kerberos database") })
        #expect(lines.filter { $0.contains("Storing linuxhost1$@\(Lab.realm) -> krbtgt/") }.count == 1)
    }

    @Test func anUnauthorizedGMSAGetsNoKeytabAndAClearMessageWhileOthersSync() throws {
        let directory = try TemporaryDirectory()
        let configuration = Lab.configuration(accountBlocks(["msa-denied", "msa-svc1", "msa-nonexistent"], in: directory), in: directory)
        let run = try sync(configuration)
        #expect(run.status == 1)
        #expect(run.standardOutput.contains("msa-denied$: NOT READABLE"))
        #expect(run.standardOutput.contains("is not in msDS-GroupMSAMembership of CN=msa-denied"))
        #expect(run.standardOutput.contains("msa-nonexistent$: NOT FOUND"))
        #expect(run.standardOutput.contains("msa-svc1$: wrote"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("msa-denied.keytab")))
        #expect(!FileManager.default.fileExists(atPath: directory.file("msa-nonexistent.keytab")))
    }

    @Test func discoveryFindsExactlyTheReadableGMSAsThroughDNSSRV() throws {
        let directory = try TemporaryDirectory()
        let configuration = Lab.configuration(
            "[discovery]\nenabled = true\nkeytab = \"\(directory.file("{account}.keytab"))\"\nexclude = [\"msa-daily\"]\n",
            in: directory)
        let run = try sync(configuration)
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        var expected = Set(Self.authorized.map { "\($0.name).keytab" })
        expected.remove("msa-daily.keytab")
        // Accounts other tests create for themselves (msa-test-*) may come and go meanwhile.
        let written = Set(try directory.contents().filter { $0.hasSuffix(".keytab") && !$0.hasPrefix("msa-bench") && !$0.hasPrefix("msa-test-") })
        #expect(written == expected)
        let kinit = try Lab.kinit(keytab: directory.file("msa-group.keytab"), principal: "msa-group$@\(Lab.realm)")
        #expect(kinit.last?.status == 0, "authorized through a group: \(kinit.last?.standardError ?? "")")
    }

    @Test func aConnectionWithoutConfidentialityIsRefused() throws {
        let directory = try TemporaryDirectory()
        let keytab = directory.file("msa-svc1.keytab")
        FileManager.default.createFile(atPath: keytab, contents: Data("previous keytab".utf8))
        // An admin's secprops cannot lower the floor: the bind succeeds with integrity only (SSF 1), and the
        // daemon refuses to read passwords over it.
        let configuration = Lab.configuration(
            accountBlocks(["msa-svc1"], in: directory) + "[ldap]\nsasl_secprops = \"minssf=0,maxssf=1\"\n", in: directory)
        let run = try sync(configuration)
        #expect(run.status == 69)
        #expect(run.standardError.contains("refusing to read passwords from dc1"), "\(run.standardError)")
        #expect(run.standardError.contains("security strength 1"), "\(run.standardError)")
        #expect(try String(contentsOfFile: keytab, encoding: .utf8) == "previous keytab")
    }

    @Test func anUnreachableDCIsSkippedForTheNextOne() throws {
        let directory = try TemporaryDirectory()
        let configuration = Lab.configuration(
            accountBlocks(["msa-svc1"], in: directory) + "[ldap]\ntimeout = 2\n",
            servers: ["127.0.0.9", "dc1.company.test"], in: directory)
        let run = try sync(configuration, ["--statistics"])
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        #expect(run.standardOutput.contains("dc dc1.company.test"))
    }

    @Test func noReachableDCIsExit69AndTheKeytabStays() throws {
        let directory = try TemporaryDirectory()
        let keytab = directory.file("msa-svc1.keytab")
        FileManager.default.createFile(atPath: keytab, contents: Data("previous keytab".utf8))
        let configuration = Lab.configuration(
            accountBlocks(["msa-svc1"], in: directory) + "[ldap]\ntimeout = 2\n", servers: ["127.0.0.9"], in: directory)
        let run = try sync(configuration)
        #expect(run.status == 69)
        #expect(run.standardError.contains("127.0.0.9"))
        #expect(run.standardError.contains("no keytab was changed"))
        #expect(try String(contentsOfFile: keytab, encoding: .utf8) == "previous keytab")
    }

    @Test func checkReportsEachAccountAndWritesNothing() throws {
        let directory = try TemporaryDirectory()
        let configuration = Lab.configuration(accountBlocks(["msa-web", "msa-denied"], in: directory), in: directory)
        let run = try ProgramRun.run(ProgramRun.gmsaKeytabd, ["check", "-c", configuration])
        #expect(run.status == 1, "the unreadable account needs fixing")
        let output = run.standardOutput
        #expect(output.contains("host: linuxhost1$@\(Lab.realm) from \(Lab.hostKeytab): TGT valid until"), "\(output)")
        #expect(output.contains("from DNS SRV _ldap._tcp.dc._msdcs.company.test"))
        #expect(output.contains("security strength 256"))
        #expect(output.contains("msa-web$: readable"))
        #expect(output.contains("SPNs: HTTP/web, HTTP/web.company.test"))
        #expect(output.contains("keytab: \(directory.file("msa-web.keytab")): MISSING"))
        #expect(output.contains("msa-denied$: NOT READABLE"))
        #expect(try directory.contents() == ["gmsa-keytabd.toml"])
    }

    @Test func aConfigTypoIsExit78WithItsLine() throws {
        let directory = try TemporaryDirectory()
        let configuration = Lab.configuration("[[account]]\nname = \"msa-web$\"\nkeytab = \"/tmp/x.keytab\"\nonwer = \"root\"\n", in: directory)
        let run = try sync(configuration)
        #expect(run.status == 78)
        #expect(run.standardError.contains("\(configuration):10: account[1].onwer: unknown key"), "\(run.standardError)")
    }
}
