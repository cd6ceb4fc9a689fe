import GMSACore
import GMSATestSupport
import Testing

@Suite struct ManagedPasswordBlobTests {
    @Test(arguments: KnownAnswerVectors.shared.blobs)
    func parsesPublishedBlobs(vector: KnownAnswerVectors.Blob) throws {
        #expect(vector.bytes.count == vector.length)
        let blob = try ManagedPasswordBlob(parsing: vector.bytes)
        #expect(blob.currentPassword == ManagedPassword(hex: vector.currentPasswordUtf16leHex))
        #expect(blob.currentPassword.utf16LittleEndian.count == 256)
        #expect(blob.previousPassword == nil)
        #expect(vector.previousPasswordOffset == 0)
        #expect(blob.queryPasswordIntervalTicks == vector.queryPasswordIntervalTicks)
        #expect(blob.unchangedPasswordIntervalTicks == vector.unchangedPasswordIntervalTicks)
        // Every Windows and Samba blob has Unchanged = Query − 5 minutes.
        #expect(blob.queryPasswordInterval - blob.unchangedPasswordInterval == .seconds(300))
    }

    @Test func parsesBlobWithPreviousPassword() throws {
        let current = BlobBuilder.password(seed: 1)
        let previous = BlobBuilder.password(seed: 2)
        let bytes = BlobBuilder(current: current, previous: previous, queryTicks: 864_000_000_000, unchangedTicks: 861_000_000_000).bytes()
        #expect(bytes.count == 548)
        let blob = try ManagedPasswordBlob(parsing: bytes)
        #expect(blob.currentPassword == ManagedPassword(utf16LittleEndian: SecretBytes(current)))
        #expect(blob.previousPassword == ManagedPassword(utf16LittleEndian: SecretBytes(previous)))
        #expect(blob.queryPasswordInterval == .seconds(86_400))
        #expect(blob.unchangedPasswordInterval == .seconds(86_100))
    }

    @Test func convertsTicksWithSubSecondPrecision() {
        #expect(ManagedPasswordBlob.duration(ticks: 25_705_269_381_510) == .seconds(2_570_526) + .nanoseconds(938_151_000))
    }

    @Test func descriptionRevealsNoPassword() throws {
        let vector = KnownAnswerVectors.shared.blobs[0]
        let blob = try ManagedPasswordBlob(parsing: vector.bytes)
        let text = "\(blob) \(blob.currentPassword) \(blob.currentPassword.utf16LittleEndian)"
        #expect(!text.contains(String(vector.currentPasswordUtf16leHex.prefix(8))))
        #expect(text.contains("256 bytes"))
    }

    // MARK: - Malformed blobs

    static let valid = BlobBuilder(
        current: BlobBuilder.password(seed: 3), previous: BlobBuilder.password(seed: 4),
        queryTicks: 1_000_000, unchangedTicks: 500_000
    ).bytes()

    static func patched(_ bytes: [UInt8], at offset: Int, _ values: [UInt8]) -> [UInt8] {
        var copy = bytes
        copy.replaceSubrange(offset..<offset + values.count, with: values)
        return copy
    }

    static let malformed: [(String, [UInt8], ManagedPasswordBlobError.Code)] = [
        ("empty", [], .truncated),
        ("header only, 15 bytes", Array(valid.prefix(15)), .truncated),
        ("version 2", patched(valid, at: 0, [2, 0]), .unsupportedVersion),
        ("version 0", patched(valid, at: 0, [0, 0]), .unsupportedVersion),
        ("truncated body", Array(valid.prefix(300)), .lengthMismatch),
        ("trailing garbage", valid + [0], .lengthMismatch),
        ("length field too small", patched(valid, at: 4, [0x10, 0, 0, 0]), .lengthMismatch),
        ("current offset 0", patched(valid, at: 8, [0, 0]), .offsetOutOfRange),
        ("current offset inside header", patched(valid, at: 8, [4, 0]), .offsetOutOfRange),
        ("previous offset past end", patched(valid, at: 10, [0xFF, 0x7F]), .offsetOutOfRange),
        ("query offset past end", patched(valid, at: 12, [0x24, 0x02]), .offsetOutOfRange),
        ("unchanged offset past end", patched(valid, at: 14, [0xFF, 0xFF]), .offsetOutOfRange),
        ("previous before current", patched(valid, at: 10, [0x0C, 0]), .offsetOutOfRange),
        ("previous before current, in range", patched(patched(valid, at: 8, [0x20, 0]), at: 10, [0x10, 0]), .offsetsOutOfOrder),
        ("query before previous", patched(valid, at: 12, [0x20, 0]), .offsetsOutOfOrder),
        ("unchanged before query", patched(valid, at: 14, [0x20, 0]), .offsetsOutOfOrder),
        ("unchanged overlapping query", patched(valid, at: 14, [0x19, 0x02]), .offsetsOutOfOrder),
        ("unchanged interval cut short", patched(valid, at: 14, [0x1E, 0x02]), .truncated),
        ("current password without terminator", patched(valid, at: 16 + 256, [0x41, 0]), .missingTerminator),
        ("previous password without terminator", patched(valid, at: 274 + 256, [0x41, 0]), .missingTerminator),
        ("empty current password", patched(valid, at: 16, [0, 0]), .emptyPassword),
        ("interval beyond Int64", patched(valid, at: 532, [0, 0, 0, 0, 0, 0, 0, 0x80]), .intervalOutOfRange),
    ]

    @Test(arguments: 0..<malformed.count)
    func rejectsMalformedBlob(index: Int) {
        let (name, bytes, code) = Self.malformed[index]
        #expect(throws: ManagedPasswordBlobError.self, "\(name)") {
            try ManagedPasswordBlob(parsing: bytes)
        }
        do {
            _ = try ManagedPasswordBlob(parsing: bytes)
        } catch {
            #expect(error.code == code, "\(name): \(error)")
        }
    }

    @Test func errorNamesAccountAndHidesBytes() {
        let bytes = Self.patched(Self.valid, at: 16 + 256, [0x41, 0])
        do {
            _ = try ManagedPasswordBlob(parsing: bytes)
            Issue.record("a blob without terminator was accepted")
        } catch {
            let text = "\(error.forAccount("msa-web$"))"
            #expect(text.contains("msa-web$"))
            #expect(text.contains("terminator"))
            let passwordHex = BlobBuilder.password(seed: 3).prefix(4).map { String($0, radix: 16) }.joined()
            #expect(!text.contains(passwordHex))
        }
    }

    /// Every prefix and every single-byte corruption of a valid blob gives an error or a blob, never a crash.
    @Test func survivesEveryTruncationAndCorruption() {
        var rejected = 0
        for length in 0..<Self.valid.count where (try? ManagedPasswordBlob(parsing: Self.valid.prefix(length))) == nil {
            rejected += 1
        }
        #expect(rejected == Self.valid.count)
        for offset in 0..<16 {
            for value: UInt8 in [0x00, 0x01, 0x7F, 0x80, 0xFF] {
                _ = try? ManagedPasswordBlob(parsing: Self.patched(Self.valid, at: offset, [value]))
            }
        }
    }
}
