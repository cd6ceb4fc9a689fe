import CGnuTLS
import GMSACore

/// RFC 3962 string-to-key for the AES types through GnuTLS: PBKDF2-HMAC-SHA1 with 4096 iterations
/// (`gnutls_pbkdf2`), then RFC 3961 DK(tkey, "kerberos") with one AES-CBC call.
///
/// Not through `krb5_c_string_to_key`: Debian builds libk5crypto with its builtin SHA-1, whose PBKDF2 hashes the
/// HMAC key pads again at every iteration: 8.2–8.9 ms for the two AES keys of one 256-byte password on these
/// machines, against 1.4–1.6 ms for one `gnutls_pbkdf2` run (nettle; OpenSSL 3's `PKCS5_PBKDF2_HMAC` takes
/// 3.5–4.6 ms and would load libcrypto besides). Both AES keys come from that one run: PBKDF2's output is a
/// concatenation of independent blocks, so AES128's 16-byte input is the first half of AES256's 32 bytes.
/// `KeyDerivationTests` checks every key against libkrb5's on known-answer vectors and random passwords.
enum AESStringToKey {
    /// RFC 3962's default iteration count (libkrb5's too, when the KDC gives no `s2kparams`).
    static let iterations: UInt32 = 4096

    /// RFC 3961 n-fold("kerberos", 128): the DK constant of RFC 3962 string-to-key (RFC 3961's own test vector
    /// for n-fold lists this value).
    private static let kerberosConstant: [UInt8] = [
        0x6b, 0x65, 0x72, 0x62, 0x65, 0x72, 0x6f, 0x73, 0x7b, 0x9b, 0x5b, 0x2b, 0x93, 0x13, 0x2b, 0x93,
    ]

    /// The keys of `password` (already in UTF-8) for each AES type in `types`; other types are ignored.
    static func keys(
        _ password: SecretBytes, salt: String, types: [EncryptionType]
    ) throws(KerberosError) -> [EncryptionType: KerberosKey] {
        let wanted = types.filter { $0 == .aes256CTSHMACSHA196 || $0 == .aes128CTSHMACSHA196 }
        guard !wanted.isEmpty else { return [:] }
        let length = wanted.contains(.aes256CTSHMACSHA196) ? 32 : 16
        var saltBytes = Array(salt.utf8)
        var status: Int32 = 0
        let stretched = SecretBytes(count: length) { out in
            status = password.withUnsafeBytes { passwordBytes in
                saltBytes.withUnsafeMutableBytes { saltBuffer in
                    var key = gnutls_datum_t(
                        data: UnsafeMutablePointer(mutating: passwordBytes.baseAddress?.assumingMemoryBound(to: UInt8.self)),
                        size: UInt32(passwordBytes.count))
                    var salt = gnutls_datum_t(
                        data: saltBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self), size: UInt32(saltBuffer.count))
                    return gnutls_pbkdf2(GNUTLS_MAC_SHA1, &key, &salt, iterations, out.baseAddress, length)
                }
            }
        }
        guard status == 0 else {
            throw failure("PBKDF2-HMAC-SHA1", status)
        }
        var keys: [EncryptionType: KerberosKey] = [:]
        for type in wanted {
            let size = type == .aes256CTSHMACSHA196 ? 32 : 16
            keys[type] = KerberosKey(encryptionType: type, bytes: try derivedKey(from: stretched, size: size, type: type))
        }
        return keys
    }

    /// DK(tkey, "kerberos") for AES (RFC 3961 §5.1; AES's random-to-key is the identity): the blocks
    /// K1 = E(tkey, constant), K2 = E(tkey, K1), … truncated to the key size. E of one block with a zero IV is
    /// plain AES, so one CBC encryption of `constant ‖ 0¹²⁸` under a zero IV yields K1 ‖ K2 (the second block is
    /// E(0 ⊕ K1)).
    private static func derivedKey(from stretched: SecretBytes, size: Int, type: EncryptionType) throws(KerberosError) -> SecretBytes {
        var status: Int32 = 0
        let bytes = SecretBytes(count: size) { out in
            var input = kerberosConstant + [UInt8](repeating: 0, count: 16)
            var blocks = [UInt8](repeating: 0, count: 32)
            var iv = [UInt8](repeating: 0, count: 16)
            status = stretched.withUnsafeBytes { tkey in
                iv.withUnsafeMutableBytes { ivBuffer in
                    var key = gnutls_datum_t(
                        data: UnsafeMutablePointer(mutating: tkey.baseAddress?.assumingMemoryBound(to: UInt8.self)),
                        size: UInt32(size))
                    var vector = gnutls_datum_t(data: ivBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self), size: 16)
                    var handle: gnutls_cipher_hd_t?
                    let cipher = size == 32 ? GNUTLS_CIPHER_AES_256_CBC : GNUTLS_CIPHER_AES_128_CBC
                    let opened = gnutls_cipher_init(&handle, cipher, &key, &vector)
                    guard opened == 0 else { return opened }
                    // gnutls_cipher_deinit zeroes the key schedule.
                    defer { gnutls_cipher_deinit(handle) }
                    return gnutls_cipher_encrypt2(handle, &input, 32, &blocks, 32)
                }
            }
            if status == 0 {
                for index in 0..<size { out[index] = blocks[index] }
            }
            // K1 ‖ K2 is key material: the same wipe as SecretBytes' (explicit_bzero), which the compiler may
            // not drop as it may a loop of stores to an array it frees next.
            blocks.withUnsafeMutableBytes { SecretBytes.zero($0.baseAddress!, $0.count) }
        }
        guard status == 0 else {
            throw failure("AES (DK) for \(type)", status)
        }
        return bytes
    }

    private static func failure(_ step: String, _ status: Int32) -> KerberosError {
        let reason = String(cString: gnutls_strerror(status))
        return KerberosError(
            .crypto(status), "cannot derive the AES keys: \(step) failed in GnuTLS: \(reason)")
    }
}
