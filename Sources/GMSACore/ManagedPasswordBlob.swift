/// A parsed `msDS-ManagedPassword` attribute value (MSDS-MANAGEDPASSWORD_BLOB, MS-ADTS 2.2.19).
///
/// The parser is strict (docs/protocol.md §1 "The blob"): it reads fields only through the offsets, never assumes
/// alignment padding (real blobs have none), and rejects anything that is not exactly one well-formed blob
/// with a ``ManagedPasswordBlobError`` instead of reading out of bounds.
public struct ManagedPasswordBlob: Sendable, CustomStringConvertible {
    /// The size of the fixed header.
    public static let headerSize = 16

    /// The password valid now. Inside the 5 minutes before a change, the DC already returns the next one here.
    public let currentPassword: ManagedPassword
    /// The password before the current one, present once the account is older than one interval.
    public let previousPassword: ManagedPassword?
    /// Time from the DC's reply until the current password expires (re-query after this).
    public let queryPasswordInterval: Duration
    /// Time from the DC's reply during which every query returns the same password (Query − 5 min).
    public let unchangedPasswordInterval: Duration

    /// The raw 100 ns tick counts, as the blob carries them.
    public let queryPasswordIntervalTicks: UInt64
    public let unchangedPasswordIntervalTicks: UInt64

    /// Parses one blob; `bytes` must be exactly the attribute value.
    public init(parsing bytes: some Collection<UInt8>) throws(ManagedPasswordBlobError) {
        let buffer = SecretBytes(bytes)
        self = try buffer.withUnsafeBytes { raw throws(ManagedPasswordBlobError) in
            try Self.parse(raw)
        }
    }

    /// Parses one blob held in zeroing storage, without copying it.
    public init(parsing blob: SecretBytes) throws(ManagedPasswordBlobError) {
        self = try blob.withUnsafeBytes { raw throws(ManagedPasswordBlobError) in
            try Self.parse(raw)
        }
    }

    private init(
        current: ManagedPassword,
        previous: ManagedPassword?,
        queryTicks: UInt64,
        unchangedTicks: UInt64
    ) {
        currentPassword = current
        previousPassword = previous
        queryPasswordIntervalTicks = queryTicks
        unchangedPasswordIntervalTicks = unchangedTicks
        queryPasswordInterval = Self.duration(ticks: queryTicks)
        unchangedPasswordInterval = Self.duration(ticks: unchangedTicks)
    }

    /// How long before a password change the DC already returns the next password (docs/protocol.md §4 "Key versions and the rollover").
    public static let changeWindow: Duration = .seconds(300)

    /// Whether this reply came from the last 5 minutes before a change, when "current" is the next
    /// password and "previous" the one still in use.
    public var isInsideChangeWindow: Bool { queryPasswordInterval <= Self.changeWindow }

    /// Converts 100 ns ticks to a `Duration`.
    public static func duration(ticks: UInt64) -> Duration {
        .seconds(Int64(ticks / 10_000_000)) + .nanoseconds(Int64(ticks % 10_000_000) * 100)
    }

    public var description: String {
        "ManagedPasswordBlob(previous: \(previousPassword == nil ? "absent" : "present"), "
            + "query: \(queryPasswordInterval), unchanged: \(unchangedPasswordInterval))"
    }

    private static func parse(_ raw: UnsafeRawBufferPointer) throws(ManagedPasswordBlobError) -> Self {
        guard raw.count >= headerSize else {
            throw ManagedPasswordBlobError(.truncated, "the blob is \(raw.count) bytes, shorter than its 16-byte header")
        }
        func u16(_ offset: Int) -> Int { Int(raw[offset]) | Int(raw[offset + 1]) << 8 }
        func u32(_ offset: Int) -> Int { u16(offset) | u16(offset + 2) << 16 }
        func u64(_ offset: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { value, index in value | UInt64(raw[offset + index]) << (8 * index) }
        }

        let version = u16(0)
        guard version == 1 else {
            throw ManagedPasswordBlobError(.unsupportedVersion, "the blob has version \(version); only version 1 is known")
        }
        let declaredLength = u32(4)
        guard declaredLength == raw.count else {
            throw ManagedPasswordBlobError(
                .lengthMismatch,
                "the blob says it is \(declaredLength) bytes long but \(raw.count) bytes were read")
        }
        let currentOffset = u16(8)
        let previousOffset = u16(10)
        let queryOffset = u16(12)
        let unchangedOffset = u16(14)

        guard currentOffset != 0 else {
            throw ManagedPasswordBlobError(.offsetOutOfRange, "the current password offset is 0")
        }
        let named: [(String, Int)] = [
            ("current password", currentOffset), ("previous password", previousOffset),
            ("query interval", queryOffset), ("unchanged interval", unchangedOffset),
        ]
        for (name, offset) in named where offset != 0 || name != "previous password" {
            guard offset >= headerSize, offset < raw.count else {
                throw ManagedPasswordBlobError(
                    .offsetOutOfRange,
                    "the \(name) offset \(offset) is outside the blob (header 16 bytes, blob \(raw.count) bytes)")
            }
        }
        // Fields in the order the structure defines them; the previous password is optional.
        let fieldsInOrder = named.filter { $0.1 != 0 }
        for (earlier, later) in zip(fieldsInOrder, fieldsInOrder.dropFirst()) where earlier.1 >= later.1 {
            throw ManagedPasswordBlobError(
                .offsetsOutOfOrder,
                "the \(earlier.0) offset \(earlier.1) is not before the \(later.0) offset \(later.1)")
        }
        for (name, offset) in [("query interval", queryOffset), ("unchanged interval", unchangedOffset)] {
            guard offset + 8 <= raw.count else {
                throw ManagedPasswordBlobError(
                    .truncated, "the 8-byte \(name) at offset \(offset) runs past the end of the \(raw.count)-byte blob")
            }
        }
        guard unchangedOffset >= queryOffset + 8 else {
            throw ManagedPasswordBlobError(
                .offsetsOutOfOrder, "the query interval at \(queryOffset) overlaps the unchanged interval at \(unchangedOffset)")
        }

        func password(_ name: String, at start: Int, before end: Int) throws(ManagedPasswordBlobError) -> ManagedPassword {
            var cursor = start
            while cursor + 1 < end {
                if raw[cursor] == 0, raw[cursor + 1] == 0 { break }
                cursor += 2
            }
            guard cursor + 1 < end else {
                throw ManagedPasswordBlobError(
                    .missingTerminator, "the \(name) has no UTF-16 NUL terminator before the next field at offset \(end)")
            }
            guard cursor > start else {
                throw ManagedPasswordBlobError(.emptyPassword, "the \(name) is empty")
            }
            let bytes = SecretBytes(UnsafeRawBufferPointer(rebasing: raw[start..<cursor]))
            return ManagedPassword(utf16LittleEndian: bytes)
        }

        let current = try password(
            "current password", at: currentOffset, before: previousOffset != 0 ? previousOffset : queryOffset)
        let previous =
            previousOffset == 0 ? nil : try password("previous password", at: previousOffset, before: queryOffset)
        let queryTicks = u64(queryOffset)
        let unchangedTicks = u64(unchangedOffset)
        guard queryTicks <= UInt64(Int64.max), unchangedTicks <= UInt64(Int64.max) else {
            throw ManagedPasswordBlobError(.intervalOutOfRange, "an interval does not fit a signed 64-bit tick count")
        }
        return Self(current: current, previous: previous, queryTicks: queryTicks, unchangedTicks: unchangedTicks)
    }
}
