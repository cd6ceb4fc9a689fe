/// What the directory says about one gMSA.
public struct ManagedAccount: Sendable {
    public var name: ServiceAccountName
    public var distinguishedName: String
    /// `msDS-KeyVersionNumber`; the reply that triggers a rollover still shows the old one (docs/protocol.md §4 "Key versions and the rollover").
    public var keyVersion: UInt32?
    public var servicePrincipalNames: [String]
    /// `msDS-SupportedEncryptionTypes`, when set.
    public var supportedEncryptionTypes: UInt32?
    /// The raw `msDS-ManagedPassword` value; `nil` when the DC withheld it (this host is not authorized).
    public var passwordBlob: SecretBytes?
    /// `msDS-ManagedPasswordInterval` in days, when set.
    public var passwordIntervalDays: Int?
    /// `pwdLastSet` as a FILETIME (100 ns ticks since 1601).
    public var passwordLastSet: Int64?
    /// A fingerprint of `msDS-GroupMSAMembership` (who may read the password), when the host may read it
    /// (Samba lets it; Windows may not). A change makes the daemon read the account again.
    public var membershipFingerprint: String?
    /// `objectGUID` in its usual text form (`{…}` without braces): a deleted and re-created account of the
    /// same name has another one, while its kvno starts again at 1.
    public var objectGUID: String?

    public init(
        name: ServiceAccountName,
        distinguishedName: String,
        keyVersion: UInt32? = nil,
        servicePrincipalNames: [String] = [],
        supportedEncryptionTypes: UInt32? = nil,
        passwordBlob: SecretBytes? = nil,
        passwordIntervalDays: Int? = nil,
        passwordLastSet: Int64? = nil,
        membershipFingerprint: String? = nil,
        objectGUID: String? = nil
    ) {
        self.name = name
        self.distinguishedName = distinguishedName
        self.keyVersion = keyVersion
        self.servicePrincipalNames = servicePrincipalNames
        self.supportedEncryptionTypes = supportedEncryptionTypes
        self.passwordBlob = passwordBlob
        self.passwordIntervalDays = passwordIntervalDays
        self.passwordLastSet = passwordLastSet
        self.membershipFingerprint = membershipFingerprint
        self.objectGUID = objectGUID
    }

    /// The 16 bytes of an `objectGUID` value as AD writes the GUID (the first three fields little-endian):
    /// `3f2504e0-4f89-11d3-9a0c-0305e82c3301`; `nil` for any other length.
    public static func guidText(_ bytes: [UInt8]) -> String? {
        guard bytes.count == 16 else { return nil }
        let order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15]
        var text = ""
        for (position, index) in order.enumerated() {
            if [4, 6, 8, 10].contains(position) { text += "-" }
            let digits = String(bytes[index], radix: 16)
            text += digits.count == 1 ? "0" + digits : digits
        }
        return text
    }

    /// A 64-bit FNV-1a fingerprint in hex: enough to notice a changed security descriptor, not a secret.
    public static func fingerprint(_ bytes: [UInt8]) -> String {
        let digits = String(FNV1a.hash(bytes), radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Whether the DC returned the password, i.e. this host is in the account's `msDS-GroupMSAMembership`.
    public var isReadable: Bool { passwordBlob != nil }
}
