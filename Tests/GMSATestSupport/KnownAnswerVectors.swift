import Foundation
import GMSACore
import Testing

/// The known-answer vectors of `gmsa-vectors.json` (a copy of the team's shared vectors file).
public struct KnownAnswerVectors: Decodable, Sendable {
    public struct Blob: Decodable, Sendable {
        public let name: String
        public let blobHex: String
        public let length: Int
        public let currentPasswordOffset: Int
        public let previousPasswordOffset: Int
        public let queryPasswordIntervalTicks: UInt64
        public let unchangedPasswordIntervalTicks: UInt64
        public let currentPasswordUtf16leHex: String
        public let previousPasswordUtf16leHex: String?
        public let currentRc4KeyHex: String

        public var bytes: [UInt8] { [UInt8](hex: blobHex) }

        enum CodingKeys: String, CodingKey {
            case name
            case blobHex = "blob_hex"
            case length
            case currentPasswordOffset = "current_password_offset"
            case previousPasswordOffset = "previous_password_offset"
            case queryPasswordIntervalTicks = "query_password_interval_ticks"
            case unchangedPasswordIntervalTicks = "unchanged_password_interval_ticks"
            case currentPasswordUtf16leHex = "current_password_utf16le_hex"
            case previousPasswordUtf16leHex = "previous_password_utf16le_hex"
            case currentRc4KeyHex = "current_rc4_key_hex"
        }
    }

    public struct Key: Decodable, Sendable {
        public let name: String
        public let account: String?
        public let realm: String?
        public let salt: String
        public let passwordUtf16leHex: String?
        public let passwordUtf8MungedHex: String?
        public let passwordUtf8Hex: String?
        public let aes256CtsHmacSha196Hex: String
        public let aes128CtsHmacSha196Hex: String
        public let rc4HmacHex: String?

        enum CodingKeys: String, CodingKey {
            case name
            case account
            case realm
            case salt
            case passwordUtf16leHex = "password_utf16le_hex"
            case passwordUtf8MungedHex = "password_utf8_munged_hex"
            case passwordUtf8Hex = "password_utf8_hex"
            case aes256CtsHmacSha196Hex = "aes256_cts_hmac_sha1_96_hex"
            case aes128CtsHmacSha196Hex = "aes128_cts_hmac_sha1_96_hex"
            case rc4HmacHex = "rc4_hmac_hex"
        }
    }

    public struct Munged: Decodable, Sendable {
        public let name: String
        public let utf16leHex: String
        public let utf8Hex: String

        enum CodingKeys: String, CodingKey {
            case name
            case utf16leHex = "utf16le_hex"
            case utf8Hex = "utf8_hex"
        }
    }

    public struct Salt: Decodable, Sendable {
        public let account: String
        public let realm: String
        public let salt: String

        enum CodingKeys: String, CodingKey {
            case account
            case realm
            case salt
        }
    }

    public let blobs: [Blob]
    public let keys: [Key]
    public let utf16Munged: [Munged]
    public let salts: [Salt]

    enum CodingKeys: String, CodingKey {
        case blobs, keys, salts
        case utf16Munged = "utf16_munged"
    }

    /// The vectors shipped with the tests.
    public static let shared: KnownAnswerVectors = {
        guard let url = Bundle.module.url(forResource: "gmsa-vectors", withExtension: "json", subdirectory: "Vectors"),
            let data = try? Data(contentsOf: url)
        else { fatalError("gmsa-vectors.json is missing from the test bundle") }
        let decoder = JSONDecoder()
        do {
            return try decoder.decode(KnownAnswerVectors.self, from: data)
        } catch {
            fatalError("gmsa-vectors.json does not decode: \(error)")
        }
    }()
}

extension [UInt8] {
    /// Bytes from a hexadecimal string.
    public init(hex: String) {
        let digits = Array(hex.utf8)
        precondition(digits.count % 2 == 0, "odd-length hex string")
        self = stride(from: 0, to: digits.count, by: 2).map { index in
            UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16)!
        }
    }
}

extension ManagedPassword {
    /// A password from its UTF-16LE hex form, for tests.
    public init(hex: String) {
        self.init(utf16LittleEndian: SecretBytes([UInt8](hex: hex)))
    }
}

extension KnownAnswerVectors.Blob: CustomTestStringConvertible {
    /// Parameterized tests show the vector's name, not its bytes.
    public var testDescription: String { name }
}
