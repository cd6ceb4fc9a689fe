/// Durations as admins write them in the configuration: `"10h 5m"`, `"1h"`, `"90s"`, `"30d"`, `"2m30s"`.
public enum DurationText {
    /// Parses a duration; `nil` when the text is not one.
    public static func parse(_ text: String) -> Duration? {
        var total: Int64 = 0
        var number: Int64?
        var sawUnit = false
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (times, overflow) = (number ?? 0).multipliedReportingOverflow(by: 10)
                guard !overflow else { return nil }
                number = times + Int64(digit)
            } else if character == " " {
                continue
            } else {
                let unit: Int64
                switch character {
                case "s": unit = 1
                case "m": unit = 60
                case "h": unit = 3600
                case "d": unit = 86_400
                default: return nil
                }
                guard let value = number else { return nil }
                let (product, overflow) = value.multipliedReportingOverflow(by: unit)
                guard !overflow else { return nil }
                total += product
                number = nil
                sawUnit = true
            }
        }
        guard number == nil, sawUnit else { return nil }
        return .seconds(total)
    }

    /// `10h 5m`-style text for a duration.
    public static func format(_ duration: Duration) -> String {
        var seconds = max(0, duration.components.seconds)
        var parts: [String] = []
        for (unit, name) in [(Int64(86_400), "d"), (3600, "h"), (60, "m"), (1, "s")] where seconds >= unit {
            parts.append("\(seconds / unit)\(name)")
            seconds %= unit
        }
        return parts.isEmpty ? "0s" : parts.joined(separator: " ")
    }
}
