import GMSACore

/// Tells a wall-clock step (NTP, suspend, a manual change) from time passing: the wall clock and the monotonic
/// clock moved apart by more than ``threshold`` since the last tick.
struct ClockStepDetector {
    /// A difference between wall-clock and monotonic time larger than this is a clock step.
    static let threshold: Double = 60
    private var last: (wall: Timestamp, monotonic: ContinuousClock.Instant)?

    /// The step in seconds since the last call, or nil when the clocks moved together (or on the first call).
    mutating func step(now: Timestamp, monotonic: ContinuousClock.Instant) -> Double? {
        defer { last = (now, monotonic) }
        guard let last else { return nil }
        let step = now.timeIntervalSince(last.wall) - (monotonic - last.monotonic).seconds
        return abs(step) > Self.threshold ? step : nil
    }
}
