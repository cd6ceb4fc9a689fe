/// A JSON value (RFC 8259): what the daemon's state file holds.
///
/// A number keeps the literal written in the input, validated against the grammar of RFC 8259 section 6, so
/// nothing is lost to `Double` on the way: 64-bit counters and nanoseconds read back exactly through
/// ``integer(as:)``. Equality compares these literals, so `1.0` and `1` are different values. An object has no
/// key twice and no order; ``serialized()`` sorts its keys.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The literal exactly as written in the input (or by ``integer(_:)``).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue {
    /// Parses one JSON text strictly by RFC 8259: one value of any type surrounded by optional whitespace.
    ///
    /// The bytes must be UTF-8 without a byte order mark (section 8.1). Everything the grammar does not allow
    /// is an error at the offending byte: comments, trailing commas, single quotes, `NaN`, leading `+` or
    /// zeros, unescaped control characters, lone surrogates in `\u` escapes, invalid UTF-8 anywhere. So are a
    /// key given twice in one object (the RFC leaves that to the reader) and arrays and objects nested more
    /// than 64 deep. It never traps and never recurses, whatever the input.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        var reader = JSONReader(bytes: bytes)
        return try reader.document()
    }

    /// The value as pretty-printed UTF-8: 2-space indent, `"key": value`, object keys sorted by their UTF-8
    /// bytes, `[]` and `{}` for empty containers, and a final newline.
    ///
    /// Strings escape `"`, `\` and the control characters U+0000 to U+001F (`\n` and the other short forms where
    /// JSON has one, else `\u00xx`); `/` and everything else is written as UTF-8. Numbers are written as
    /// stored, so `parse(value.serialized()) == value` holds for every value whose numbers came from
    /// ``parse(_:)`` or ``integer(_:)``.
    public func serialized() -> [UInt8] {
        var writer = JSONWriter()
        writer.write(self, indent: 0)
        writer.bytes.append(UInt8(ascii: "\n"))
        return writer.bytes
    }

    /// The text of a `.string`; nil for any other case.
    public var string: String? {
        if case .string(let text) = self { text } else { nil }
    }

    /// The flag of a `.bool`; nil for any other case.
    public var bool: Bool? {
        if case .bool(let flag) = self { flag } else { nil }
    }

    /// The elements of an `.array`; nil for any other case.
    public var array: [JSONValue]? {
        if case .array(let elements) = self { elements } else { nil }
    }

    /// The members of an `.object`; nil for any other case.
    public var object: [String: JSONValue]? {
        if case .object(let members) = self { members } else { nil }
    }
}
