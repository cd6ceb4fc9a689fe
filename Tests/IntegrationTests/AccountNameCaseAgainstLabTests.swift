import Foundation
import GMSACore
import GMSADirectory
import GMSAKerberos
import GMSAService
import GMSATestSupport
import Testing

/// Account names in another case than the directory's, against the Samba DC: AD compares sAMAccountNames
/// without case, and the keytab keeps the directory's spelling.
@Suite(.enabled(if: Lab.isAvailable, "needs the Samba lab: run under lab/lab.sh"), .serialized)
struct AccountNameCaseAgainstLabTests {
    func sync(_ configuration: String, _ extra: [String] = []) throws -> ProgramRun {
        try ProgramRun.run(ProgramRun.gmsaKeytabd, ["sync", "-c", configuration] + extra)
    }

    /// `name = "MSA-Web"` finds `msa-web$`; the keytab lists `msa-web$@REALM` (the directory's spelling, with
    /// its salt) and authenticates under it; the state entry is found again by the next sync.
    @Test func aConfiguredNameInMixedCaseSyncsUnderTheDirectorysSpelling() throws {
        let directory = try TemporaryDirectory()
        let keytab = directory.file("web.keytab")
        let configuration = Lab.configuration("[[account]]\nname = \"MSA-Web\"\nkeytab = \"\(keytab)\"\n", in: directory)
        let run = try sync(configuration)
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        #expect(run.standardOutput.contains("MSA-Web$: wrote \(keytab)"), "\(run.standardOutput)")
        #expect(!run.standardOutput.contains("NOT FOUND"), "\(run.standardOutput)")

        let listing = try ProgramRun.run("/usr/bin/klist", ["-k", keytab])
        #expect(listing.standardOutput.contains("msa-web$@\(Lab.realm)"), "\(listing.standardOutput)")
        #expect(!listing.standardOutput.contains("MSA-Web$"), "\(listing.standardOutput)")
        let checks = try Lab.kinit(keytab: keytab, principal: "msa-web$@\(Lab.realm)", checkServices: ["HTTP/web.company.test"])
        #expect(checks.count == 2 && checks.allSatisfy { $0.status == 0 }, "\(checks.map(\.standardError))")

        let second = try sync(configuration, ["--statistics"])
        #expect(second.status == 0, "\(second.standardOutput)\(second.standardError)")
        #expect(second.standardOutput.contains("MSA-Web$: current \(keytab)"), "\(second.standardOutput)")
        #expect(second.standardOutput.contains("keys derived for 0 of 1 account(s)"), "\(second.standardOutput)")
    }

    /// `exclude = ["MSA-WEB"]` excludes `msa-web$`: discovery never asks for its password, and `sync` writes
    /// no keytab for it.
    @Test func discoveryExcludesAnAccountNamedInAnotherCase() throws {
        let directory = try TemporaryDirectory()
        let configuration = Lab.configuration(
            "[discovery]\nkeytab = \"\(directory.file("{account}.keytab"))\"\nexclude = [\"MSA-WEB\"]\n", in: directory)
        let run = try sync(configuration)
        #expect(run.status == 0, "\(run.standardOutput)\(run.standardError)")
        #expect(run.standardOutput.contains("msa-svc1$: wrote"), "\(run.standardOutput)")
        #expect(!run.standardOutput.lowercased().contains("msa-web$"), "\(run.standardOutput)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("msa-web.keytab")))

        // The accounts whose passwords discovery reads: msa-web$ is not among them.
        let loaded = try ConfigurationLoader(userID: { _ in 0 }, groupID: { _ in 0 }).load(path: configuration)
        let domain = try DomainConnection.open(configuration: loaded, context: try KerberosContext(), statistics: DirectoryStatistics())
        let read = try domain.directory.discover(excluding: try #require(loaded.discovery).exclude)
        #expect(read.contains { $0.name.samAccountName == "msa-svc1$" && $0.isReadable })
        #expect(!read.contains { $0.name == (try! ServiceAccountName("msa-web$")) })
    }
}
