#if canImport(Glibc)
import Glibc
#endif

/// A moment on the wall clock: seconds since 1970-01-01 00:00:00 UTC.
///
/// The daemon's own time type, in place of Foundation's `Date` (same names, same arithmetic), so that no part of
/// the product links Foundation (about 3 MiB of resident memory; notes of issue 10). Wall-clock time is what
/// password expiry, schedules and the state file are in; durations between ticks use `ContinuousClock`.
public struct Timestamp: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var timeIntervalSince1970: Double

    public init(timeIntervalSince1970: Double) {
        self.timeIntervalSince1970 = timeIntervalSince1970
    }

    /// The current time, from `clock_gettime(CLOCK_REALTIME)` (which libfaketime moves in the rollover tests).
    public static var now: Timestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Timestamp(timeIntervalSince1970: Double(time.tv_sec) + Double(time.tv_nsec) / 1e9)
    }

    /// Long before anything the daemon records (0001-01-01), as Foundation's `Date.distantPast`.
    public static let distantPast = Timestamp(timeIntervalSince1970: -62_135_596_800)
    /// Long after (4001-01-01), as Foundation's `Date.distantFuture`.
    public static let distantFuture = Timestamp(timeIntervalSince1970: 64_092_211_200)

    /// Seconds from `other` to this moment (negative when `other` is later).
    public func timeIntervalSince(_ other: Timestamp) -> Double {
        timeIntervalSince1970 - other.timeIntervalSince1970
    }

    public func addingTimeInterval(_ seconds: Double) -> Timestamp {
        Timestamp(timeIntervalSince1970: timeIntervalSince1970 + seconds)
    }

    /// `2026-11-25T18:17:11Z` (``UTCTimestamp``).
    public var description: String { UTCTimestamp.format(self) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.timeIntervalSince1970 < rhs.timeIntervalSince1970
    }

    public static func + (lhs: Timestamp, rhs: Double) -> Timestamp { lhs.addingTimeInterval(rhs) }
    public static func - (lhs: Timestamp, rhs: Double) -> Timestamp { lhs.addingTimeInterval(-rhs) }
    public static func += (lhs: inout Timestamp, rhs: Double) { lhs = lhs + rhs }
    public static func -= (lhs: inout Timestamp, rhs: Double) { lhs = lhs - rhs }
}
