import GMSACore
import Testing

@Suite struct KeytabFingerprintTests {
    let written = KeytabFingerprint(
        device: 8, inode: 100, size: 1234, modifiedSeconds: 1_800_000_000, modifiedNanoseconds: 5, owner: 0, group: 33,
        mode: 0o100640)

    func with(_ change: (inout KeytabFingerprint) -> Void) -> KeytabFingerprint {
        var copy = written
        change(&copy)
        return copy
    }

    @Test func anUntouchedKeytabIsNoChange() {
        #expect(KeytabFingerprint.change(from: written, to: written) == nil)
        #expect(written.hasSameContent(as: written))
    }

    @Test func namesWhatHappened() {
        #expect(KeytabFingerprint.change(from: written, to: nil) == "deleted")
        #expect(KeytabFingerprint.change(from: written, to: with { $0.inode = 101 }) == "replaced by another file")
        #expect(KeytabFingerprint.change(from: written, to: with { $0.size = 0 }) == "truncated or rewritten (1234 bytes, now 0)")
        #expect(KeytabFingerprint.change(from: written, to: with { $0.modifiedNanoseconds = 6 }) == "modified")
        #expect(KeytabFingerprint.change(from: written, to: with { $0.group = 0 }) == "given to another owner (0:33, now 0:0)")
        #expect(KeytabFingerprint.change(from: written, to: with { $0.mode = 0o100644 }) == "given other permissions (640, now 644)")
    }

    @Test func onlyOwnerAndModeChangesKeepTheContent() {
        #expect(written.hasSameContent(as: with { $0.group = 0 }))
        #expect(written.hasSameContent(as: with { $0.mode = 0o100600 }))
        #expect(!written.hasSameContent(as: nil))
        #expect(!written.hasSameContent(as: with { $0.inode = 7 }))
        #expect(!written.hasSameContent(as: with { $0.size = 1 }))
        #expect(!written.hasSameContent(as: with { $0.modifiedSeconds += 1 }))
    }

    @Test func aMovedInodeChangeTimeAloneIsAChangeButNotForAFingerprintRecordedWithoutIt() {
        let recorded = with {
            $0.changedSeconds = 1_800_000_000
            $0.changedNanoseconds = 5
        }
        #expect(recorded != with { $0.changedSeconds = 1_800_000_000; $0.changedNanoseconds = 9 })
        #expect(
            KeytabFingerprint.change(from: recorded, to: with { $0.changedSeconds = 1_800_000_000; $0.changedNanoseconds = 9 })
                == "changed with its size and modification time kept (its inode change time moved)")
        #expect(KeytabFingerprint.change(from: recorded, to: recorded) == nil)
        // A state file from before st_ctime was recorded: no false repair after an upgrade.
        #expect(KeytabFingerprint.change(from: written, to: recorded) == nil)
    }

    @Test func theInodeChangeTimeGoesThroughTheStateFileAndMayBeAbsent() throws {
        var state = DaemonState()
        var account = AccountState(keytab: "/k")
        account.keytabFingerprint = with {
            $0.changedSeconds = 1_800_000_001
            $0.changedNanoseconds = 77
        }
        state.accounts["msa-web$"] = account
        #expect(try DaemonState(json: state.json()) == state)
        state.accounts["msa-web$"]?.keytabFingerprint = written
        let bytes = state.json()
        #expect(!String(decoding: bytes, as: UTF8.self).contains("changedSeconds"))
        #expect(try DaemonState(json: bytes) == state)
    }
}
