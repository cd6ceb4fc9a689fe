/// A TOML date, time or date-time (TOML 1.0 "Offset Date-Time" to "Local Time", RFC 3339).
///
/// Kept as written, without a calendar or time zone conversion: gmsa-keytabd has no key that takes one, and a
/// configuration that gives one gets a type error naming the key.
public struct TOMLDateTime: Sendable, Hashable, CustomStringConvertible {
    public struct Date: Sendable, Hashable {
        public var year: Int
        public var month: Int
        public var day: Int

        public init(year: Int, month: Int, day: Int) {
            self.year = year
            self.month = month
            self.day = day
        }
    }

    public struct Time: Sendable, Hashable {
        public var hour: Int
        public var minute: Int
        public var second: Int
        /// The fraction of the second; digits past the ninth are dropped.
        public var nanosecond: Int

        public init(hour: Int, minute: Int, second: Int, nanosecond: Int) {
            self.hour = hour
            self.minute = minute
            self.second = second
            self.nanosecond = nanosecond
        }
    }

    /// `nil` for a local time.
    public var date: Date?
    /// `nil` for a local date.
    public var time: Time?
    /// Minutes east of UTC (`Z` is 0); `nil` for local dates and times.
    public var offsetMinutes: Int?

    public init(date: Date?, time: Time?, offsetMinutes: Int?) {
        self.date = date
        self.time = time
        self.offsetMinutes = offsetMinutes
    }

    /// RFC 3339 text that parses back to this value: `1979-05-27T07:32:00.5-07:00`, `07:32:00`.
    public var description: String {
        func digits(_ value: Int, _ count: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, count - text.count)) + text
        }
        var parts: [String] = []
        if let date { parts.append("\(digits(date.year, 4))-\(digits(date.month, 2))-\(digits(date.day, 2))") }
        if let time {
            var text = "\(digits(time.hour, 2)):\(digits(time.minute, 2)):\(digits(time.second, 2))"
            if time.nanosecond > 0 {
                var fraction = digits(time.nanosecond, 9)
                while fraction.hasSuffix("0") { fraction.removeLast() }
                text += "." + fraction
            }
            if let offsetMinutes {
                if offsetMinutes == 0 {
                    text += "Z"
                } else {
                    let magnitude = offsetMinutes.magnitude
                    text += (offsetMinutes < 0 ? "-" : "+") + digits(Int(magnitude / 60), 2) + ":" + digits(Int(magnitude % 60), 2)
                }
            }
            parts.append(text)
        }
        return parts.joined(separator: "T")
    }
}
