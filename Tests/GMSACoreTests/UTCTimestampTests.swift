import Foundation
import GMSACore
import Testing

@Suite struct UTCTimestampTests {
    @Test func agreesWithFoundationsFormatterOverCenturies() {
        let formatter = ISO8601DateFormatter()
        var generator = SystemRandomNumberGenerator()
        let instants: [TimeInterval] = [0, -1, 951_782_400, 4_107_542_399, 1_800_000_000.75, -2_208_988_800]
            + (0..<2_000).map { _ in TimeInterval(Int64.random(in: -2_208_988_800...7_258_118_400, using: &generator)) }
        for instant in instants {
            let date = Timestamp(timeIntervalSince1970: instant)
            let expected = formatter.string(from: Date(timeIntervalSince1970: instant.rounded(.down)))
            #expect(UTCTimestamp.format(date) == expected)
            #expect(UTCTimestamp.parse(expected) == Timestamp(timeIntervalSince1970: instant.rounded(.down)))
        }
    }

    @Test func refusesAnythingElse() {
        for text in ["", "2026-11-25T18:17:11", "2026-11-25 18:17:11Z", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
            "2026-11-25T24:00:00Z", "2026-11-25T18:60:00Z", "+026-11-25T18:17:11Z", "2026-11-25T18:17:11.5Z"]
        {
            #expect(UTCTimestamp.parse(text) == nil, "\(text)")
        }
        #expect(UTCTimestamp.parse("2024-02-29T23:59:59Z") != nil)
    }
}
