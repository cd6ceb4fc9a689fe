/// What the directory says about one gMSA.
public struct ManagedAccount: Sendable {
    public var name: ServiceAccountName
    public var distinguishedName: String
    /// `msDS-KeyVersionNumber`; the reply that triggers a rollover still shows the old one (gmsa-facts.md §4).
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

    public init(
        name: ServiceAccountName,
        distinguishedName: String,
        keyVersion: UInt32? = nil,
        servicePrincipalNames: [String] = [],
        supportedEncryptionTypes: UInt32? = nil,
        passwordBlob: SecretBytes? = nil,
        passwordIntervalDays: Int? = nil,
        passwordLastSet: Int64? = nil
    ) {
        self.name = name
        self.distinguishedName = distinguishedName
        self.keyVersion = keyVersion
        self.servicePrincipalNames = servicePrincipalNames
        self.supportedEncryptionTypes = supportedEncryptionTypes
        self.passwordBlob = passwordBlob
        self.passwordIntervalDays = passwordIntervalDays
        self.passwordLastSet = passwordLastSet
    }

    /// Whether the DC returned the password, i.e. this host is in the account's `msDS-GroupMSAMembership`.
    public var isReadable: Bool { passwordBlob != nil }
}
