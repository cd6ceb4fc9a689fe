import GMSACore
import Testing

@testable import GMSADaemon

/// A wall-clock step is told apart from time passing.
@Suite struct ClockStepDetectorTests {
    @Test func onlyADifferenceAboveAMinuteIsAStep() {
        var detector = ClockStepDetector()
        let wall = Timestamp(timeIntervalSince1970: 1_800_000_000)
        let monotonic = ContinuousClock.now
        #expect(detector.step(now: wall, monotonic: monotonic) == nil, "the first tick has nothing to compare with")
        #expect(detector.step(now: wall + 600, monotonic: monotonic + .seconds(600)) == nil, "time passing")
        #expect(detector.step(now: wall + 660, monotonic: monotonic + .seconds(610)) == nil, "50 s of drift is no step")
        let step = detector.step(now: wall + 660 + 3_600, monotonic: monotonic + .seconds(620))
        #expect(step.map { Int($0) } == 3_590)
        #expect(detector.step(now: wall - 86_400, monotonic: monotonic + .seconds(630)).map { $0 < 0 } == true)
    }
}
