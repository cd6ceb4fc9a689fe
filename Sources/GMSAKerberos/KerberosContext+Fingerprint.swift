import CKrb5
import GMSACore

extension KerberosContext {
    /// A keyed fingerprint of secret bytes: HMAC-SHA-256-128 (RFC 8009) under this host's own 16-byte key, in hex.
    ///
    /// Lets the state file say "the keys in the keytab came from this password" without holding anything that
    /// confirms a guessed password or links the same password across hosts: without the key the fingerprint
    /// says nothing. The key lives in `fingerprint.key` beside the state file (``FingerprintKey``). libk5crypto's
    /// HMAC leaves the secret's blocks in its frames: the stack is zeroed before this returns (`gmsa_scrub_stack`).
    public func fingerprint(of secret: SecretBytes, key: SecretBytes) throws(KerberosError) -> String {
        defer { gmsa_scrub_stack() }
        var checksum = krb5_checksum()
        let code = key.withUnsafeBytes { keyBytes in
            secret.withUnsafeBytes { secretBytes in
                var keyblock = krb5_keyblock(
                    magic: gmsa_kv5m_keyblock(), enctype: gmsa_enctype_aes128_sha256(), length: UInt32(keyBytes.count),
                    contents: UnsafeMutablePointer(mutating: keyBytes.baseAddress?.assumingMemoryBound(to: UInt8.self)))
                var input = krb5_data(
                    magic: gmsa_kv5m_data(), length: UInt32(secretBytes.count),
                    data: UnsafeMutablePointer(mutating: secretBytes.baseAddress?.assumingMemoryBound(to: CChar.self)))
                return krb5_c_make_checksum(raw, gmsa_cksumtype_hmac_sha256_128_aes128(), &keyblock, 1, &input, &checksum)
            }
        }
        guard code == 0 else {
            throw error(code, "cannot compute a keyed fingerprint", check: "check that libkrb5 supports aes128-cts-hmac-sha256-128")
        }
        defer { krb5_free_checksum_contents(raw, &checksum) }
        let digits: [Character] = Array("0123456789abcdef")
        var text = ""
        for index in 0..<Int(checksum.length) {
            let byte = checksum.contents[index]
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return text
    }
}
