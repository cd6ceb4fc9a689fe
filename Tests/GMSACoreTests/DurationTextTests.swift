import GMSACore
import Testing

@Suite struct DurationTextTests {
    @Test(arguments: [
        ("10h 5m", 36_300), ("10h5m", 36_300), ("1h", 3600), ("90s", 90), ("30d", 2_592_000), ("2m30s", 150), ("0s", 0),
    ] as [(String, Int64)])
    func parses(text: String, seconds: Int64) {
        #expect(DurationText.parse(text) == .seconds(seconds))
    }

    @Test(arguments: ["", "10", "h", "10x", "1.5h", "-1h", "10 h m", "99999999999999999999d"])
    func rejects(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test func formatsLargestUnitsFirst() {
        #expect(DurationText.format(.seconds(36_300)) == "10h 5m")
        #expect(DurationText.format(.seconds(0)) == "0s")
        #expect(DurationText.format(.seconds(90_061)) == "1d 1h 1m 1s")
    }
}
