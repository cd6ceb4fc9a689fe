import Foundation
import GMSACore
import GMSADirectory
import GMSAKerberos
import GMSATestSupport
import Testing

@testable import GMSAService

/// When the directory's key replaces the keytab's under the same kvno, with canned directory answers: a kvno
/// shown with the same password over every re-read and into the next pass wins; a DC that lags behind a
/// password change, however long within a pass, never replaces a key; a re-created account (other objectGUID)
/// replaces the old account's keys at once.
@Suite struct KeyVersionDisputeTests {
    let name = try! ServiceAccountName("msa-re$")
    let context = try! KerberosContext()
    let stateDirectory = try! TemporaryDirectory()
    var fingerprintKey: SecretBytes { FingerprintKey.load(stateDirectory: stateDirectory.path)! }

    /// The account as the directory shows it: current password `seed`, previous `seed − 1`.
    func plan(seed: UInt16, kvno: UInt32, guid: String? = nil) throws -> KeyPlan {
        let query: UInt64 = 72_000 * 10_000_000
        let blob = BlobBuilder(
            current: BlobBuilder.password(seed: seed), previous: BlobBuilder.password(seed: seed &- 1), queryTicks: query,
            unchangedTicks: query - 300 * 10_000_000
        ).bytes()
        let account = ManagedAccount(
            name: name, distinguishedName: "CN=msa-re,CN=Managed Service Accounts,DC=company,DC=test", keyVersion: kvno,
            passwordBlob: SecretBytes(blob), objectGUID: guid)
        var settings = Configuration.KeytabSettings(mode: 0o600)
        settings.encryptionTypes = [.aes256CTSHMACSHA196]
        let target = AccountTarget(name: name, keytab: "/nonexistent/msa-re.keytab", settings: settings, discovered: false)
        return try KeyPlanner(realm: "COMPANY.TEST", context: context, fingerprintKey: fingerprintKey)
            .derivedPlan(target, account, hostPrincipal: "HOST$@COMPANY.TEST", base: "DC=company,DC=test")
    }

    /// A confirmer whose re-reads answer `answers` in turn (the last one from then on); counts them.
    final class Directory: @unchecked Sendable {
        var answers: [UInt32]
        var asked = 0
        init(_ answers: [UInt32]) { self.answers = answers }
        func confirmer(_ name: ServiceAccountName) -> KeyVersionConfirmer {
            KeyVersionConfirmer(sleep: { _ in }) { _ throws(DirectoryError) in
                self.asked += 1
                return [name: self.answers.count > 1 ? self.answers.removeFirst() : self.answers[0]]
            }
        }
    }

    /// The keytab as the old account left it: kvno 1 with password 1 (and nothing else).
    func oldKeytab() throws -> [KeytabEntry] {
        try plan(seed: 1, kvno: 1).entries.filter { $0.keyVersion == 1 }
    }

    @Test func aKvnoShownOverEveryRereadIsDisputedThenWinsInTheNextPassWithTheSamePassword() throws {
        // Re-created: kvno 1 again, password 11 (previous 10 at kvno 0 is out of range and left out).
        let fresh = try plan(seed: 11, kvno: 1)
        let existing = try oldKeytab()
        let first = Directory([1])
        let pass1 = first.confirmer(name).confirm([.init(name: name, plan: fresh, existing: existing)])[name]
        guard case .disputed(let dispute, let detail) = pass1 else {
            Issue.record("pass 1: \(String(describing: pass1))")
            return
        }
        #expect(first.asked == 4, "asked over every re-read first")
        #expect(dispute == KeyVersionConfirmer.Dispute(keyVersion: 1, keysFingerprint: fresh.fingerprint))
        #expect(detail.contains("still shows kvno 1") && detail.contains("again"))

        let again = try plan(seed: 11, kvno: 1)
        let pass2 = Directory([1]).confirmer(name).confirm([
            .init(name: name, plan: again, existing: existing, previousDispute: dispute)
        ])[name]
        guard case .directoryWins(let kvno, let entries, let current, let replaced) = pass2 else {
            Issue.record("pass 2: \(String(describing: pass2))")
            return
        }
        #expect(kvno == 1 && current == [1] && replaced == [1])
        #expect(entries.map(\.key.bytes) == again.entries.filter { $0.keyVersion == 1 }.map(\.key.bytes))
        // The merge takes the directory's key for kvno 1: the old one is gone, nothing else is kept.
        let merge = RetentionMerger(policy: RefreshPolicy(settings: .init())).merge(
            fresh: entries, current: current, existing: existing, retainedUntil: [:], now: Timestamp(timeIntervalSince1970: 0))
        #expect(merge.entries == entries)
    }

    @Test func anotherPasswordInTheNextPassIsDisputedAgainNotReplaced() throws {
        let existing = try oldKeytab()
        let first = try plan(seed: 11, kvno: 1)
        let dispute = KeyVersionConfirmer.Dispute(keyVersion: 1, keysFingerprint: first.fingerprint)
        let other = try plan(seed: 21, kvno: 1)
        let result = Directory([1]).confirmer(name).confirm([
            .init(name: name, plan: other, existing: existing, previousDispute: dispute)
        ])[name]
        guard case .disputed(let next, _) = result else {
            Issue.record("replaced on a dispute about another password: \(String(describing: result))")
            return
        }
        #expect(next.keysFingerprint == other.fingerprint && next.keysFingerprint != first.fingerprint)
    }

    @Test func aLaggingDCThatCatchesUpWithinThePassIsConfirmedAsToday() throws {
        // Keytab: K = 7 (password 1) and the staged K+1 = 8 (password 2). The switching reply shows kvno 7 with
        // password 2 (previous 1 at 6); the second re-read shows 8.
        let staged = try plan(seed: 2, kvno: 8).entries
        let existing = staged
        let switching = try plan(seed: 2, kvno: 7)
        let directory = Directory([7, 8])
        let result = directory.confirmer(name).confirm([.init(name: name, plan: switching, existing: existing)])[name]
        guard case .confirmed(let kvno, let entries, _) = result else {
            Issue.record("\(String(describing: result))")
            return
        }
        #expect(kvno == 8)
        #expect(!RetentionMerger.contradicts(entries, existing: existing), "K+1 and K as staged, nothing replaced")
    }

    @Test func aLaggingDCThatOutlastsThePassIsDisputedAndTheNextPassConfirmsWithoutReplacing() throws {
        let existing = try plan(seed: 2, kvno: 8).entries
        let switching = try plan(seed: 2, kvno: 7)
        let pass1 = Directory([7]).confirmer(name).confirm([.init(name: name, plan: switching, existing: existing)])[name]
        guard case .disputed(let dispute, _) = pass1 else {
            Issue.record("pass 1: \(String(describing: pass1))")
            return
        }
        #expect(dispute.keyVersion == 7)
        // 30 s on, the DC has stored the change: the read shows 8 (the first read already, or its re-read).
        let caughtUp = try plan(seed: 2, kvno: 8)
        let pass2 = Directory([8]).confirmer(name).confirm([
            .init(name: name, plan: caughtUp, existing: existing, previousDispute: dispute)
        ])[name]
        guard case .confirmed(let kvno, _, _) = pass2 else {
            Issue.record("pass 2: \(String(describing: pass2))")
            return
        }
        #expect(kvno == 8)
        // And a DC still lagging in the next pass with the switching reply is only ever disputed when the kvno
        // moves between re-reads: 7 then 8 confirms.
        let stillSwitching = Directory([7, 8]).confirmer(name).confirm([
            .init(name: name, plan: switching, existing: existing, previousDispute: dispute)
        ])[name]
        guard case .confirmed(8, _, _) = stillSwitching else {
            Issue.record("\(String(describing: stillSwitching))")
            return
        }
    }

    @Test func rereadsThatMoveAreNeverADispute() throws {
        // kvno 9 and 10 both label other keys in the keytab; the DC answers 9, then 10: not one kvno it keeps showing.
        let other = try plan(seed: 40, kvno: 10).entries + plan(seed: 39, kvno: 9).entries.filter { $0.keyVersion == 9 }
        let fresh = try plan(seed: 3, kvno: 9)
        let result = Directory([9, 10]).confirmer(name).confirm([.init(name: name, plan: fresh, existing: other)])[name]
        guard case .failed(let detail) = result else {
            Issue.record("\(String(describing: result))")
            return
        }
        #expect(detail.contains("still shows kvno 9"))
    }

    @Test func anotherObjectGUIDReplacesEveryKeyOfTheOldAccountAtOnce() throws {
        let existing = try plan(seed: 1, kvno: 3).entries
        let fresh = try plan(seed: 11, kvno: 1, guid: "6d1c0b2a-0000-4000-8000-00000000000b")
        let detail = try #require(
            KeytabSynchronizer.recreation(
                previousGUID: "5e0c4a9f-0000-4000-8000-00000000000a", plan: fresh, existing: existing))
        #expect(detail.contains("kvno 3, 2") && detail.contains("deleted and created again"))
        #expect(detail.contains("5e0c4a9f-0000-4000-8000-00000000000a") && detail.contains("6d1c0b2a"))
        #expect(KeytabSynchronizer.recreation(previousGUID: "6D1C0B2A-0000-4000-8000-00000000000B", plan: fresh, existing: existing) == nil)
        #expect(KeytabSynchronizer.recreation(previousGUID: nil, plan: fresh, existing: existing) == nil, "an older state file")
        #expect(KeytabSynchronizer.recreation(previousGUID: "x", plan: try plan(seed: 11, kvno: 1), existing: existing) == nil)
    }

    @Test func theGUIDIsWrittenAsADWritesIt() {
        let bytes: [UInt8] = [0xE0, 0x04, 0x25, 0x3F, 0x89, 0x4F, 0xD3, 0x11, 0x9A, 0x0C, 0x03, 0x05, 0xE8, 0x2C, 0x33, 0x01]
        #expect(ManagedAccount.guidText(bytes) == "3f2504e0-4f89-11d3-9a0c-0305e82c3301")
        #expect(ManagedAccount.guidText([1, 2, 3]) == nil)
    }
}
