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
            queryTicks: 1, unchangedTicks: 0
        ).bytes()
        let blob = try ManagedPasswordBlob(parsing: bytes)
        let versions = KeytabLayout.keyVersions(from: blob, currentKeyVersion: 7)
        #expect(versions.map(\.number) == [7, 6])
        #expect(versions[0].password == blob.currentPassword)
        #expect(versions[1].password == blob.previousPassword)
        // kvno 0 does not exist: a previous password at kvno 1 has nowhere to go.
        #expect(KeytabLayout.keyVersions(from: blob, currentKeyVersion: 1).map(\.number) == [1])
    }

    @Test func onlyCurrentWhenTheBlobHasNoPrevious() throws {
        let blob = try ManagedPasswordBlob(parsing: KnownAnswerVectors.shared.blobs[0].bytes)
        #expect(KeytabLayout.keyVersions(from: blob, currentKeyVersion: 2).map(\.number) == [2])
    }
}
