import Foundation
import GMSACore
import GMSAKerberos
import GMSAService
import GMSATestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A gMSA's ticket cache against the Samba DC: a TGT from the keytab `sync` wrote, in a cache owned by another
/// user, with which that user's programs (`kvno`, `ldapwhoami -Y GSSAPI`) authenticate as the gMSA.
@Suite(.enabled(if: Lab.isAvailable, "needs the Samba lab: run under lab/lab.sh"), .serialized)
struct TicketCacheAgainstLabTests {
    static let nobody: UInt32 = 65534
    let directory: TemporaryDirectory
    let context: KerberosContext
    let principal = "msa-web$@\(Lab.realm)"
    let controller = ProcessInfo.processInfo.environment["LAB_DC"] ?? "dc1.company.test"

    init() throws {
        directory = try TemporaryDirectory()
        context = try KerberosContext()
        // The cache's owner must reach it, and read krb5.conf (the lab's is in its private 0700 directory).
        chmod(directory.path, 0o755)
        let configuration = ProcessInfo.processInfo.environment["KRB5_CONFIG"] ?? "/etc/krb5.conf"
        try FileManager.default.copyItem(atPath: configuration, toPath: directory.file("krb5.conf"))
        chmod(directory.file("krb5.conf"), 0o644)
    }

    /// msa-web's keytab as `sync` writes it, and its current kvno.
    func webKeytab() throws -> (path: String, keyVersion: UInt32, entries: [KeytabEntry]) {
        let keytab = directory.file("msa-web.keytab")
        let configuration = Lab.configuration("[[account]]\nname = \"msa-web$\"\nkeytab = \"\(keytab)\"\n", in: directory)
        let run = try ProgramRun.run(ProgramRun.gmsaKeytabd, ["sync", "-c", configuration])
        try #require(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        let entries = try KeytabReader(context: context).read(keytab).entries.filter { $0.principal == principal }
        return (keytab, try #require(entries.map(\.keyVersion).max()), entries)
    }

    /// Runs `command` as nobody (no groups) with the cache as its default.
    func asNobody(_ command: [String], cache: String) throws -> ProgramRun {
        try ProgramRun.run(
            "/usr/bin/setpriv",
            [
                "--reuid=\(Self.nobody)", "--regid=\(Self.nobody)", "--clear-groups", "/usr/bin/env", "-i",
                "KRB5_CONFIG=\(directory.file("krb5.conf"))", "KRB5CCNAME=FILE:\(cache)", "PATH=/usr/bin:/bin",
            ] + command)
    }

    @Test func aCacheOwnedByAnotherUserLetsItsProgramsAuthenticateAsTheGMSA() throws {
        let keytab = try webKeytab()
        let ticket = try context.initialTicket(for: principal, keytab: keytab.path, keyVersion: keytab.keyVersion)
        #expect(ticket.keyVersion == keytab.keyVersion)
        #expect(ticket.info.client.lowercased() == principal.lowercased())
        #expect(ticket.info.server == "krbtgt/\(Lab.realm)@\(Lab.realm)")
        let now = Int64(time(nil))
        let renewUntil = try #require(ticket.info.renewUntil, "a renewable ticket")
        print(
            "msa-web$ TGT: lifetime \(ticket.info.expiry - ticket.info.start) s, renewable for "
                + "\(renewUntil - ticket.info.start) s, kvno \(keytab.keyVersion)")
        #expect(ticket.info.expiry > now + 3600)
        #expect(renewUntil > ticket.info.expiry)

        let cache = directory.file("msa-web.ccache")
        try TicketCacheFile(context: context).write(
            ticket, to: cache, options: TicketCacheFileOptions(mode: 0o600, owner: Self.nobody, group: Self.nobody))
        let attributes = try FileManager.default.attributesOfItem(atPath: cache)
        #expect(attributes[.ownerAccountID] as? Int == Int(Self.nobody))
        #expect(attributes[.posixPermissions] as? Int == 0o600)

        let kvno = try asNobody(["kvno", "ldap/\(controller)"], cache: cache)
        #expect(kvno.status == 0, "\(kvno.standardError)")
        #expect(kvno.standardOutput.contains("ldap/\(controller)@\(Lab.realm): kvno = "), "\(kvno.standardOutput)")
        // -N: the DC's name as given, not canonicalised through reverse DNS (the lab's DC is on loopback).
        let whoami = try asNobody(["ldapwhoami", "-N", "-Q", "-Y", "GSSAPI", "-H", "ldap://\(controller)"], cache: cache)
        #expect(whoami.status == 0, "\(whoami.standardError)")
        #expect(whoami.standardOutput.lowercased().contains("msa-web$"), "ldapwhoami said \(whoami.standardOutput)")
        print("ldapwhoami as nobody with the cache: \(whoami.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    @Test func aRenewalMovesTheExpiryAndKeepsTheRenewUntil() throws {
        let keytab = try webKeytab()
        let ticket = try context.initialTicket(for: principal, keytab: keytab.path, keyVersion: keytab.keyVersion, lifetime: 3600)
        #expect(ticket.info.expiry - ticket.info.start <= 3600)
        sleep(2)
        let renewed = try context.renewedTicket(ticket)
        #expect(renewed.keyVersion == nil)
        #expect(renewed.info.client == ticket.info.client)
        #expect(renewed.info.expiry >= ticket.info.expiry + 2, "\(ticket.info) -> \(renewed.info)")
        #expect(renewed.info.renewUntil == ticket.info.renewUntil)
        #expect(renewed.info.start > ticket.info.start)

        let cache = directory.file("msa-web.ccache")
        try TicketCacheFile(context: context).write(renewed, to: cache, options: TicketCacheFileOptions(owner: Self.nobody))
        #expect(try TicketCacheFile(context: context).inspect(cache) == renewed.info)
        let kvno = try asNobody(["kvno", "ldap/\(controller)"], cache: cache)
        #expect(kvno.status == 0, "the renewed ticket works: \(kvno.standardError)")
        // A renewal from what the cache file holds, as after a daemon restart.
        let reread = try #require(try TicketCacheFile(context: context).read(cache))
        #expect(try context.renewedTicket(reread).info.renewUntil == ticket.info.renewUntil)
    }

    /// A staged rollover: the keytab's highest kvno is the next key, which the KDC does not know yet.
    @Test func aStagedNextKeyIsNotUsedAndAWrongCurrentKvnoFallsBack() throws {
        let keytab = try webKeytab()
        let next = keytab.keyVersion + 1
        let staged = keytab.entries.map { entry in
            KeytabEntry(
                principal: entry.principal, keyVersion: next,
                key: KerberosKey(
                    encryptionType: entry.key.encryptionType,
                    bytes: SecretBytes((0..<entry.key.bytes.count).map { _ in UInt8.random(in: 0...255) })))
        }
        let path = directory.file("staged.keytab")
        try KeytabWriter(context: context).write(keytab.entries + staged, to: path)

        // The directory's kvno: that key alone, one AS exchange.
        let current = try context.initialTicket(for: principal, keytab: path, keyVersion: keytab.keyVersion)
        #expect(current.keyVersion == keytab.keyVersion)
        // The directory already says K+1 but the KDC has not switched: refused, then K works.
        let fallback = try context.initialTicket(for: principal, keytab: path, keyVersion: next)
        #expect(fallback.keyVersion == keytab.keyVersion)
        // MIT's own choice (the highest kvno) fails on this keytab, which is why the kvno is chosen here.
        let kinit = try Lab.kinit(keytab: path, principal: principal)
        #expect(kinit.first?.status != 0, "kinit -k used kvno \(next)?")

        // Only wrong keys: an error that names the versions tried, and no key.
        let wrong = directory.file("wrong.keytab")
        try KeytabWriter(context: context).write(staged, to: wrong)
        #expect {
            _ = try context.initialTicket(for: principal, keytab: wrong, keyVersion: next)
        } throws: { error in
            let text = "\(error)"
            return text.contains("refused every key") && text.contains("key versions \(next)") && text.contains(principal)
        }
    }

    /// `kvno` as the cache's owner in a loop while the cache is renewed and rewritten 100 times by the daemon's
    /// own renewal (``KerberosTicketCaches/renew(_:options:)``, what its keeper calls): no failure.
    @Test func aReaderLoopAsTheOwnerSeesNoGapAcross100Renewals() throws {
        let keytab = try webKeytab()
        let ticket = try context.initialTicket(for: principal, keytab: keytab.path, keyVersion: keytab.keyVersion)
        let cache = directory.file("msa-web.ccache")
        let files = TicketCacheFile(context: context)
        let options = TicketCacheFileOptions(owner: Self.nobody, group: Self.nobody)
        try files.write(ticket, to: cache, options: options)
        let stop = directory.file("stop")
        let loop = """
            ok=0 failed=0
            while [ ! -e '\(stop)' ]; do
                if kvno -q 'ldap/\(controller)' >/dev/null 2>&1; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
            done
            echo "$ok $failed"
            """
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        reader.arguments = [
            "--reuid=\(Self.nobody)", "--regid=\(Self.nobody)", "--clear-groups", "/usr/bin/env", "-i",
            "KRB5_CONFIG=\(directory.file("krb5.conf"))", "KRB5CCNAME=FILE:\(cache)", "PATH=/usr/bin:/bin", "/bin/sh", "-c", loop,
        ]
        let output = Pipe()
        reader.standardOutput = output
        try reader.run()
        let started = Date()
        let keeper = KerberosTicketCaches(context: context)
        for _ in 0..<100 {
            _ = try keeper.renew(cache, options: options)
        }
        let elapsed = Date().timeIntervalSince(started)
        FileManager.default.createFile(atPath: stop, contents: nil)
        reader.waitUntilExit()
        let counts = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(counts.count == 2)
        print("kvno as the owner during 100 renewals and rewrites (\(Int(elapsed * 1000)) ms): \(counts[0]) ok, \(counts[1]) failed")
        #expect(counts[0] > 0)
        #expect(counts[1] == 0)
        #expect(try directory.contents().filter { $0.hasPrefix(".msa-web.ccache.") }.isEmpty)
    }
}
