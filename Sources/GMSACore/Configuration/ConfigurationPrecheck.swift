/// Lexical checks on the configuration text before TOMLKit parses it.
///
/// toml++ 3.x (inside TOMLKit 0.6) meets some malformed input with a failed `assert` instead of a parse error,
/// and SwiftPM builds C++ dependencies without `NDEBUG`, release builds included: the process aborts (found by
/// fuzz/, target fuzz-config). This finds, outside strings and comments, what leads there, so that it becomes
/// a syntax error with its line: a table header that does not start with a name (`[.host]`, `[=`), a `}` where
/// a list is open (`[1,}`), and a date or time (`1979-05-27 5`, any `:` as in `1979-05-27T:`), which no key
/// takes.
enum ConfigurationPrecheck {
    /// The first problem's 1-based line and message, or `nil`.
    static func problem(in text: String) -> (line: Int, message: String)? {
        let bytes = Array(text.utf8)
        var line = 1
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0  // toml++ skips a byte order mark
        var atLineStart = true
        var open: [UInt8] = []  // the lists and inline tables open at `index`
        func at(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }

        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\n"):
                line += 1
                atLineStart = true
                index += 1
                continue
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                index += 1
                continue
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                continue
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                skipString(bytes, &index, &line)
            case UInt8(ascii: "[") where atLineStart && open.isEmpty:
                if !headerStartsWithName(bytes[(index + 1)...]) {
                    return (
                        line,
                        "a table header needs a name after '[' (letters, digits, '-', '_' or a quoted name), e.g. "
                            + "[domain] or [[account]]"
                    )
                }
                index += 1
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                open.append(byte)
                index += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                if byte == UInt8(ascii: "}") && open.last == UInt8(ascii: "[") {
                    return (line, "'}' where a list opened with '[' needs ']'")
                }
                _ = open.popLast()
                index += 1
            case UInt8(ascii: ":"):
                return (line, "a date or time is not a value of any key here; put the value in quotes")
            case UInt8(ascii: "-") where startsDate(bytes[..<index]):
                return (line, "a date or time is not a value of any key here; put the value in quotes")
            default:
                index += 1
            }
            atLineStart = false
        }
        return nil
    }

    /// Whether a `-` after `before` continues a date: it follows a number that is not part of a bare key
    /// (`1979-`, not `a1-`).
    private static func startsDate(_ before: ArraySlice<UInt8>) -> Bool {
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        let digits = before.reversed().prefix(while: isDigit).count
        guard digits > 0 else { return false }
        guard let previous = before.dropLast(digits).last else { return true }
        let inKey =
            (previous >= 0x41 && previous <= 0x5A) || (previous >= 0x61 && previous <= 0x7A) || previous == UInt8(ascii: "_")
            || previous == UInt8(ascii: "-")
        return !inKey
    }

    /// Whether a header starts with a name, as toml++ reads it: spaces and tabs after `[` and `[[` are skipped;
    /// `[ [` and `[]` are left to its own errors.
    private static func headerStartsWithName(_ rest: ArraySlice<UInt8>) -> Bool {
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let spaced = rest.first.map(isBlank) ?? false
        var rest = rest.drop(while: isBlank)
        if rest.first == UInt8(ascii: "[") {
            if spaced { return true }
            rest = rest.dropFirst().drop(while: isBlank)
        }
        guard let first = rest.first else { return false }
        return (first >= 0x30 && first <= 0x39) || (first >= 0x41 && first <= 0x5A) || (first >= 0x61 && first <= 0x7A)
            || first == UInt8(ascii: "-") || first == UInt8(ascii: "_") || first == UInt8(ascii: "\"")
            || first == UInt8(ascii: "'") || first == UInt8(ascii: "]")
    }

    /// Moves past a basic or literal string, one-line or multi-line (`"""`, `'''`); an unterminated one-line
    /// string ends at the line's end, where the parser reports it.
    private static func skipString(_ bytes: [UInt8], _ index: inout Int, _ line: inout Int) {
        let quote = bytes[index]
        let escapes = quote == UInt8(ascii: "\"")
        let multiline = index + 2 < bytes.count && bytes[index + 1] == quote && bytes[index + 2] == quote
        index += multiline ? 3 : 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                guard multiline else { return }
                line += 1
            } else if escapes && byte == UInt8(ascii: "\\") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "\n") { line += 1 }
            } else if byte == quote {
                if !multiline {
                    index += 1
                    return
                }
                if index + 2 < bytes.count, bytes[index + 1] == quote, bytes[index + 2] == quote {
                    index += 3
                    return
                }
            }
            index += 1
        }
    }
}
