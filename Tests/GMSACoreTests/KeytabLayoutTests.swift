import GMSACore
import GMSATestSupport
import Testing

@Suite struct KeytabLayoutTests {
    @Test func holdsAccountPrincipalThenEachSPNOnce() throws {
        let layout = KeytabLayout(
            account: try ServiceAccountName("msa-web"),
            realm: "company.test",
            servicePrincipalNames: ["HTTP/web.company.test", "HTTP/web", "HTTP/web.company.test", "host/x@OTHER.TEST"],
            keyVersions: [],
            encryptionTypes: EncryptionType.defaultSet)
        #expect(layout.principals == [
            "msa-web$@COMPANY.TEST", "HTTP/web.company.test@COMPANY.TEST", "HTTP/web@COMPANY.TEST", "host/x@OTHER.TEST",
        ])
        #expect(layout.salt == "COMPANY.TESThostmsa-web.company.test")
    }

    @Test func keepsEscapedAtSignsInsideTheName() {
        #expect(KeytabLayout.qualify(#"odd\@name"#, realm: "company.test") == #"odd\@name@COMPANY.TEST"#)
    }

    @Test func currentAtKAndPreviousAtKMinusOne() throws {
        let bytes = BlobBuilder(
            current: BlobBuilder.password(seed: 10), previous: BlobBuilder.password(seed: 11),
            queryTicks: 864_000_000_000, unchangedTicks: 861_000_000_000
        ).bytes()
        let blob = try ManagedPasswordBlob(parsing: bytes)
        let versions = KeytabLayout.keyVersions(from: blob, currentKeyVersion: 7)
        #expect(versions.map(\.number) == [7, 6])
        #expect(versions[0].password == blob.currentPassword)
        #expect(versions[1].password == blob.previousPassword)
        // kvno 0 does not exist: a previous password at kvno 1 has nowhere to go.
        #expect(KeytabLayout.keyVersions(from: blob, currentKeyVersion: 1).map(\.number) == [1])
    }

    @Test func insideTheChangeWindowNextIsKPlusOneAndActiveIsK() throws {
        let threeMinutes: UInt64 = 1_800_000_000
        let blob = try ManagedPasswordBlob(
            parsing: BlobBuilder(
                current: BlobBuilder.password(seed: 20), previous: BlobBuilder.password(seed: 21),
                queryTicks: threeMinutes, unchangedTicks: 0
            ).bytes())
        #expect(blob.isInsideChangeWindow)
        let versions = KeytabLayout.keyVersions(from: blob, currentKeyVersion: 4)
        #expect(versions.map(\.number) == [5, 4])
        #expect(versions[0].password == blob.currentPassword)
        #expect(versions[1].password == blob.previousPassword)
    }

    @Test func theWindowStartsFiveMinutesBeforeExpiry() throws {
        func blob(queryTicks: UInt64) throws -> ManagedPasswordBlob {
            try ManagedPasswordBlob(
                parsing: BlobBuilder(current: BlobBuilder.password(seed: 1), queryTicks: queryTicks, unchangedTicks: 0).bytes())
        }
        #expect(try blob(queryTicks: 3_000_000_000).isInsideChangeWindow)
        #expect(try !blob(queryTicks: 3_000_000_001).isInsideChangeWindow)
        // Without a previous password there is nothing to put at K: the current one stays at K.
        #expect(KeytabLayout.keyVersions(from: try blob(queryTicks: 1), currentKeyVersion: 2).map(\.number) == [2])
    }

    @Test func onlyCurrentWhenTheBlobHasNoPrevious() throws {
        let blob = try ManagedPasswordBlob(parsing: KnownAnswerVectors.shared.blobs[0].bytes)
        #expect(KeytabLayout.keyVersions(from: blob, currentKeyVersion: 2).map(\.number) == [2])
    }
}
