import GMSACore
import GMSATestSupport
import Testing

@Suite struct ManagedPasswordTests {
    @Test func mungesSambaIconvVector() throws {
        let vector = try #require(KnownAnswerVectors.shared.utf16Munged.first)
        let utf8 = ManagedPassword(hex: vector.utf16leHex).mungedUTF8()
        #expect(utf8.hexForKnownAnswerTest() == vector.utf8Hex)
    }

    @Test func mungesRealGMSAPasswordLikeWindows() throws {
        let vector = try #require(KnownAnswerVectors.shared.keys.first { $0.passwordUtf16leHex != nil })
        let password = ManagedPassword(hex: try #require(vector.passwordUtf16leHex))
        #expect(password.mungedUTF8() == SecretBytes([UInt8](hex: try #require(vector.passwordUtf8MungedHex))))
    }

    @Test func mapsEachUnpairedSurrogateToOneReplacementCharacter() {
        // high then 'A', low alone, low before a valid pair U+1F600, then 'B'.
        let units: [UInt16] = [0xD800, 0x0041, 0xDC00, 0xDC00, 0xD83D, 0xDE00, 0x0042]
        let password = ManagedPassword(utf16LittleEndian: SecretBytes(units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }))
        #expect(password.mungedUTF8().hexForKnownAnswerTest() == "efbfbd" + "41" + "efbfbd" + "efbfbd" + "f09f9880" + "42")
    }

    @Test func trailingHighSurrogateBecomesReplacementCharacter() {
        let password = ManagedPassword(utf16LittleEndian: SecretBytes([0x41, 0x00, 0x3D, 0xD8]))
        #expect(password.mungedUTF8().hexForKnownAnswerTest() == "41efbfbd")
    }

    @Test func mapsNulToU0001AndEncodesTwoAndThreeByteScalars() {
        let units: [UInt16] = [0x0000, 0x00E9, 0x20AC]
        let password = ManagedPassword(utf16LittleEndian: SecretBytes(units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }))
        #expect(password.mungedUTF8().hexForKnownAnswerTest() == "01" + "c3a9" + "e282ac")
    }

    @Test func secretsPrintOnlyTheirLength() {
        let secret = SecretBytes([0xDE, 0xAD, 0xBE, 0xEF])
        #expect("\(secret)" == "<secret: 4 bytes>")
        #expect(String(reflecting: secret) == "<secret: 4 bytes>")
        #expect(!"\(ManagedPassword(utf16LittleEndian: SecretBytes([0xDE, 0xAD])))".lowercased().contains("dead"))
    }

    @Test func secretEqualityComparesContentAndLength() {
        #expect(SecretBytes([1, 2, 3]) == SecretBytes([1, 2, 3]))
        #expect(SecretBytes([1, 2, 3]) != SecretBytes([1, 2, 4]))
        #expect(SecretBytes([1, 2, 3]) != SecretBytes([1, 2]))
    }
}
