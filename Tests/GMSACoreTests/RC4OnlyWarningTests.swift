import GMSACore
import Testing

/// An account whose msDS-SupportedEncryptionTypes names no AES type gets RC4 tickets from the KDC: the warning
/// names the value, the consequence and the fix, and says whether the keytab still decrypts those tickets.
@Suite struct RC4OnlyWarningTests {
    let account = try! ServiceAccountName("msa-web$")

    @Test(arguments: [
        (UInt32?.none, "not set"), (UInt32(0x4), "0x4 (RC4 only)"), (UInt32(0x24), "0x24 (RC4 only)"),
        (UInt32(0x3), "0x3 (no AES type)"), (UInt32(0), "0x0 (no AES type)"),
    ])
    func anAccountWithoutAnAESBitIsWarnedAbout(mask: UInt32?, attribute: String) throws {
        let warning = try #require(
            RC4OnlyWarning(account: account, supportedEncryptionTypes: mask, keytabTypes: EncryptionType.allowed(bySupportedEncryptionTypes: mask)))
        #expect(warning.attribute == attribute)
        #expect(warning.keytabHasRC4)
        #expect(warning.message.hasPrefix("msa-web$: msDS-SupportedEncryptionTypes is \(attribute): the KDC issues RC4 service tickets"))
        #expect(warning.detail.contains("AES-only clients (the JDK since 17 by default) and domains that disable RC4 refuse"))
        #expect(warning.detail.contains("Fix in AD: Set-ADServiceAccount msa-web -KerberosEncryptionType AES128,AES256"))
        #expect(warning.detail.hasSuffix("until then the keytab keeps an RC4 key for those tickets"))
    }

    @Test(arguments: [UInt32(0x8), 0x10, 0x18, 0x1C, 0x3C])
    func anAccountWithAnAESBitIsNot(mask: UInt32) {
        #expect(RC4OnlyWarning(account: account, supportedEncryptionTypes: mask, keytabTypes: [.aes256CTSHMACSHA196]) == nil)
    }

    @Test func theKeytabOfAnRC4OnlyAccountKeepsRC4ByDefault() throws {
        // While the KDC issues RC4 tickets for the account, the service needs the RC4 key to decrypt them.
        #expect(EncryptionType.allowed(bySupportedEncryptionTypes: nil).contains(.rc4HMAC))
        #expect(EncryptionType.allowed(bySupportedEncryptionTypes: 0x4) == [.rc4HMAC])
        #expect(!EncryptionType.allowed(bySupportedEncryptionTypes: 0x18).contains(.rc4HMAC))
    }

    @Test func enctypesWithoutRC4OnAnRC4OnlyAccountSaysServicesCannotDecryptItsTickets() throws {
        let warning = try #require(RC4OnlyWarning(account: account, supportedEncryptionTypes: nil, keytabTypes: [.aes256CTSHMACSHA196]))
        #expect(!warning.keytabHasRC4)
        #expect(warning.detail.hasSuffix("until then services cannot decrypt those tickets: this keytab has no RC4 key (enctypes leaves it out)"))
    }
}
