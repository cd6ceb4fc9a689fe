import Foundation
import GMSACore
import GMSATestSupport
import InMemoryLogging
import Logging
import Testing

@testable import GMSADaemon
@testable import GMSAService

/// The daemon logs a key the directory replaced at warning, with the account, keytab, kvno, DC and its own
/// MESSAGE_ID, and the reason in the message.
@Suite struct KeysReplacedLogTests {
    @Test func aReplacementIsLoggedWithItsMessageID() throws {
        let directory = try TemporaryDirectory()
        let configuration = try ConfigurationLoader(userID: { _ in nil }, groupID: { _ in nil })
            .parse(UnreachableDomain.configuration(in: directory), path: "test.toml")
        let log = InMemoryLogHandler()
        let engine = try RefreshEngine(configuration: configuration, logger: Logger(label: "test") { _ in log })
        let account = try ServiceAccountName("msa-re$")
        var report = AccountReport(account: account, keytab: "/k/msa-re.keytab", outcome: .written, keyVersions: [1])
        report.keysReplaced = "the keytab's keys of kvno 1 replaced by the directory's kvno 1: the account was deleted and created again"
        engine.events.logKeysReplaced(try #require(report.keysReplaced), for: report, server: "dc1.company.test")
        let entry = try #require(log.entries.first)
        #expect(log.entries.count == 1)
        #expect(entry.level == .warning)
        #expect(entry.metadata["MESSAGE_ID"] == "\(JournalField.MessageID.keysReplaced)")
        #expect(entry.metadata["GMSA_ACCOUNT"] == "msa-re$" && entry.metadata["KVNO"] == "1" && entry.metadata["DC"] == "dc1.company.test")
        #expect("\(entry.message)".hasPrefix("msa-re$: the keytab's keys of kvno 1 replaced") && "\(entry.message)".contains("deleted and created again"))
    }

    @Test func everyMessageIDHasACatalogEntry() throws {
        let catalog = try String(contentsOfFile: #filePath.components(separatedBy: "/Tests/")[0] + "/systemd/gmsa-keytabd.catalog", encoding: .utf8)
        let ids = [
            JournalField.MessageID.keysReplaced, JournalField.MessageID.rc4Only, JournalField.MessageID.refreshFailed,
            JournalField.MessageID.passBudgetSpent, JournalField.MessageID.ticketCacheAcquired,
            JournalField.MessageID.ticketCacheRenewed, JournalField.MessageID.ticketCacheRepaired,
            JournalField.MessageID.ticketCacheRemoved, JournalField.MessageID.ticketCacheFailed,
        ]
        for id in ids {
            #expect(catalog.contains("-- \(id)\n"), "\(id)")
        }
    }
}
