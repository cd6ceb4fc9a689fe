import Foundation
import GMSACore
import GMSATestSupport
import InMemoryLogging
import Logging
import Testing

@testable import GMSADaemon
@testable import GMSAService

/// Each outcome gets its level and MESSAGE_ID; a repairing write says what it repaired.
@Suite struct RefreshEventLogTests {
    @Test func outcomesCarryTheirMessageIDs() throws {
        let log = InMemoryLogHandler()
        var logger = Logger(label: "test") { _ in log }
        logger.logLevel = .debug
        let events = RefreshEventLog(logger: logger)
        let account = try ServiceAccountName("msa-web")
        func report(_ outcome: AccountReport.Outcome, staged: Bool = false) -> AccountReport {
            var report = AccountReport(account: account, keytab: "/k/msa-web.keytab", outcome: outcome)
            report.stagedNextKey = staged
            report.keyVersions = [4]
            return report
        }
        let next = Timestamp(timeIntervalSince1970: 1_800_000_000)
        events.log(report(.written), server: "dc1.company.test", nextFetch: next)
        events.log(report(.written, staged: true), server: "dc1.company.test", nextFetch: nil)
        events.log(report(.written), server: nil, nextFetch: nil, repaired: "deleted")
        events.log(report(.notReadable), server: nil, nextFetch: nil)
        events.log(report(.failed), server: nil, nextFetch: nil)
        events.log(report(.current), server: nil, nextFetch: nil)
        let entries = log.entries
        #expect(entries.count == 6)
        let ids = entries.map { $0.metadata["MESSAGE_ID"].map { "\($0)" } }
        #expect(ids[0] == "\(JournalField.MessageID.keytabUpdated)")
        #expect(ids[1] == "\(JournalField.MessageID.rolloverStaged)")
        #expect(ids[2] == "\(JournalField.MessageID.keytabRepaired)")
        #expect(ids[3] == "\(JournalField.MessageID.accountNotReadable)")
        #expect(ids[4] == "\(JournalField.MessageID.refreshFailed)")
        #expect(ids[5] == nil)
        #expect(entries.map(\.level) == [.notice, .notice, .notice, .warning, .error, .debug])
        #expect(entries[0].metadata["DC"] == "dc1.company.test")
        #expect(entries[0].metadata["KVNO"] == "4")
        #expect(entries[0].metadata["NEXT_REFRESH"] != nil)
        #expect("\(entries[2].message)".contains("keytab repaired (it was deleted)"))
    }
}
