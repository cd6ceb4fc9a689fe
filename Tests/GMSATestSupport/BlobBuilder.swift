/// Builds `msDS-ManagedPassword` blobs in the layout real DCs use (no padding), for tests.
public struct BlobBuilder {
    public var current: [UInt8]
    public var previous: [UInt8]?
    public var queryTicks: UInt64
    public var unchangedTicks: UInt64

    public init(current: [UInt8], previous: [UInt8]? = nil, queryTicks: UInt64, unchangedTicks: UInt64) {
        self.current = current
        self.previous = previous
        self.queryTicks = queryTicks
        self.unchangedTicks = unchangedTicks
    }

    /// A 256-byte password made of `seed`-dependent code units that are never 0x0000.
    public static func password(seed: UInt16) -> [UInt8] {
        (0..<128).flatMap { index -> [UInt8] in
            let unit = UInt16(truncatingIfNeeded: Int(seed) &* 7919 &+ index &* 104_729) | 0x0101
            return [UInt8(unit & 0xFF), UInt8(unit >> 8)]
        }
    }

    /// The blob bytes: header, current + NUL, previous + NUL (if any), query interval, unchanged interval.
    public func bytes() -> [UInt8] {
        let currentOffset = 16
        let previousOffset = previous.map { _ in currentOffset + current.count + 2 } ?? 0
        let queryOffset = (previous.map { previousOffset + $0.count + 2 }) ?? (currentOffset + current.count + 2)
        let unchangedOffset = queryOffset + 8
        let length = unchangedOffset + 8
        var blob: [UInt8] = []
        blob += le16(1) + le16(0) + le32(length)
        blob += le16(currentOffset) + le16(previousOffset) + le16(queryOffset) + le16(unchangedOffset)
        blob += current + [0, 0]
        if let previous { blob += previous + [0, 0] }
        blob += le64(queryTicks) + le64(unchangedTicks)
        return blob
    }

    private func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    private func le32(_ value: Int) -> [UInt8] { le16(value & 0xFFFF) + le16(value >> 16) }
    private func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}
