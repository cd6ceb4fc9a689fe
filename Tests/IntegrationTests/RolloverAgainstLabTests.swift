import Foundation
import GMSACore
import GMSAKerberos
import GMSAService
import GMSATestSupport
import Testing

/// Three password rollovers of the 1-day gMSA msa-daily (normal, normal, then skipped intervals), with the
/// DC's and the daemon's clocks moved by libfaketime. Moves the DC's clock, so it runs alone: `make test`
/// runs it in a lab of its own with GMSA_TEST_ROLLOVER=1.
@Suite(
    .enabled(if: Lab.isAvailable && ProcessInfo.processInfo.environment["GMSA_TEST_ROLLOVER"] == "1",
        "moves the lab DC's clock: run in a lab of its own with GMSA_TEST_ROLLOVER=1 (make test does)"),
    .serialized)
struct RolloverAgainstLabTests {
    let directory: TemporaryDirectory
    let config: String
    let keytab: String
    let stateFile: String
    let spn = "HTTP/daily.company.test"
    let principal = "msa-daily$@\(Lab.realm)"
    let faketime = "\(Lab.scripts)/lab-faketime.sh"

    init() throws {
        directory = try TemporaryDirectory()
        keytab = directory.file("msa-daily.keytab")
        config = Lab.configuration("[[account]]\nname = \"msa-daily$\"\nkeytab = \"\(keytab)\"\n", in: directory)
        stateFile = directory.file("state/state.json")
    }

    /// Runs a command under the DC's current clock offset.
    func shifted(_ arguments: [String], cache: String? = nil) throws -> ProgramRun {
        var environment: [String] = []
        if let cache { environment = ["KRB5CCNAME=FILE:\(cache)"] }
        return try ProgramRun.run("/usr/bin/env", environment + [faketime, "exec"] + arguments)
    }

    /// Restarts the DC with its clock at `target` (a fake wall-clock instant).
    func moveDC(to target: Date) throws {
        try Self.setOffset(Int(target.timeIntervalSinceNow.rounded()), log: directory.file("faketime-\(UUID().uuidString).log"))
    }

    /// Through system(3), output to a file: the restarted samba inherits the output and keeps it open (a pipe
    /// would never reach end-of-file), and Foundation's Process did not always notice the script's exit.
    static func setOffset(_ offset: Int, log: String) throws {
        let command = "'\(Lab.scripts)/lab-faketime.sh' \(offset >= 0 ? "+\(offset)" : "\(offset)") > '\(log)' 2>&1 < /dev/null"
        let status = system(command)
        try #require(status == 0, "lab-faketime.sh failed (\(status)): \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    func keytabVersions() throws -> Set<UInt32> {
        Set(try KeytabReader(context: try KerberosContext()).read(keytab).entries.map(\.keyVersion))
    }

    func directoryKeyVersion() throws -> UInt32? {
        let run = try shifted(["\(Lab.scripts)/fetch-attr.sh", "msa-daily", "msDS-KeyVersionNumber"])
        return UInt32(run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Starts the daemon under the DC's offset and waits until `done` holds for its state.
    func runDaemon(until done: (AccountState) -> Bool, timeout: TimeInterval, _ comment: String) throws {
        let daemon = try BackgroundProcess(
            // NO_FAKE_STAT: file times stay real. Faked, the keytab's mtime would differ between two daemons run
            // under different offsets, and the daemon would take its own keytab for one changed behind its back.
            "/usr/bin/env", ["NO_FAKE_STAT=1", faketime, "exec", ProgramRun.gmsaKeytabd, "run", "-c", config, "--log-target", "stderr"],
            outputFile: directory.file("daemon-\(UUID().uuidString).out"))
        let account = try ServiceAccountName("msa-daily$")
        let reached = eventually(timeout: timeout) {
            StateStore(path: stateFile).load().state[account].map(done) ?? false
        }
        signalDaemon(stateDirectory: directory.file("state"), SIGTERM)
        let status = daemon.waitForExit(timeout: 30)
        #expect(reached, "\(comment); daemon output:\n\(daemon.output)")
        #expect(status == 0, "the daemon stops cleanly on SIGTERM")
    }

    /// A service ticket for the SPN from the KDC as of now, kept in its own cache (the "old" ticket).
    func serviceTicket(name: String) throws -> String {
        let cache = directory.file("ticket-\(name)")
        let admin = ProcessInfo.processInfo.environment["KRB5CCNAME"].map { String($0.dropFirst("FILE:".count)) } ?? ""
        try FileManager.default.copyItem(atPath: admin, toPath: cache)
        let run = try shifted(["kvno", spn], cache: cache)
        try #require(run.status == 0, "kvno \(spn) as Administrator failed: \(run.standardError)")
        return cache
    }

    /// `kvno -k KEYTAB SPN` with the ticket in `cache`: the keytab can decrypt a ticket issued earlier.
    func expectAccepted(ticketIn cache: String, keyVersion: UInt32, _ comment: String) throws {
        let run = try shifted(["kvno", "-k", keytab, spn], cache: cache)
        #expect(run.status == 0, "\(comment): \(run.standardError)")
        #expect(run.standardOutput.contains("kvno = \(keyVersion), keytab entry valid"), "\(comment): \(run.standardOutput)")
    }

    func expectKinit(_ comment: String) throws {
        let run = try shifted(["kinit", "-k", "-t", keytab, principal], cache: directory.file("kinit-\(UUID().uuidString)"))
        #expect(run.status == 0, "kinit -k \(comment): \(run.standardError)")
    }

    @Test func threeRolloversWithoutAnAuthenticationFailure() throws {
        defer { try? Self.setOffset(0, log: directory.file("faketime-reset.log")) }
        let spnAdd = try ProgramRun.run("/usr/bin/samba-tool", ["spn", "add", spn, "msa-daily$", "-H", "ldb://\(ProcessInfo.processInfo.environment["LAB_SAM_LDB"] ?? "")"])
        try #require(spnAdd.status == 0, "samba-tool spn add: \(spnAdd.standardError)")

        // When does the first password expire? (Reading at creation time triggers nothing.)
        let blob = try ProgramRun.run("/bin/bash", ["-c", "\(Lab.scripts)/fetch-blob.sh msa-daily | python3 \(Lab.scripts)/blob-info.py --json"])
        let info = try #require(try JSONSerialization.jsonObject(with: Data(blob.standardOutput.utf8)) as? [String: Any], "\(blob.standardError)")
        let query = try #require(info["query_interval_s"] as? Double)
        let expiry1 = Date() + query
        let period: TimeInterval = 20 * 3600  // a 1-day interval is a 20-hour period on Samba

        // 1. Scheduled early read: the daemon starts just before the window opens (expiry − 5 min) and reads
        //    again on its own at this host's place inside it (32 s to 268 s before expiry), so that before
        //    expiry the keytab already holds K+1.
        try moveDC(to: expiry1 - 305)
        try runDaemon(until: { $0.keytabKeyVersions.contains(2) }, timeout: 300, "K+1 staged before the first change")
        #expect(try keytabVersions() == [2, 1])
        #expect(try directoryKeyVersion() == 1, "the DC has not switched yet")
        let ticketWithKey1 = try serviceTicket(name: "k1")
        try expectAccepted(ticketIn: ticketWithKey1, keyVersion: 1, "before the change")

        // 2. 10 minutes after the change: the keytab holds K (new) and K−1 (retained); old tickets still work.
        try moveDC(to: expiry1 + 600)
        try runDaemon(until: { $0.keyVersion == 2 }, timeout: 60, "first rollover read")
        #expect(try directoryKeyVersion() == 2)
        #expect(try keytabVersions() == [2, 1])
        try expectKinit("after the first change")
        try expectAccepted(ticketIn: ticketWithKey1, keyVersion: 1, "a ticket from before the first change")

        // 3. Second normal rollover: K+1 = 3 staged just after this host's latest possible place in the window
        //    (expiry − 32 s), so the scheduled read is due at once; kvno 1 has outlived its retention.
        let expiry2 = expiry1 + period
        try moveDC(to: expiry2 - 31)
        try runDaemon(until: { $0.keytabKeyVersions.contains(3) }, timeout: 60, "K+1 staged before the second change")
        #expect(try keytabVersions() == [3, 2])
        let ticketWithKey2 = try serviceTicket(name: "k2")
        try moveDC(to: expiry2 + 600)
        try runDaemon(until: { $0.keyVersion == 3 }, timeout: 60, "second rollover read")
        #expect(try directoryKeyVersion() == 3)
        #expect(try keytabVersions() == [3, 2])
        try expectKinit("after the second change")
        try expectAccepted(ticketIn: ticketWithKey2, keyVersion: 2, "a ticket from before the second change")

        // 4. Skipped intervals: 2.5 days later kvno jumps by 2 (to 5, previous 4). The key that was active
        //    until this read (3; the rollover is lazy) is retained for a full period; 2, superseded 2.5 days
        //    ago, is gone.
        try moveDC(to: expiry2 + 600 + 60 * 3600)
        try runDaemon(until: { $0.keyVersion == 5 }, timeout: 60, "read after skipped intervals")
        #expect(try directoryKeyVersion() == 5)
        #expect(try keytabVersions() == [5, 4, 3])
        try expectKinit("after skipped intervals")
        let state = try #require(StateStore(path: stateFile).load().state[try ServiceAccountName("msa-daily$")])
        #expect(state.retainedUntil.keys.sorted() == [3, 4])
    }
}
