import GMSADaemon
import Logging
import Testing

@Suite struct JournalFieldTests {
    @Test func namesAreUpperCaseLettersDigitsAndUnderscores() {
        #expect(JournalField.name(for: "GMSA_ACCOUNT") == "GMSA_ACCOUNT")
        #expect(JournalField.name(for: "on-change") == "ON_CHANGE")
        #expect(JournalField.name(for: "sl-signal") == "SL_SIGNAL")
        #expect(JournalField.name(for: "_private") == "PRIVATE", "a leading _ is reserved for journald's trusted fields")
        #expect(JournalField.name(for: "2fa") == "FA")
        #expect(JournalField.name(for: "---") == "FIELD")
    }

    @Test func messageIDsAreDistinct128BitHex() {
        let ids = [
            JournalField.MessageID.keytabUpdated, JournalField.MessageID.rolloverStaged,
            JournalField.MessageID.accountNotReadable, JournalField.MessageID.refreshFailed,
            JournalField.MessageID.keytabRepaired, JournalField.MessageID.rolloverConfirmed,
        ]
        #expect(Set(ids).count == 6)
        for id in ids {
            #expect(id.count == 32 && id.allSatisfy(\.isHexDigit) && id == id.lowercased())
        }
    }

    @Test func prioritiesFollowSyslog() {
        #expect(JournalLogHandler.priority(.critical) == 2)
        #expect(JournalLogHandler.priority(.error) == 3)
        #expect(JournalLogHandler.priority(.warning) == 4)
        #expect(JournalLogHandler.priority(.notice) == 5)
        #expect(JournalLogHandler.priority(.info) == 6)
        #expect(JournalLogHandler.priority(.debug) == 7)
    }
}
