import Foundation
import GMSAKerberos
import GMSATestSupport
import Testing

/// `gmsa-keytabd run` against the Samba DC: journald entries, sd_notify messages, reloads.
@Suite(.enabled(if: Lab.isAvailable, "needs the Samba lab: run under lab/lab.sh"), .serialized)
struct DaemonAgainstLabTests {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts").path

    func configuration(_ accounts: [String], in directory: TemporaryDirectory, extra: String = "") -> String {
        let blocks = accounts.map { "[[account]]\nname = \"\($0)$\"\nkeytab = \"\(directory.file("\($0).keytab"))\"\n" }.joined()
        return Lab.configuration(blocks + extra, in: directory)
    }

    /// Journal entries as field dictionaries, from the listener's JSON lines.
    func journalEntries(_ file: String) throws -> [[String: String]] {
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { line in
            let datagram = try JSONDecoder().decode(String.self, from: Data(line.utf8))
            var fields: [String: String] = [:]
            for field in datagram.split(separator: "\n") {
                guard let equals = field.firstIndex(of: "=") else { continue }
                fields[String(field[..<equals])] = String(field[field.index(after: equals)...])
            }
            return fields
        }
    }

    @Test func journalEntriesCarryFieldsPrioritiesAndNoSecrets() throws {
        let directory = try TemporaryDirectory()
        let marker = directory.file("on-change-ran")
        // The extra line belongs to the last [[account]] block: msa-web's.
        let config = configuration(["msa-denied", "msa-web"], in: directory, extra: "on_change = [\"/usr/bin/touch\", \"\(marker)\"]\n")
        let journal = directory.file("journal.jsonl")
        let daemon = try BackgroundProcess(
            "\(Self.scripts)/with-private-journal.sh",
            [journal, ProgramRun.gmsaKeytabd, "run", "-c", config, "--log-target", "journal", "--log-level", "debug"],
            outputFile: directory.file("daemon.out"))
        // on_change runs outside the pass: its result is logged at a later tick.
        let wrote = try eventually(timeout: 30) {
            let entries = try journalEntries(journal)
            return entries.contains { $0["MESSAGE_ID"] == "8d3b5c0ae8e54f6f9b2a1f04c6d7e901" }
                && entries.contains { $0["MESSAGE"]?.contains("on_change command finished") == true }
        }
        #expect(wrote, "no 'keytab updated' entry; output: \(daemon.output)")
        #expect(signalDaemon(stateDirectory: directory.file("state"), SIGTERM))
        #expect(daemon.waitForExit() == 0, "\(daemon.output)")

        let entries = try journalEntries(journal)
        let updated = try #require(entries.first { $0["MESSAGE_ID"] == "8d3b5c0ae8e54f6f9b2a1f04c6d7e901" })
        #expect(updated["PRIORITY"] == "5")
        #expect(updated["SYSLOG_IDENTIFIER"] == "gmsa-keytabd")
        #expect(updated["GMSA_ACCOUNT"] == "msa-web$")
        #expect(updated["KVNO"] == "1")
        #expect(updated["KEYTAB"] == directory.file("msa-web.keytab"))
        #expect(updated["DC"] == "dc1.company.test")
        #expect(updated["NEXT_REFRESH"]?.isEmpty == false)
        let denied = try #require(entries.first { $0["MESSAGE_ID"] == "c41a7e2b9d064f3a86e5b0d7f2a9c318" })
        #expect(denied["PRIORITY"] == "4")
        #expect(denied["GMSA_ACCOUNT"] == "msa-denied$")
        #expect(denied["MESSAGE"]?.contains("msDS-GroupMSAMembership") == true)
        #expect(entries.contains { $0["PRIORITY"] == "7" }, "debug entries at --log-level debug")
        // on_change ran after the keytab changed, and its result was logged.
        #expect(FileManager.default.fileExists(atPath: marker))
        #expect(entries.contains { $0["MESSAGE"]?.contains("on_change command finished: exit status 0") == true && $0["GMSA_ACCOUNT"] == "msa-web$" })
        // Field names journald would drop (lower case) never appear.
        #expect(entries.allSatisfy { $0.keys.allSatisfy { $0 == $0.uppercased() } })

        // No secret: neither the blob nor any key of the keytab, in any encoding we can think of.
        let blob = try Lab.script("fetch-blob.sh", ["msa-web"])
        try #require(blob.status == 0)
        let everything = (try? String(contentsOfFile: journal, encoding: .utf8)) ?? ""
        let base64 = blob.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!everything.contains(String(base64.dropFirst(24).prefix(16))))
        let klist = try ProgramRun.run(try #require(ProgramRun.which("klist")), ["-kK", directory.file("msa-web.keytab")])
        for line in klist.standardOutput.split(separator: "\n") {
            if let range = line.range(of: "(0x") {
                let key = line[range.upperBound...].prefix(16)
                #expect(!everything.lowercased().contains(key.lowercased()), "a key appears in the journal")
            }
        }
    }

    @Test func notifiesReadyStatusWatchdogReloadingAndStopping() throws {
        let directory = try TemporaryDirectory()
        let config = configuration(["msa-svc1"], in: directory)
        let socket = directory.file("notify.sock")
        let messages = directory.file("notify.jsonl")
        let listener = try BackgroundProcess(
            "/usr/bin/python3", ["\(Self.scripts)/datagram-listener.py", socket, messages, "60"], outputFile: directory.file("listener.out"))
        _ = listener
        try #require(eventually(timeout: 10) { FileManager.default.fileExists(atPath: socket + ".ready") })
        let daemon = try BackgroundProcess(
            ProgramRun.gmsaKeytabd, ["run", "-c", config, "--log-target", "stderr"],
            environment: ["NOTIFY_SOCKET": socket, "WATCHDOG_USEC": "1000000"], outputFile: directory.file("daemon.out"))
        func received() -> [String] {
            ((try? String(contentsOfFile: messages, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONDecoder().decode(String.self, from: Data($0.utf8))
            }
        }
        #expect(eventually(timeout: 30) { received().contains { $0.hasPrefix("READY=1") } }, "\(daemon.output)")
        #expect(eventually(timeout: 10) { received().filter { $0 == "WATCHDOG=1" }.count >= 3 }, "watchdog pings every 0.5 s")
        #expect(signalDaemon(stateDirectory: directory.file("state"), SIGHUP))
        #expect(eventually(timeout: 20) { received().filter { $0.hasPrefix("READY=1") }.count >= 2 })
        #expect(signalDaemon(stateDirectory: directory.file("state"), SIGTERM))
        #expect(daemon.waitForExit() == 0)

        let all = received()
        let ready = try #require(all.firstIndex { $0.hasPrefix("READY=1") })
        #expect(all[ready].contains("STATUS=1 account(s) current, next change msa-svc1$ in "), "\(all[ready])")
        let reloading = try #require(all.firstIndex(of: "RELOADING=1"))
        #expect(reloading > ready)
        #expect(all[(reloading + 1)...].contains { $0.hasPrefix("READY=1") })
        #expect(all.last == "STOPPING=1")
    }

    /// The daemon loads only the SASL and preauth modules it uses: cyrus-sasl's GSSAPI plugin, not the others
    /// (and libdb, libcrypto with them), and not libkrb5's SPAKE module (libcrypto again). Checked in a daemon of
    /// its own, since other tests in this process initialise both libraries without the restriction. And
    /// krb5.conf stays as it was.
    @Test func loadsOnlyTheGSSAPIPluginAndNoCryptoLibraryOfItsOwn() throws {
        let directory = try TemporaryDirectory()
        let config = configuration(["msa-svc1"], in: directory)
        let krb5Conf = try #require(ProcessInfo.processInfo.environment["KRB5_CONFIG"])
        let krb5ConfBefore = try Data(contentsOf: URL(fileURLWithPath: krb5Conf))
        let daemon = try BackgroundProcess(
            ProgramRun.gmsaKeytabd, ["run", "-c", config, "--log-target", "stderr"], outputFile: directory.file("daemon.out"))
        #expect(eventually(timeout: 30) { FileManager.default.fileExists(atPath: directory.file("msa-svc1.keytab")) }, "\(daemon.output)")
        // The preauth restriction lives in memory: krb5.conf is read, never rewritten.
        #expect(try Data(contentsOf: URL(fileURLWithPath: krb5Conf)) == krb5ConfBefore, "krb5.conf was changed")
        // Read to the end: /proc files report size 0, and a read sized by stat stops early.
        let handle = try #require(FileHandle(forReadingAtPath: "/proc/\(daemon.process.processIdentifier)/maps"))
        let maps = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        let loaded = Set(maps.split(separator: "\n").compactMap { $0.split(separator: " ").last.map { String($0.split(separator: "/").last ?? "") } })
        #expect(loaded.contains { $0.hasPrefix("libgssapiv2.so") }, "the GSSAPI plugin: \(loaded.sorted())")
        for unwanted in ["libsasldb.so", "libscram.so", "libdigestmd5.so", "libplain.so", "libntlm.so", "libdb-5", "spake.so", "libcrypto.so"] {
            #expect(!loaded.contains { $0.hasPrefix(unwanted) }, "\(unwanted) is loaded")
        }
        #expect(signalDaemon(stateDirectory: directory.file("state"), SIGTERM))
        #expect(daemon.waitForExit() == 0)
    }

    /// samba-tool on the lab's database, e.g. `["spn", "add", …]`.
    func sambaTool(_ arguments: [String]) throws -> ProgramRun {
        let database = "ldb://\(ProcessInfo.processInfo.environment["LAB_SAM_LDB"] ?? "")"
        return try ProgramRun.run("/usr/bin/samba-tool", arguments + ["-H", database])
    }

    @Test func probesNoticeAnSPNChangeAndARevokedAuthorization() throws {
        // An account of this test's own, so other tests never see it change.
        let name = "msa-test-probe"
        for command in [
            ["service-account", "create", "--name=\(name)", "--dns-host-name=probe.company.test"],
            ["service-account", "group-msa-membership", "add", "--name=\(name)", "--principal=linuxhost1$"],
        ] {
            let run = try sambaTool(command)
            try #require(run.status == 0, "samba-tool \(command.joined(separator: " ")): \(run.standardError)")
        }
        let directory = try TemporaryDirectory()
        let config = configuration([name], in: directory, extra: "[daemon]\nstate_directory = \"\(directory.file("state"))\"\nprobe_interval = \"1m\"\n")
        let keytab = directory.file("\(name).keytab")
        let daemon = try BackgroundProcess(
            ProgramRun.gmsaKeytabd, ["run", "-c", config, "--log-target", "stderr"], outputFile: directory.file("daemon.out"))
        let context = try KerberosContext()
        func principals() -> Set<String> {
            Set(((try? KeytabReader(context: context).read(keytab).entries) ?? []).map(\.principal))
        }
        #expect(eventually(timeout: 30) { principals().contains("\(name)$@\(Lab.realm)") }, "\(daemon.output)")

        // An administrator adds an SPN: the next probe (within a minute) reads the account again.
        let spn = try sambaTool(["spn", "add", "HTTP/probe.company.test", "\(name)$"])
        try #require(spn.status == 0, "\(spn.standardError)")
        #expect(eventually(timeout: 100) { principals().contains("HTTP/probe.company.test@\(Lab.realm)") }, "\(daemon.output)")
        #expect(daemon.output.contains("changed in the directory"))
        let before = try Data(contentsOf: URL(fileURLWithPath: keytab))

        // The host loses the right to read the password: the probe notices, the read says so, the keytab stays.
        let revoke = try sambaTool(["service-account", "group-msa-membership", "remove", "--name=\(name)", "--principal=linuxhost1$"])
        try #require(revoke.status == 0, "\(revoke.standardError)")
        #expect(eventually(timeout: 100) { daemon.output.contains("\(name)$: NOT READABLE") }, "\(daemon.output)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: keytab)) == before, "the last good keytab stays in place")
        let status = try ProgramRun.run(ProgramRun.gmsaKeytabd, ["status", "-c", config])
        #expect(status.status == 1)
        #expect(status.standardOutput.contains("\(name)$: FAILING"))

        #expect(signalDaemon(stateDirectory: directory.file("state"), SIGTERM))
        #expect(daemon.waitForExit() == 0)
        _ = try? sambaTool(["service-account", "delete", "--name=\(name)"])
    }

    @Test func sighupKeepsTheOldConfigOnErrorAndServesANewAccount() throws {
        let directory = try TemporaryDirectory()
        let config = configuration(["msa-web"], in: directory)
        let daemon = try BackgroundProcess(
            ProgramRun.gmsaKeytabd, ["run", "-c", config, "--log-target", "stderr"], outputFile: directory.file("daemon.out"))
        let state = directory.file("state")
        #expect(eventually(timeout: 30) { FileManager.default.fileExists(atPath: directory.file("msa-web.keytab")) }, "\(daemon.output)")

        let good = try String(contentsOfFile: config, encoding: .utf8)
        try (good + "[[account]]\nname = \"msa-svc1$\"\nkeytab = 42\n").write(toFile: config, atomically: true, encoding: .utf8)
        #expect(signalDaemon(stateDirectory: state, SIGHUP))
        #expect(eventually(timeout: 10) { daemon.output.contains("configuration not reloaded, keeping the previous one") }, "\(daemon.output)")
        #expect(daemon.output.contains("account[2].keytab: wrong type"))
        #expect(daemon.isRunning)

        let added = good + "[[account]]\nname = \"msa-svc1$\"\nkeytab = \"\(directory.file("msa-svc1.keytab"))\"\n"
        try added.write(toFile: config, atomically: true, encoding: .utf8)
        #expect(signalDaemon(stateDirectory: state, SIGHUP))
        #expect(eventually(timeout: 30) { FileManager.default.fileExists(atPath: directory.file("msa-svc1.keytab")) }, "\(daemon.output)")
        let kinit = try Lab.kinit(keytab: directory.file("msa-svc1.keytab"), principal: "msa-svc1$@\(Lab.realm)")
        #expect(kinit.last?.status == 0)

        // `status` and `refresh` talk to the running daemon.
        let status = try ProgramRun.run(ProgramRun.gmsaKeytabd, ["status", "-c", config])
        #expect(status.status == 0, "\(status.standardOutput)")
        #expect(status.standardOutput.contains("daemon: running"))
        #expect(status.standardOutput.contains("msa-svc1$: ok"))
        // The DC the daemon's last pass used, and the site (the lab's only DC names Default-First-Site-Name).
        #expect(status.standardOutput.contains("domain controller: dc1.company.test, last connected "), "\(status.standardOutput)")
        #expect(
            status.standardOutput.contains("site: Default-First-Site-Name (from dc1.company.test's answer to an LDAP ping)"),
            "\(status.standardOutput)")
        let refresh = try ProgramRun.run(ProgramRun.gmsaKeytabd, ["refresh", "-c", config, "msa-web", "--wait", "30"])
        #expect(refresh.status == 0, "\(refresh.standardOutput)\(refresh.standardError)")
        #expect(refresh.standardOutput.contains("msa-web$: ok, kvno 1"))

        #expect(signalDaemon(stateDirectory: state, SIGTERM))
        #expect(daemon.waitForExit() == 0)
        #expect(!FileManager.default.fileExists(atPath: state + "/gmsa-keytabd.pid"), "the pid file is removed on exit")
    }
}
