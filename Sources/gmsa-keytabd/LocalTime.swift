#if canImport(Glibc)
import Glibc
#endif

/// `2026-11-25 18:17:11 UTC`: times for an admin, in the host's time zone, through the C library.
///
/// Foundation's `DateFormatter` would load ICU and its time zone data for this; `localtime_r(3)` reads
/// `/etc/localtime` (or `TZ`). The zone is the C library's abbreviation (`UTC`, `CET`, `EST`).
enum LocalTime {
    static func format(epochSeconds: Int64) -> String {
        var seconds = time_t(epochSeconds)
        var fields = tm()
        guard localtime_r(&seconds, &fields) != nil else { return "@\(epochSeconds)" }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S %Z", &fields)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
