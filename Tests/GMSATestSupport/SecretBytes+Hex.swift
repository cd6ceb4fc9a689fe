import GMSACore

extension SecretBytes {
    /// Lowercase hexadecimal, for comparing against published known-answer vectors. Lives in the test support
    /// module: the product has no way to print a secret.
    public func hexForKnownAnswerTest() -> String {
        withUnsafeBytes { bytes in
            let digits = Array("0123456789abcdef".utf8)
            return bytes.map { byte in
                String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
            }.joined()
        }
    }
}
