import GMSACore
import GMSAKerberos
import GMSATestSupport
import Testing

@Suite struct KeyDerivationTests {
    let context: KerberosContext

    init() throws {
        context = try KerberosContext()
    }

    @Test(arguments: KnownAnswerVectors.shared.blobs)
    func rc4KeyOfEachPublishedBlob(vector: KnownAnswerVectors.Blob) throws {
        let blob = try ManagedPasswordBlob(parsing: vector.bytes)
        let key = try context.deriveKey(from: blob.currentPassword, encryptionType: .rc4HMAC, salt: "ignored")
        #expect(key.encryptionType == .rc4HMAC)
        #expect(key.bytes == SecretBytes([UInt8](hex: vector.currentRc4KeyHex)), "\(vector.name)")
    }

    @Test func gmsaKeysFromTheRaw256BytePassword() throws {
        let vector = try #require(KnownAnswerVectors.shared.keys.first { $0.name == "dsinternals-gmsa-service" })
        let account = try ServiceAccountName(try #require(vector.account))
        let salt = KerberosSalt.computerAccount(account, realm: try #require(vector.realm))
        #expect(salt == vector.salt)
        let password = ManagedPassword(hex: try #require(vector.passwordUtf16leHex))

        let aes256 = try context.deriveKey(from: password, encryptionType: .aes256CTSHMACSHA196, salt: salt)
        #expect(aes256.bytes == SecretBytes([UInt8](hex: vector.aes256CtsHmacSha196Hex)))
        #expect(aes256.bytes.hexForKnownAnswerTest().hasPrefix("5dcc418c"))
        #expect(aes256.bytes.hexForKnownAnswerTest().hasSuffix("7117"))

        let aes128 = try context.deriveKey(from: password, encryptionType: .aes128CTSHMACSHA196, salt: salt)
        #expect(aes128.bytes == SecretBytes([UInt8](hex: vector.aes128CtsHmacSha196Hex)))

        let rc4 = try context.deriveKey(from: password, encryptionType: .rc4HMAC, salt: salt)
        #expect(rc4.bytes == SecretBytes([UInt8](hex: try #require(vector.rc4HmacHex))))
    }

    @Test func plainPasswordWithUserSalt() throws {
        let vector = try #require(KnownAnswerVectors.shared.keys.first { $0.name == "dsinternals-user" })
        let password = SecretBytes([UInt8](hex: try #require(vector.passwordUtf8Hex)))
        let aes256 = try context.stringToKey(password, salt: vector.salt, encryptionType: .aes256CTSHMACSHA196)
        #expect(aes256.bytes == SecretBytes([UInt8](hex: vector.aes256CtsHmacSha196Hex)))
        let aes128 = try context.stringToKey(password, salt: vector.salt, encryptionType: .aes128CTSHMACSHA196)
        #expect(aes128.bytes == SecretBytes([UInt8](hex: vector.aes128CtsHmacSha196Hex)))
    }

    /// The AES keys (GnuTLS) equal libkrb5's `krb5_c_string_to_key` for passwords of every length around
    /// HMAC-SHA1's 64-byte block, real 256-byte gMSA passwords, and salts of several lengths.
    @Test func aesKeysEqualLibkrb5s() throws {
        var generator = SystemRandomNumberGenerator()
        for (index, byteCount) in [2, 30, 62, 64, 66, 128, 256, 256, 256].enumerated() {
            let password = ManagedPassword(
                utf16LittleEndian: SecretBytes((0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) }))
            let salt = "COMPANY.TESThost\(String(repeating: "a", count: index * 9)).company.test"
            let layout = KeytabLayout(
                account: try ServiceAccountName("msa-x$"), realm: "COMPANY.TEST", servicePrincipalNames: [],
                keyVersions: [KeytabLayout.KeyVersion(number: 3, password: password)], encryptionTypes: EncryptionType.defaultSet)
            for type in [EncryptionType.aes256CTSHMACSHA196, .aes128CTSHMACSHA196] {
                let reference = try context.stringToKey(password.mungedUTF8(), salt: salt, encryptionType: type)
                #expect(try context.deriveKey(from: password, encryptionType: type, salt: salt) == reference, "\(type), \(byteCount) bytes")
                let fromLayout = try context.entries(for: layout).first { $0.key.encryptionType == type }?.key
                let referenceForLayout = try context.stringToKey(password.mungedUTF8(), salt: layout.salt, encryptionType: type)
                #expect(fromLayout == referenceForLayout, "\(type), \(byteCount) bytes, from the layout")
            }
        }
    }

    @Test func aUserStyleSaltGivesADifferentKey() throws {
        let vector = try #require(KnownAnswerVectors.shared.keys.first { $0.name == "dsinternals-gmsa-service" })
        let password = ManagedPassword(hex: try #require(vector.passwordUtf16leHex))
        let wrong = try context.deriveKey(from: password, encryptionType: .aes256CTSHMACSHA196, salt: "CONTOSO.COMsvc_adfs$")
        #expect(wrong.bytes != SecretBytes([UInt8](hex: vector.aes256CtsHmacSha196Hex)))
    }

    @Test func layoutListsEveryPrincipalForEveryKey() throws {
        let blob = try ManagedPasswordBlob(
            parsing: BlobBuilder(
                current: BlobBuilder.password(seed: 1), previous: BlobBuilder.password(seed: 2), queryTicks: 864_000_000_000, unchangedTicks: 861_000_000_000
            ).bytes())
        let layout = KeytabLayout(
            account: try ServiceAccountName("msa-web$"), realm: "COMPANY.TEST",
            servicePrincipalNames: ["HTTP/web.company.test"],
            keyVersions: KeytabLayout.keyVersions(from: blob, currentKeyVersion: 5),
            encryptionTypes: EncryptionType.defaultSet)
        let entries = try context.entries(for: layout)
        #expect(entries.count == 2 * 2 * 3)
        for principal in layout.principals {
            for kvno: UInt32 in [5, 4] {
                for type in EncryptionType.defaultSet {
                    #expect(entries.contains { $0.principal == principal && $0.keyVersion == kvno && $0.key.encryptionType == type })
                }
            }
        }
        // Same key under both names; different keys for the two passwords.
        let current = entries.filter { $0.keyVersion == 5 && $0.key.encryptionType == .rc4HMAC }
        #expect(current.count == 2 && current[0].key == current[1].key)
        let previous = entries.first { $0.keyVersion == 4 && $0.key.encryptionType == .rc4HMAC }
        #expect(previous?.key != current[0].key)
    }
}
