import Foundation
import GMSATestSupport
import Testing

/// A gMSA deleted and created again under the same name (kvno 1 again, new password) against the Samba DC: the
/// keytab that holds the old account's kvno 1 takes the new account's key, and `kinit -k` works with it again.
/// Once through the objectGUID the state file keeps (the first sync recovers), once with a state file from
/// before it was kept (the kvno the directory keeps showing wins in the second sync).
@Suite(.enabled(if: Lab.isAvailable, "needs the Samba lab: run under lab/lab.sh"), .serialized)
struct ReCreatedAccountAgainstLabTests {
    static let account = "msa-re"
    /// Through the running DC as the lab's Administrator (KRB5CCNAME): a gMSA created in sam.ldb directly while
    /// the DC runs gets keys its KDC does not match.
    static let directoryOptions = ["-H", "ldap://dc1.company.test", "--use-kerberos=required"]

    func sambaTool(_ arguments: [String]) throws -> ProgramRun {
        try ProgramRun.run("/usr/bin/samba-tool", arguments + Self.directoryOptions)
    }

    func deleteAccount() {
        _ = try? sambaTool(["service-account", "delete", "--name=\(Self.account)"])
    }

    func createAccount() throws {
        for command in [
            ["service-account", "create", "--name=\(Self.account)", "--dns-host-name=re.company.test"],
            ["service-account", "group-msa-membership", "add", "--name=\(Self.account)", "--principal=linuxhost1$"],
            ["user", "enable", "\(Self.account)$"],
        ] {
            let run = try sambaTool(command)
            try #require(run.status == 0, "samba-tool \(command.joined(separator: " ")): \(run.standardError)")
        }
    }

    /// `kinit -k` as the gMSA with `keytab`, into a cache of its own.
    func kinit(_ keytab: String, in directory: TemporaryDirectory) throws -> ProgramRun {
        try ProgramRun.run(
            "/usr/bin/env",
            ["KRB5CCNAME=FILE:\(directory.file("ccache-re"))", "kinit", "-k", "-t", keytab, "\(Self.account)$@\(Lab.realm)"])
    }

    func kvnos(_ keytab: String) throws -> [String] {
        let list = try ProgramRun.run("/usr/bin/klist", ["-k", keytab])
        return list.standardOutput.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            return fields.count == 2 && fields[1].hasPrefix("\(Self.account)$@") ? String(fields[0]) : nil
        }
    }

    /// Syncs until `kinit -k` works with the keytab (at most `limit` syncs); the syncs' outputs and the seconds
    /// from the first sync to the working kinit.
    func syncUntilKinitWorks(_ configuration: String, keytab: String, limit: Int, in directory: TemporaryDirectory) throws -> (
        syncs: [ProgramRun], seconds: Double
    ) {
        let start = Date()
        var syncs: [ProgramRun] = []
        while syncs.count < limit {
            syncs.append(try ProgramRun.run(ProgramRun.gmsaKeytabd, ["sync", "-c", configuration]))
            if try kinit(keytab, in: directory).status == 0 { break }
        }
        return (syncs, Date().timeIntervalSince(start))
    }

    @Test func aReCreatedAccountsKeyReplacesTheOldOneAndKinitWorksAgain() throws {
        deleteAccount()
        try createAccount()
        defer { deleteAccount() }
        let directory = try TemporaryDirectory()
        let keytab = directory.file("\(Self.account).keytab")
        let configuration = Lab.configuration("[[account]]\nname = \"\(Self.account)\"\nkeytab = \"\(keytab)\"\n", in: directory)
        let statePath = directory.file("state/state.json")

        let first = try ProgramRun.run(ProgramRun.gmsaKeytabd, ["sync", "-c", configuration])
        try #require(first.status == 0, "\(first.standardOutput)\(first.standardError)")
        try #require(try kinit(keytab, in: directory).status == 0)
        #expect(try kvnos(keytab) == ["1", "1", "1"], "kvno 1, three enctypes")
        let state = try String(contentsOfFile: statePath, encoding: .utf8)
        #expect(state.contains("\"objectGUID\""), "\(state)")

        // 1. Deleted and created again: kvno 1 again, another password, another objectGUID.
        deleteAccount()
        try createAccount()
        let stale = try kinit(keytab, in: directory)
        #expect(stale.status != 0, "the old key no longer works: \(stale.standardOutput)")
        let byGUID = try syncUntilKinitWorks(configuration, keytab: keytab, limit: 3, in: directory)
        print("figure: re-created gMSA (objectGUID in the state file): keytab working after \(byGUID.syncs.count) sync(s), "
              + "\(String(format: "%.1f", byGUID.seconds)) s")
        #expect(byGUID.syncs.count == 1)
        let replaced = byGUID.syncs[0].standardOutput
        #expect(byGUID.syncs[0].status == 0, "\(replaced)\(byGUID.syncs[0].standardError)")
        #expect(replaced.contains("\(Self.account)$: wrote") && replaced.contains("deleted and created again"), "\(replaced)")
        #expect(try kvnos(keytab) == ["1", "1", "1"], "the old kvno 1 keys are gone, not kept beside the new ones")

        // 2. Again, with a state file from before objectGUID was kept: the first sync after the re-creation
        //    disputes kvno 1, the second finds the directory showing it with the same password and takes its key.
        deleteAccount()
        try createAccount()
        var old = try String(contentsOfFile: statePath, encoding: .utf8)
        old = old.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("\"objectGUID\"") }
            .joined(separator: "\n")
        try old.write(toFile: statePath, atomically: true, encoding: .utf8)
        let byKvno = try syncUntilKinitWorks(configuration, keytab: keytab, limit: 4, in: directory)
        print("figure: re-created gMSA (state file without objectGUID): keytab working after \(byKvno.syncs.count) sync(s), "
              + "\(String(format: "%.1f", byKvno.seconds)) s")
        for (index, sync) in byKvno.syncs.enumerated() {
            print("  sync \(index + 1): exit \(sync.status): \(sync.standardOutput)")
        }
        #expect(byKvno.syncs.count == 2)
        if byKvno.syncs.count == 2 {
            let disputed = byKvno.syncs[0].standardOutput
            #expect(byKvno.syncs[0].status == 1)
            #expect(disputed.contains("still shows kvno 1") && disputed.contains("not touched"), "\(disputed)")
            let won = byKvno.syncs[1].standardOutput
            #expect(byKvno.syncs[1].status == 0)
            #expect(won.contains("replaced by the directory's") && won.contains("two passes"), "\(won)")
        }
        #expect(try kinit(keytab, in: directory).status == 0)
        #expect(try String(contentsOfFile: statePath, encoding: .utf8).contains("\"objectGUID\""), "kept again after the success")
    }
}
