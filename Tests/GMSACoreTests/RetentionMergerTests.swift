import Foundation
import GMSACore
import Testing

@Suite struct RetentionMergerTests {
    let merger = RetentionMerger(policy: RefreshPolicy())
    let now = Timestamp(timeIntervalSince1970: 1_800_000_000)
    let principal = "msa-web$@COMPANY.TEST"

    func entry(_ kvno: UInt32, _ byte: UInt8, _ type: EncryptionType = .aes256CTSHMACSHA196) -> KeytabEntry {
        KeytabEntry(
            principal: principal, keyVersion: kvno,
            key: KerberosKey(encryptionType: type, bytes: SecretBytes([UInt8](repeating: byte, count: type == .aes128CTSHMACSHA196 ? 16 : 32))))
    }

    @Test func aKeyThatStopsBeingCurrentIsKeptForTheRetentionPeriodFromNow() {
        // The keytab holds K=3; the read after expiry gives K=4 current and K=3 as the blob's previous.
        let merge = merger.merge(fresh: [entry(4, 4), entry(3, 3)], current: [4], existing: [entry(3, 3)], retainedUntil: [:], now: now)
        #expect(merge.entries.map(\.keyVersion) == [4, 3])
        #expect(merge.retainedUntil == [3: now + RefreshSettings().retention.seconds])
    }

    @Test func retentionRunsFromTheFirstTimeAKeyIsSeenSupersededNotFromEveryRead() {
        let firstSeen = now - 3600
        let deadline = firstSeen + RefreshSettings().retention.seconds
        let merge = merger.merge(
            fresh: [entry(4, 4), entry(3, 3)], current: [4], existing: [entry(4, 4), entry(3, 3)], retainedUntil: [3: deadline],
            now: now)
        #expect(merge.retainedUntil == [3: deadline], "a re-read does not extend the deadline")
    }

    @Test func aKeyPastItsDeadlineIsDroppedEvenWhenTheBlobStillReturnsIt() {
        let merge = merger.merge(
            fresh: [entry(4, 4), entry(3, 3)], current: [4], existing: [entry(4, 4), entry(3, 3)], retainedUntil: [3: now - 1],
            now: now)
        #expect(merge.entries.map(\.keyVersion) == [4])
        #expect(merge.retainedUntil.isEmpty)
    }

    @Test func keysOnlyTheKeytabHoldsAreKeptWhileRetainedAfterASkippedInterval() {
        // kvno jumped from 2 to 4: the keytab's K=2 is not in the blob (its previous is 3) but must stay.
        let merge = merger.merge(
            fresh: [entry(4, 4), entry(3, 3)], current: [4], existing: [entry(2, 2)], retainedUntil: [:], now: now)
        #expect(Set(merge.entries.map(\.keyVersion)) == [4, 3, 2])
        #expect(Set(merge.retainedUntil.keys) == [3, 2])
    }

    @Test func insideTheWindowBothTheStagedAndTheActiveKeyAreCurrentAndNothingIsRetained() {
        let merge = merger.merge(fresh: [entry(5, 5), entry(4, 4)], current: [5, 4], existing: [entry(4, 4)], retainedUntil: [:], now: now)
        #expect(merge.entries.map(\.keyVersion) == [5, 4])
        #expect(merge.retainedUntil.isEmpty)
    }

    @Test func aRetainedKeyFromTheBlobIsNotDuplicatedByTheKeytabsCopy() {
        let merge = merger.merge(
            fresh: [entry(4, 4), entry(3, 3)], current: [4], existing: [entry(3, 3)], retainedUntil: [3: now + 60], now: now)
        #expect(merge.entries.filter { $0.keyVersion == 3 }.count == 1)
    }

    @Test func aKvnoThatLabelsADifferentKeyInTheKeytabIsAContradiction() {
        #expect(RetentionMerger.contradicts([entry(4, 9)], existing: [entry(4, 4)]))
        #expect(!RetentionMerger.contradicts([entry(4, 4)], existing: [entry(4, 4)]))
        #expect(!RetentionMerger.contradicts([entry(4, 9, .aes128CTSHMACSHA196)], existing: [entry(4, 4)]), "another enctype is another entry")
        #expect(!RetentionMerger.contradicts([entry(5, 9)], existing: [entry(4, 4)]))
    }
}
