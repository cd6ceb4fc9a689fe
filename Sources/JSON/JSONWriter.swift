/// Writes a ``JSONValue`` as pretty-printed UTF-8 (``JSONValue/serialized()`` is the API).
///
/// Recursive: a value ``JSONValue/parse(_:)`` made is at most 64 deep.
struct JSONWriter {
    var bytes: [UInt8] = []

    /// `value` at the writer's end, its inner lines indented one step more than `indent` steps.
    mutating func write(_ value: JSONValue, indent: Int) {
        switch value {
        case .null:
            bytes.append(contentsOf: "null".utf8)
        case .bool(let flag):
            bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let literal):
            bytes.append(contentsOf: literal.utf8)
        case .string(let text):
            writeQuoted(text)
        case .array(let elements):
            guard !elements.isEmpty else {
                bytes.append(contentsOf: "[]".utf8)
                return
            }
            bytes.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                startLine(afterComma: position > 0, indent: indent + 1)
                write(element, indent: indent + 1)
            }
            startLine(afterComma: false, indent: indent)
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else {
                bytes.append(contentsOf: "{}".utf8)
                return
            }
            bytes.append(UInt8(ascii: "{"))
            let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (position, member) in sorted.enumerated() {
                startLine(afterComma: position > 0, indent: indent + 1)
                writeQuoted(member.key)
                bytes.append(contentsOf: ": ".utf8)
                write(member.value, indent: indent + 1)
            }
            startLine(afterComma: false, indent: indent)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func startLine(afterComma: Bool, indent: Int) {
        if afterComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\n"))
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * indent))
    }

    /// `text` in double quotes: `"`, `\` and U+0000 to U+001F escaped, everything else as UTF-8.
    mutating func writeQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: text.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0x08: bytes.append(contentsOf: "\\b".utf8)
            case 0x09: bytes.append(contentsOf: "\\t".utf8)
            case 0x0A: bytes.append(contentsOf: "\\n".utf8)
            case 0x0C: bytes.append(contentsOf: "\\f".utf8)
            case 0x0D: bytes.append(contentsOf: "\\r".utf8)
            case 0x00..<0x20:
                bytes.append(contentsOf: "\\u00".utf8)
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0F)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `text` as a JSON string, for messages: `"x"`.
    static func quoted(_ text: String) -> String {
        var writer = JSONWriter()
        writer.writeQuoted(text)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
