/// A Kerberos long-term key: an encryption type and its key bytes.
public struct KerberosKey: Sendable, Equatable, CustomStringConvertible {
    public let encryptionType: EncryptionType
    public let bytes: SecretBytes

    public init(encryptionType: EncryptionType, bytes: SecretBytes) {
        self.encryptionType = encryptionType
        self.bytes = bytes
    }

    public var description: String { "KerberosKey(\(encryptionType), \(bytes.count) bytes)" }
}
