/// One journal entry in journald's native protocol, the documented, stable interface behind
/// `sd_journal_sendv(3)` (systemd's "Native Journal Protocol"): a datagram of fields, each either
/// `NAME=value\n` or, when the value holds a newline, `NAME\n`, the value's length as a 64-bit little-endian
/// integer, the value, `\n`.
enum JournalDatagram {
    /// `fields` are `NAME=value` strings; one without `=` is skipped (journald would reject the entry).
    static func encode(_ fields: [String]) -> [UInt8] {
        var datagram: [UInt8] = []
        datagram.reserveCapacity(fields.reduce(0) { $0 &+ $1.utf8.count &+ 9 })
        for field in fields {
            let bytes = Array(field.utf8)
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let value = bytes[(equals + 1)...]
            if value.contains(UInt8(ascii: "\n")) {
                datagram += bytes[..<equals]
                datagram.append(UInt8(ascii: "\n"))
                let length = UInt64(value.count)
                for shift in stride(from: 0, to: 64, by: 8) { datagram.append(UInt8(truncatingIfNeeded: length >> shift)) }
                datagram += value
            } else {
                datagram += bytes
            }
            datagram.append(UInt8(ascii: "\n"))
        }
        return datagram
    }
}
