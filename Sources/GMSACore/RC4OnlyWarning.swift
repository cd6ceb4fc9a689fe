/// A gMSA whose `msDS-SupportedEncryptionTypes` has no AES type: unset, RC4 only, or only types the daemon
/// does not write (DES).
///
/// For such an account the KDC issues service tickets encrypted with RC4 (Samba does so when the attribute is
/// unset, as the lab test shows; Windows DCs apply the domain's `DefaultDomainSupportedEncTypes`, which has long
/// meant RC4 for tickets).
/// AES-only clients refuse them: the JDK since 17 disables RC4 by default, and domains that turn RC4 off refuse
/// the account altogether. The fix is in the directory, not here: give the account the AES types. The keytab
/// keeps its RC4 key meanwhile (``EncryptionType/allowed(bySupportedEncryptionTypes:)``): without it the
/// service could not decrypt the RC4 tickets the KDC issues.
public struct RC4OnlyWarning: Sendable, Equatable {
    /// The account, spelled as the directory returns it.
    public let account: ServiceAccountName
    /// The attribute's value; `nil` when unset.
    public let supportedEncryptionTypes: UInt32?
    /// Whether the keytab gets an RC4 key (not when an `enctypes` setting left RC4 out).
    public let keytabHasRC4: Bool

    /// The AES bits of `msDS-SupportedEncryptionTypes` (MS-KILE 2.2.7): AES128 0x08, AES256 0x10.
    public static let aesBits: UInt32 = 0x18

    /// The warning for `account`, or `nil` when its `msDS-SupportedEncryptionTypes` has an AES bit.
    public init?(account: ServiceAccountName, supportedEncryptionTypes: UInt32?, keytabTypes: [EncryptionType]) {
        if let mask = supportedEncryptionTypes, mask & Self.aesBits != 0 { return nil }
        self.account = account
        self.supportedEncryptionTypes = supportedEncryptionTypes
        self.keytabHasRC4 = keytabTypes.contains(.rc4HMAC)
    }

    /// The attribute as an admin reads it: `not set`, `0x4 (RC4 only)`, `0x3 (no AES type)`.
    public var attribute: String {
        guard let mask = supportedEncryptionTypes else { return "not set" }
        let hex = "0x" + String(mask, radix: 16)
        return mask & 0x1F == 0x04 ? "\(hex) (RC4 only)" : "\(hex) (no AES type)"
    }

    /// What is wrong, what it causes, and the fix, without the account's name in front (for `check`).
    public var detail: String {
        let keytab =
            keytabHasRC4
            ? "until then the keytab keeps an RC4 key for those tickets"
            : "until then services cannot decrypt those tickets: this keytab has no RC4 key (enctypes leaves it out)"
        return "msDS-SupportedEncryptionTypes is \(attribute): the KDC issues RC4 service tickets for this account, "
            + "which AES-only clients (the JDK since 17 by default) and domains that disable RC4 refuse. "
            + "Fix in AD: Set-ADServiceAccount \(account.baseName) -KerberosEncryptionType AES128,AES256; \(keytab)"
    }

    /// ``detail`` after the account's name, for the journal.
    public var message: String { "\(account): \(detail)" }
}
