import CKrb5
import GMSACore

extension KerberosContext {
    /// Derives the long-term key of a gMSA password for one encryption type.
    ///
    /// AES keys: RFC 3962 string-to-key (``AESStringToKey``, GnuTLS; equal to `krb5_c_string_to_key`) over the
    /// munged UTF-8 password with the explicit computer-account `salt` (4096 iterations). RC4: MD4 over the raw
    /// UTF-16LE bytes through libkrb5's unkeyed RSA-MD4 checksum, because MIT's own arcfour string-to-key
    /// converts from UTF-8 and gives wrong keys for passwords with lone surrogates (docs/protocol.md §2 "Password to keys").
    public func deriveKey(
        from password: ManagedPassword,
        encryptionType: EncryptionType,
        salt: String
    ) throws(KerberosError) -> KerberosKey {
        switch encryptionType {
        case .rc4HMAC:
            return try md4Key(of: password.utf16LittleEndian)
        case .aes128CTSHMACSHA196, .aes256CTSHMACSHA196:
            let keys = try AESStringToKey.keys(password.mungedUTF8(), salt: salt, types: [encryptionType])
            guard let key = keys[encryptionType] else {
                throw KerberosError(.invalidArgument, "no \(encryptionType) key was derived")
            }
            return key
        }
    }

    /// RFC 3962 string-to-key through libkrb5 for an already-encoded password, e.g. a known-answer vector's UTF-8
    /// bytes; the reference the faster ``deriveKey(from:encryptionType:salt:)`` is tested against.
    public func stringToKey(
        _ password: SecretBytes,
        salt: String,
        encryptionType: EncryptionType
    ) throws(KerberosError) -> KerberosKey {
        var saltBytes = Array(salt.utf8)
        var keyblock = krb5_keyblock()
        let code = password.withUnsafeBytes { passwordBytes in
            saltBytes.withUnsafeMutableBufferPointer { saltBuffer in
                var passwordData = krb5_data(
                    magic: gmsa_kv5m_data(),
                    length: UInt32(passwordBytes.count),
                    data: UnsafeMutablePointer(
                        mutating: passwordBytes.baseAddress?.assumingMemoryBound(to: CChar.self)))
                var saltData = krb5_data(
                    magic: gmsa_kv5m_data(),
                    length: UInt32(saltBuffer.count),
                    data: UnsafeMutableRawPointer(saltBuffer.baseAddress)?.assumingMemoryBound(to: CChar.self))
                return krb5_c_string_to_key(raw, encryptionType.rawValue, &passwordData, &saltData, &keyblock)
            }
        }
        guard code == 0 else {
            throw error(code, "cannot derive the \(encryptionType) key", check: "check that libkrb5 supports this encryption type")
        }
        defer { krb5_free_keyblock_contents(raw, &keyblock) }
        let bytes = SecretBytes(UnsafeBufferPointer(start: keyblock.contents, count: Int(keyblock.length)))
        return KerberosKey(encryptionType: encryptionType, bytes: bytes)
    }

    /// The RC4-HMAC key: MD4 over the raw UTF-16LE password bytes.
    private func md4Key(of utf16LittleEndian: SecretBytes) throws(KerberosError) -> KerberosKey {
        var checksum = krb5_checksum()
        let code = utf16LittleEndian.withUnsafeBytes { bytes in
            var input = krb5_data(
                magic: gmsa_kv5m_data(),
                length: UInt32(bytes.count),
                data: UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: CChar.self)))
            return krb5_c_make_checksum(raw, gmsa_cksumtype_rsa_md4(), nil, 0, &input, &checksum)
        }
        guard code == 0 else {
            throw error(code, "cannot compute the RC4-HMAC (MD4) key", check: "check that libkrb5 still provides RSA-MD4")
        }
        defer {
            if let contents = checksum.contents {
                contents.update(repeating: 0, count: Int(checksum.length))
            }
            krb5_free_checksum_contents(raw, &checksum)
        }
        let bytes = SecretBytes(UnsafeBufferPointer(start: checksum.contents, count: Int(checksum.length)))
        return KerberosKey(encryptionType: .rc4HMAC, bytes: bytes)
    }

    /// Zeroes 64 KiB of the calling thread's stack below the caller and its vector registers (`gmsa_scrub_stack`):
    /// for a thread that has derived keys or read a keytab, at the end of its work.
    public static func scrubStack() {
        gmsa_scrub_stack()
    }

    /// Every entry of a layout: keys are derived once per key version and encryption type (both AES ones from one
    /// PBKDF2 run), then listed under each principal.
    ///
    /// Zeroes the stack the derivation used before it returns (`gmsa_scrub_stack`): the libraries' hash
    /// contexts leave password and key bytes there.
    public func entries(for layout: KeytabLayout) throws(KerberosError) -> [KeytabEntry] {
        defer { gmsa_scrub_stack() }
        var entries: [KeytabEntry] = []
        for version in layout.keyVersions {
            let aesKeys = try AESStringToKey.keys(version.password.mungedUTF8(), salt: layout.salt, types: layout.encryptionTypes)
            for type in layout.encryptionTypes {
                let key: KerberosKey
                if let aesKey = aesKeys[type] {
                    key = aesKey
                } else {
                    key = try deriveKey(from: version.password, encryptionType: type, salt: layout.salt)
                }
                for principal in layout.principals {
                    entries.append(KeytabEntry(principal: principal, keyVersion: version.number, key: key))
                }
            }
        }
        return entries
    }
}
