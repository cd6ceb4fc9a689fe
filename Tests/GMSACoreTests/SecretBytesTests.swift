import GMSACore
import Testing

@Suite struct SecretBytesTests {
    struct Refused: Error {}

    @Test func aFillThatThrowsLeavesNothingBehindAndDoesNotCrash() {
        // Used to free the storage twice (once in init, once in deinit).
        for _ in 0..<100 {
            #expect(throws: Refused.self) {
                _ = try SecretBytes(count: 64) { buffer in
                    buffer[0] = 0xA5
                    throw Refused()
                }
            }
        }
    }

    @Test func printsOnlyItsLength() {
        #expect("\(SecretBytes([1, 2, 3]))" == "<secret: 3 bytes>")
    }
}
