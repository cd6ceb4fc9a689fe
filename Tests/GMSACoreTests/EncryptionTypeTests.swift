import GMSACore
import Testing

@Suite struct EncryptionTypeTests {
    @Test func followsSupportedEncryptionTypesBits() {
        #expect(EncryptionType.allowed(bySupportedEncryptionTypes: 0x18) == [.aes256CTSHMACSHA196, .aes128CTSHMACSHA196])
        #expect(EncryptionType.allowed(bySupportedEncryptionTypes: 0x10) == [.aes256CTSHMACSHA196])
        #expect(EncryptionType.allowed(bySupportedEncryptionTypes: 0x04) == [.rc4HMAC])
        #expect(EncryptionType.allowed(bySupportedEncryptionTypes: 0x1C) == EncryptionType.defaultSet)
    }

    @Test func defaultsToAllThreeIncludingRC4WhenUnset() {
        #expect(EncryptionType.allowed(bySupportedEncryptionTypes: nil) == [.aes256CTSHMACSHA196, .aes128CTSHMACSHA196, .rc4HMAC])
        // DES-only bits (0x1, 0x2) say nothing about the types we write.
        #expect(EncryptionType.allowed(bySupportedEncryptionTypes: 0x03) == EncryptionType.defaultSet)
    }

    @Test func parsesListsStrongestFirstWithoutDuplicates() throws {
        #expect(try EncryptionType.parseList("rc4, aes256") == [.aes256CTSHMACSHA196, .rc4HMAC])
        #expect(try EncryptionType.parseList("aes128-cts-hmac-sha1-96,aes128") == [.aes128CTSHMACSHA196])
        #expect(try EncryptionType.parseList("arcfour-hmac 18") == [.aes256CTSHMACSHA196, .rc4HMAC])
    }

    @Test func rejectsUnknownNamesNamingThem() {
        #expect {
            try EncryptionType.parseList("aes256,des-cbc-crc")
        } throws: { error in
            "\(error)".contains("des-cbc-crc")
        }
        #expect(throws: EncryptionType.UnknownName.self) { try EncryptionType.parseList(" , ") }
    }
}
