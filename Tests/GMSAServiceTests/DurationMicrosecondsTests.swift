import GMSAService
import Testing

@Suite struct DurationMicrosecondsTests {
    @Test func wholeMicrosecondsForUsleep() {
        #expect(Duration.milliseconds(750).sleepMicroseconds == 750_000)
        #expect(Duration.seconds(5).sleepMicroseconds == 5_000_000)
        #expect(Duration.nanoseconds(1_999).sleepMicroseconds == 1)
    }

    @Test func negativeIsZeroAndHugeIsTheMaximum() {
        #expect(Duration.seconds(-3).sleepMicroseconds == 0)
        #expect(Duration.seconds(Int64.max).sleepMicroseconds == .max)
        #expect(Duration.seconds(Int64.min).sleepMicroseconds == 0)
        #expect(Duration.seconds(5_000).sleepMicroseconds == .max)
    }
}
