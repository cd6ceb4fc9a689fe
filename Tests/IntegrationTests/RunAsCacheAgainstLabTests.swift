import Foundation
import GMSACore
import GMSAKerberos
import GMSAService
import GMSATestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// run-as's private cache against the Samba DC with an injected clock: the refresh the plan makes due hours
/// into a ticket's life is a real TGS renewal written to the user's cache (lab/run-as-test.sh cannot wait for
/// it: Samba refuses TGS requests with a TGT that has less than about 5 minutes left, so short tickets do not
/// show it in seconds).
@Suite(.enabled(if: Lab.isAvailable, "needs the Samba lab: run under lab/lab.sh"), .serialized)
struct RunAsCacheAgainstLabTests {
    @Test func theDueRefreshRenewsTheUsersCacheAndItIsRemovedWithItsDirectory() throws {
        let directory = try TemporaryDirectory()
        chmod(directory.path, 0o755)
        let keytab = directory.file("msa-web.keytab")
        let configuration = Lab.configuration("[[account]]\nname = \"msa-web$\"\nkeytab = \"\(keytab)\"\n", in: directory)
        let sync = try ProgramRun.run(ProgramRun.gmsaKeytabd, ["sync", "-c", configuration])
        try #require(sync.status == 0, "\(sync.standardOutput)\(sync.standardError)")

        let nobody = LocalUser(name: "nobody", uid: 65534, gid: 65534, groups: [65534], home: "/nonexistent", shell: "/bin/sh")
        let cache = try PrivateTicketCache(
            account: try ServiceAccountName("msa-web$"), realm: Lab.realm, keytab: keytab,
            stateFile: directory.file("state/state.json"), user: nobody, context: try KerberosContext(),
            parents: [directory.path])
        var freshener = TicketCacheFreshener(source: cache, spread: 0)
        try freshener.start()
        let first = try #require(freshener.source.info)
        let attributes = try FileManager.default.attributesOfItem(atPath: freshener.source.path)
        #expect(attributes[.ownerAccountID] as? Int == 65534 && attributes[.posixPermissions] as? Int == 0o600)

        sleep(2)
        let due = freshener.nextDue(now: Timestamp.now)
        #expect(due.timeIntervalSince(Timestamp.now) > 3600, "a 10 h ticket is not due for hours: \(due)")
        let (outcome, next) = freshener.refresh(now: due)
        #expect(outcome == .renewed)
        let renewed = try #require(freshener.source.info)
        #expect(renewed.expiry >= first.expiry + 2 && renewed.renewUntil == first.renewUntil, "\(first) -> \(renewed)")
        #expect(next > due)
        #expect(try TicketCacheFile(context: try KerberosContext()).inspect(freshener.source.path) == renewed)
        print("run-as cache: \(first) renewed to \(renewed)")

        var source = freshener.source
        #expect(source.remove() == nil)
        #expect(!FileManager.default.fileExists(atPath: source.directory))
    }
}
