import StrictUTF8

/// The state of one parse (``JSONValue/parse(_:)`` is the API): the bytes and where the reader is.
///
/// Arrays and objects are read with an explicit stack of the open ones, not by recursion, so the depth limit
/// is the only thing deep input meets. Positions are computed only for an error.
struct JSONReader {
    /// Arrays and objects inside each other, at most.
    static let maximumDepth = 64

    private let bytes: [UInt8]
    private var index = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The whole input: whitespace, one value, whitespace (RFC 8259 section 2).
    mutating func document() throws(JSONParseError) -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw error(
                "a byte order mark (EF BB BF) at the start; a JSON text must not begin with one (RFC 8259, section 8.1)"
            )
        }
        skipWhitespace()
        let value = try value()
        skipWhitespace()
        guard current == nil else {
            throw error("\(describeCurrent()) after the value; a JSON text holds exactly one value")
        }
        return value
    }

    // MARK: Values

    private enum Container {
        case array
        case object
    }

    /// One value at the reader's place, with everything nested in it.
    private mutating func value() throws(JSONParseError) -> JSONValue {
        // The open arrays and objects, innermost last, with where each opened; the elements and members read
        // so far of each (kept apart so that appending mutates in place); for each open object, the key whose
        // value is being read.
        var open: [(container: Container, offset: Int)] = []
        var arrays: [[JSONValue]] = []
        var objects: [[String: JSONValue]] = []
        var keys: [String] = []
        values: while true {
            var value: JSONValue
            guard let byte = current else {
                throw error("expected a value, found the end of the input")
            }
            switch byte {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                guard open.count < Self.maximumDepth else {
                    throw error("arrays and objects are nested more than \(Self.maximumDepth) deep")
                }
                let start = index
                index += 1
                skipWhitespace()
                if byte == UInt8(ascii: "[") {
                    guard current == UInt8(ascii: "]") else {
                        open.append((.array, start))
                        arrays.append([])
                        continue values
                    }
                    index += 1
                    value = .array([])
                } else {
                    guard current == UInt8(ascii: "}") else {
                        keys.append(try key(notIn: [:], afterComma: false))
                        open.append((.object, start))
                        objects.append([:])
                        continue values
                    }
                    index += 1
                    value = .object([:])
                }
            case UInt8(ascii: "\""):
                value = .string(try string())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = try number()
            case UInt8(ascii: "t"):
                value = try literal("true", .bool(true))
            case UInt8(ascii: "f"):
                value = try literal("false", .bool(false))
            case UInt8(ascii: "n"):
                value = try literal("null", .null)
            default:
                throw error("expected a value, found \(describeCurrent())\(hintForValue(byte))")
            }

            // The value is complete: put it in its container, and close every container that ends here.
            while let innermost = open.last {
                skipWhitespace()
                switch innermost.container {
                case .array:
                    arrays[arrays.count - 1].append(value)
                    switch current {
                    case UInt8(ascii: ","):
                        index += 1
                        skipWhitespace()
                        if current == UInt8(ascii: "]") {
                            throw error("expected a value after ',', found ']' (no ',' after the last element)")
                        }
                        continue values
                    case UInt8(ascii: "]"):
                        index += 1
                        open.removeLast()
                        value = .array(arrays.removeLast())
                    default:
                        throw error(
                            "expected ',' or ']' after an element of the array that opened at "
                                + "\(place(of: innermost.offset)), found \(describeCurrent())"
                        )
                    }
                case .object:
                    objects[objects.count - 1][keys.removeLast()] = value
                    switch current {
                    case UInt8(ascii: ","):
                        index += 1
                        skipWhitespace()
                        keys.append(try key(notIn: objects[objects.count - 1], afterComma: true))
                        continue values
                    case UInt8(ascii: "}"):
                        index += 1
                        open.removeLast()
                        value = .object(objects.removeLast())
                    default:
                        throw error(
                            "expected ',' or '}' after a member of the object that opened at "
                                + "\(place(of: innermost.offset)), found \(describeCurrent())"
                        )
                    }
                }
            }
            return value
        }
    }

    /// What a byte that starts no value was probably meant to be.
    private func hintForValue(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "+"): " (a number cannot start with '+')"
        case UInt8(ascii: "."): " (a number needs a digit before its decimal point)"
        case UInt8(ascii: "'"): " (strings are in double quotes)"
        case UInt8(ascii: "/"), UInt8(ascii: "#"): " (JSON has no comments)"
        case UInt8(ascii: "N"), UInt8(ascii: "I"): " (JSON has no NaN or Infinity)"
        case UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ","): ""
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
            " (the literals are true, false and null, in lower case; strings are in double quotes)"
        default: ""
        }
    }

    /// `"name"` and the `:` after it, with the whitespace around the colon; a name in `members` is an error.
    private mutating func key(notIn members: [String: JSONValue], afterComma: Bool) throws(JSONParseError) -> String {
        guard current == UInt8(ascii: "\"") else {
            let hint =
                switch current {
                case UInt8(ascii: "}") where afterComma: " (no ',' after the last member)"
                case UInt8(ascii: "'"): " (strings are in double quotes)"
                default: ""
                }
            throw error("expected a key in double quotes, found \(describeCurrent())\(hint)")
        }
        let start = index
        let name = try string()
        guard members[name] == nil else {
            throw error(at: start, "duplicate key \(JSONWriter.quoted(name))")
        }
        skipWhitespace()
        guard current == UInt8(ascii: ":") else {
            throw error("expected ':' after the key \(JSONWriter.quoted(name)), found \(describeCurrent())")
        }
        index += 1
        skipWhitespace()
        return name
    }

    /// `true`, `false` or `null`, which `word` is.
    private mutating func literal(_ word: String, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
        for (offset, byte) in word.utf8.enumerated() where self.byte(at: index + offset) != byte {
            index += offset
            throw error("expected \(word), found \(describeCurrent())")
        }
        index += word.utf8.count
        return value
    }

    // MARK: Numbers

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` (RFC 8259 section 6), kept as written.
    private mutating func number() throws(JSONParseError) -> JSONValue {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, Self.isDigit(first) else {
            throw error("expected a digit after '-', found \(describeCurrent())\(current.map(hintForValue) ?? "")")
        }
        index += 1
        if first == UInt8(ascii: "0"), let next = current, Self.isDigit(next) {
            throw error("a number cannot have a leading zero ('0' followed by a digit)")
        }
        skipDigits()
        if current == UInt8(ascii: ".") {
            index += 1
            guard let digit = current, Self.isDigit(digit) else {
                throw error("expected a digit after the decimal point, found \(describeCurrent())")
            }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let digit = current, Self.isDigit(digit) else {
                throw error("expected a digit in the exponent, found \(describeCurrent())")
            }
            skipDigits()
        }
        return .number(String(decoding: bytes[start..<index], as: UTF8.self))
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
    }

    // MARK: Strings

    /// A string from its opening quote to past its closing one, escapes decoded (RFC 8259 section 7).
    private mutating func string() throws(JSONParseError) -> String {
        let opening = index
        index += 1
        // Unescaped runs are copied whole: `decoded` is used only once there was an escape.
        var runStart = index
        var decoded: [UInt8] = []
        var hasEscape = false
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let text =
                    if hasEscape {
                        String(decoding: decoded + bytes[runStart..<index], as: UTF8.self)
                    } else {
                        String(decoding: bytes[runStart..<index], as: UTF8.self)
                    }
                index += 1
                return text
            case UInt8(ascii: "\\"):
                decoded.append(contentsOf: bytes[runStart..<index])
                hasEscape = true
                try escape(into: &decoded)
                runStart = index
            case 0x00..<0x20:
                throw error(
                    "\(describeCurrent()) in a string; write it as an escape such as \(Self.escapeExample(byte))"
                )
            case 0x80...:
                guard let length = UTF8Scalar.sequenceLength(in: bytes, at: index) else {
                    throw error("invalid UTF-8 (byte 0x\(Self.hex(byte))); the input must be UTF-8")
                }
                index += length
            default:
                index += 1
            }
        }
        throw error(at: opening, "unterminated string: no closing '\"' before the end of the input")
    }

    private static func escapeExample(_ control: UInt8) -> String {
        switch control {
        case 0x08: "\\b"
        case 0x09: "\\t"
        case 0x0A: "\\n"
        case 0x0C: "\\f"
        case 0x0D: "\\r"
        default: "\\u00\(hex(control).lowercased())"
        }
    }

    /// `\` and what follows it, at the reader's place; `\u` surrogate pairs are combined.
    private mutating func escape(into text: inout [UInt8]) throws(JSONParseError) {
        let start = index
        index += 1
        guard let letter = current else {
            throw error(at: start, "unterminated string: '\\' at the end of the input")
        }
        let replacement: UInt8? =
            switch letter {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): letter
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "t"): 0x09
            default: nil
            }
        if let replacement {
            text.append(replacement)
            index += 1
            return
        }
        guard letter == UInt8(ascii: "u") else {
            let shown =
                (0x21...0x7E).contains(letter)
                ? "\\\(Character(Unicode.Scalar(letter)))" : "'\\' followed by \(describeCurrent())"
            throw error(
                "\(shown) is not an escape; JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX "
                    + "(\\\\ for a backslash)"
            )
        }
        index += 1
        var value = UInt32(try hexUnit())
        switch value {
        case 0xD800...0xDBFF:
            // A high surrogate: a low one must follow as the next escape.
            guard current == UInt8(ascii: "\\"), byte(at: index + 1) == UInt8(ascii: "u") else {
                throw error(
                    at: start,
                    "lone surrogate \\u\(Self.hex(value)): a high surrogate needs a low one "
                        + "(\\uDC00 to \\uDFFF) right after it"
                )
            }
            let second = index
            index += 2
            let low = UInt32(try hexUnit())
            guard (0xDC00...0xDFFF).contains(low) else {
                throw error(
                    at: second,
                    "\\u\(Self.hex(low)) after the high surrogate \\u\(Self.hex(value)) is not a low surrogate "
                        + "(\\uDC00 to \\uDFFF)"
                )
            }
            value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
        case 0xDC00...0xDFFF:
            throw error(
                at: start,
                "lone surrogate \\u\(Self.hex(value)): a low surrogate without a high one "
                    + "(\\uD800 to \\uDBFF) before it"
            )
        default:
            break
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw error(at: start, "\\u\(Self.hex(value)) is not a Unicode scalar value")
        }
        UTF8.encode(scalar) { text.append($0) }
    }

    /// The four hexadecimal digits of a `\u` escape, at the reader's place.
    private mutating func hexUnit() throws(JSONParseError) -> UInt16 {
        var unit: UInt16 = 0
        for _ in 0..<4 {
            let digit: UInt8
            switch current {
            case let byte? where Self.isDigit(byte): digit = byte - UInt8(ascii: "0")
            case let byte? where (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte):
                digit = byte - UInt8(ascii: "a") + 10
            case let byte? where (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte):
                digit = byte - UInt8(ascii: "A") + 10
            default: throw error("\\u needs four hexadecimal digits, found \(describeCurrent())")
            }
            unit = unit << 4 | UInt16(digit)
            index += 1
        }
        return unit
    }

    // MARK: Bytes, positions and errors

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func byte(at offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

    /// Space, tab, line feed and carriage return: RFC 8259's whitespace, and nothing else.
    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func error(_ message: String) -> JSONParseError {
        error(at: index, message)
    }

    private func error(at offset: Int, _ message: String) -> JSONParseError {
        let (line, column) = position(of: offset)
        return JSONParseError(line: line, column: column, message: message)
    }

    /// The 1-based line and 1-based byte column of a byte offset; a line ends after each line feed.
    private func position(of offset: Int) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for at in 0..<min(offset, bytes.count) where bytes[at] == 0x0A {
            line += 1
            lineStart = at + 1
        }
        return (line, offset - lineStart + 1)
    }

    private func place(of offset: Int) -> String {
        let (line, column) = position(of: offset)
        return "line \(line), column \(column)"
    }

    /// What is at the reader's place, for "found …".
    private func describeCurrent() -> String {
        guard let byte = current else { return "the end of the input" }
        switch byte {
        case 0x21...0x7E: return "'\(Character(Unicode.Scalar(byte)))'"
        case 0x20: return "a space"
        case 0x09: return "a tab"
        case 0x0A: return "a line feed"
        case 0x0D: return "a carriage return"
        case 0x80...:
            guard let length = UTF8Scalar.sequenceLength(in: bytes, at: index) else {
                return "byte 0x\(Self.hex(byte)), which is not UTF-8"
            }
            let character = String(decoding: bytes[index..<index + length], as: UTF8.self)
            let value = character.unicodeScalars.first?.value ?? 0
            return "U+\(Self.hex(value)) '\(character)'"
        default:
            return "control character U+\(Self.hex(UInt32(byte)))"
        }
    }

    /// Upper-case hexadecimal, at least two digits for a byte and four for a code point.
    private static func hex(_ byte: UInt8) -> String {
        let text = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0" + text : text
    }

    private static func hex(_ value: UInt32) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }
}
