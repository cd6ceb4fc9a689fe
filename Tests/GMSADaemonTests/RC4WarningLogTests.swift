import GMSACore
import GMSATestSupport
import InMemoryLogging
import Logging
import Testing

@testable import GMSADaemon
@testable import GMSAService

/// The daemon logs an account's RC4-only warning once per run, at warning, with GMSA_ACCOUNT and its
/// MESSAGE_ID; not at every pass.
@Suite struct RC4WarningLogTests {
    @Test func eachAccountIsWarnedAboutOncePerRun() throws {
        let directory = try TemporaryDirectory()
        let configuration = try ConfigurationLoader(userID: { _ in nil }, groupID: { _ in nil })
            .parse(UnreachableDomain.configuration(in: directory), path: "test.toml")
        let log = InMemoryLogHandler()
        let engine = try RefreshEngine(configuration: configuration, logger: Logger(label: "test") { _ in log })
        func report(_ name: String, mask: UInt32?) throws -> AccountReport {
            let account = try ServiceAccountName(name)
            var report = AccountReport(account: account, keytab: "/k/\(account.baseName).keytab", outcome: .current)
            report.rc4Warning = RC4OnlyWarning(account: account, supportedEncryptionTypes: mask, keytabTypes: EncryptionType.defaultSet)
            return report
        }
        for pass in 0..<3 {
            for report in [try report("msa-web", mask: nil), try report(pass == 1 ? "MSA-Web" : "msa-web", mask: nil), try report("msa-svc1", mask: 0x4)] {
                engine.events.logRC4Only(try #require(report.rc4Warning), for: report)
            }
        }
        let entries = log.entries
        #expect(entries.count == 2, "\(entries.map(\.message))")
        let web = try #require(entries.first)
        #expect(web.level == .warning)
        #expect(web.metadata["GMSA_ACCOUNT"] == "msa-web$")
        #expect(web.metadata["MESSAGE_ID"] == "\(JournalField.MessageID.rc4Only)")
        #expect("\(web.message)".hasPrefix("msa-web$: msDS-SupportedEncryptionTypes is not set: the KDC issues RC4 service tickets"))
        #expect(entries.last.map { "\($0.message)".contains("0x4 (RC4 only)") } == true)
        #expect(JournalField.name(for: JournalField.account) == "GMSA_ACCOUNT")
    }
}
