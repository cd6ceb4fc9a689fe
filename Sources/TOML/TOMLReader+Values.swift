/// Values: strings, numbers, booleans, dates and times, lists, inline tables (TOML 1.0 "Value" onwards).
extension TOMLReader {
    mutating func value(depth: Int) throws(TOMLParseError) -> TOMLValue {
        guard depth <= maximumDepth else { throw tooDeep(at: index) }
        guard let byte = current else {
            throw error(.invalidSyntax, "expected a value, found the end of the file")
        }
        switch byte {
        case Byte.quote, Byte.apostrophe:
            return .string(try string(multiline: true))
        case Byte.openBracket:
            return try array(depth: depth)
        case Byte.openBrace:
            return try inlineTable(depth: depth)
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            for (word, value) in [("true", true), ("false", false)] where bytes[index...].starts(with: word.utf8) {
                index += word.utf8.count
                return .boolean(value)
            }
        case Byte.plus, Byte.minus, UInt8(ascii: "i"), UInt8(ascii: "n"), 0x30...0x39:
            return try numberOrDate()
        default:
            break
        }
        throw error(
            .invalidSyntax,
            "expected a value (a \"string\", a number, true, false, a date, a [list] or an {inline table}), "
                + "found \(describeCurrent())")
    }

    // MARK: Lists and inline tables

    private mutating func array(depth: Int) throws(TOMLParseError) -> TOMLValue {
        let start = index
        index += 1
        var elements: [TOMLValue] = []
        while true {
            try skipBlanksNewlinesAndComments()
            if current == Byte.closeBracket {
                index += 1
                return .array(elements)
            }
            if current == nil {
                throw error(.invalidSyntax, "the list opened on line \(position(of: start).line) needs a ']'")
            }
            if current == Byte.closeBrace {
                throw error(.invalidSyntax, "'}' where a list opened with '[' needs ']'")
            }
            elements.append(try value(depth: depth + 1))
            try skipBlanksNewlinesAndComments()
            switch current {
            case nil:
                throw error(.invalidSyntax, "the list opened on line \(position(of: start).line) needs a ']'")
            case Byte.comma:
                index += 1
            case Byte.closeBracket:
                index += 1
                return .array(elements)
            case Byte.closeBrace:
                throw error(.invalidSyntax, "'}' where a list opened with '[' needs ']'")
            default:
                throw error(.invalidSyntax, "expected ',' or ']' after a list element, found \(describeCurrent())")
            }
        }
    }

    private mutating func skipBlanksNewlinesAndComments() throws(TOMLParseError) {
        while true {
            skipBlanks()
            if current == Byte.hash {
                try skipComment()
            } else if !consumeNewline() {
                return
            }
        }
    }

    /// `{ a = 1, b.c = 2 }`: on one line, no comma after the last key (TOML 1.0).
    private mutating func inlineTable(depth: Int) throws(TOMLParseError) -> TOMLValue {
        let table = TOMLTableBuilder(position: position(of: index), depth: depth)
        index += 1
        skipBlanks()
        if current == Byte.closeBrace {
            index += 1
            return .table(table.build())
        }
        var dotted: [TOMLTableBuilder] = []
        while true {
            skipBlanks()
            guard let byte = current, Byte.startsKey(byte) else {
                throw error(
                    .invalidSyntax,
                    "expected a key in the inline table, found \(describeCurrent())"
                        + (current == Byte.closeBrace ? " (no ',' after the last key)" : "")
                        + (current == Byte.lineFeed || current == Byte.carriageReturn ? " (an inline table is on one line)" : ""))
            }
            try keyValue(in: table, dotted: &dotted)
            skipBlanks()
            switch current {
            case Byte.comma:
                index += 1
            case Byte.closeBrace:
                index += 1
                return .table(table.build())
            default:
                throw error(
                    .invalidSyntax,
                    "expected ',' or '}' in the inline table, found \(describeCurrent())"
                        + (current == Byte.lineFeed || current == Byte.carriageReturn ? " (an inline table is on one line)" : ""))
            }
        }
    }

    // MARK: Strings

    /// A basic (`"…"`) or literal (`'…'`) string at the reader's place, one-line or, when allowed, multi-line.
    mutating func string(multiline allowsMultiline: Bool) throws(TOMLParseError) -> String {
        let start = index
        let quote = bytes[index]
        let isLiteral = quote == Byte.apostrophe
        let isMultiline = allowsMultiline && byte(at: index + 1) == quote && byte(at: index + 2) == quote
        var text: [UInt8] = []
        if isMultiline {
            index += 3
            _ = consumeNewline()  // a newline right after the opening quotes is not part of the string
        } else {
            index += 1
        }
        while true {
            guard let byte = current else {
                let quotes = String(repeating: Character(Unicode.Scalar(quote)), count: isMultiline ? 3 : 1)
                throw error(
                    .invalidSyntax, at: start,
                    "the string that starts here is not closed: expected \(quotes) before the end of the file")
            }
            switch byte {
            case quote:
                guard isMultiline else {
                    index += 1
                    return String(decoding: text, as: UTF8.self)
                }
                var run = 0
                while self.byte(at: index + run) == quote { run += 1 }
                if run < 3 {
                    text.append(contentsOf: repeatElement(quote, count: run))
                    index += run
                } else {
                    // Up to two quotes may end the content right before the closing three.
                    let taken = min(run, 5)
                    text.append(contentsOf: repeatElement(quote, count: taken - 3))
                    index += taken
                    return String(decoding: text, as: UTF8.self)
                }
            case Byte.backslash where !isLiteral:
                try escape(into: &text, multiline: isMultiline)
            case Byte.lineFeed, Byte.carriageReturn:
                guard isMultiline else {
                    let quotes = isLiteral ? "'" : "\""
                    throw error(
                        .invalidSyntax,
                        "the string is not closed on its line: expected \(quotes) (use \(quotes)\(quotes)\(quotes) for a multi-line string)")
                }
                guard consumeNewline() else {
                    throw error(.invalidCharacter, "a carriage return must be followed by a line feed")
                }
                text.append(Byte.lineFeed)
            default:
                if Byte.isControl(byte) {
                    throw error(
                        .invalidCharacter,
                        "\(describeCurrent()) in a string" + (isLiteral ? " (a literal string cannot hold one)" : "; write it as an escape such as \\u0001"))
                }
                text.append(byte)
                index += 1
            }
        }
    }

    private mutating func escape(into text: inout [UInt8], multiline: Bool) throws(TOMLParseError) {
        let start = index
        index += 1
        guard let letter = current else {
            throw error(.invalidSyntax, "expected an escape after '\\', found the end of the file")
        }
        let simple: [UInt8: UInt8] = [
            UInt8(ascii: "b"): 0x08, UInt8(ascii: "t"): 0x09, UInt8(ascii: "n"): 0x0A, UInt8(ascii: "f"): 0x0C,
            UInt8(ascii: "r"): 0x0D, Byte.quote: Byte.quote, Byte.backslash: Byte.backslash,
        ]
        if let replacement = simple[letter] {
            text.append(replacement)
            index += 1
            return
        }
        if letter == UInt8(ascii: "u") || letter == UInt8(ascii: "U") {
            let count = letter == UInt8(ascii: "u") ? 4 : 8
            var value: UInt32 = 0
            for offset in 1...count {
                guard let digit = byte(at: index + offset).flatMap(Self.hexValue) else {
                    throw error(
                        .invalidSyntax, at: start,
                        "\\\(Character(Unicode.Scalar(letter))) needs exactly \(count) hexadecimal digits")
                }
                value = value << 4 | UInt32(digit)
            }
            guard let scalar = Unicode.Scalar(value) else {
                throw error(
                    .invalidValue, at: start,
                    "U+\(String(value, radix: 16, uppercase: true)) is not a Unicode scalar value (a surrogate or above U+10FFFF)")
            }
            text.append(contentsOf: String(Character(scalar)).utf8)
            index += 1 + count
            return
        }
        if multiline && (letter == Byte.space || letter == Byte.tab || letter == Byte.lineFeed || letter == Byte.carriageReturn) {
            // A line-ending backslash: it, the line's end and the blanks and newlines after it vanish.
            skipBlanks()
            guard consumeNewline() else {
                throw error(
                    .invalidSyntax, at: start,
                    "a '\\' followed by blanks must end its line; write \\\\ for a backslash")
            }
            while true {
                skipBlanks()
                if !consumeNewline() { break }
            }
            return
        }
        throw error(
            .invalidSyntax, at: start,
            "\\\(describeEscape(letter)) is not an escape; use \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX or \\UXXXXXXXX (\\\\ for a backslash)")
    }

    private func describeEscape(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? String(Character(Unicode.Scalar(byte))) : describeCurrent()
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    // MARK: Numbers, dates and times

    private mutating func numberOrDate() throws(TOMLParseError) -> TOMLValue {
        func digitsAt(_ offset: Int, _ count: Int) -> Bool {
            (0..<count).allSatisfy { byte(at: offset + $0).map(Byte.isDigit) ?? false }
        }
        if digitsAt(index, 4) && byte(at: index + 4) == Byte.minus {
            return .dateTime(try dateTime())
        }
        if digitsAt(index, 2) && byte(at: index + 2) == Byte.colon {
            let start = index
            let time = try self.time()
            guard current != Byte.colon && !(current.map(Byte.isDigit) ?? false) else {
                throw error(.invalidSyntax, at: start, "a time needs two digits each for hours, minutes and seconds")
            }
            return .dateTime(TOMLDateTime(date: nil, time: time, offsetMinutes: nil))
        }
        let start = index
        while let byte = current, Byte.isBare(byte) || byte == Byte.plus || byte == Byte.dot { index += 1 }
        let token = bytes[start..<index]
        do {
            return try Self.number(token)
        } catch let problem {
            let shown = token.count > 40 ? String(decoding: token.prefix(40), as: UTF8.self) + "…" : String(decoding: token, as: UTF8.self)
            throw error(problem.code, at: start, "'\(shown)' is not a number: \(problem.message)")
        }
    }

    private struct NumberProblem: Error {
        var code: TOMLParseError.Code = .invalidSyntax
        var message: String
    }

    private static func number(_ token: ArraySlice<UInt8>) throws(NumberProblem) -> TOMLValue {
        var rest = token
        let sign = rest.first == Byte.plus || rest.first == Byte.minus ? rest.popFirst() : nil
        let isNegative = sign == Byte.minus
        if rest.elementsEqual("inf".utf8) { return .float(isNegative ? -.infinity : .infinity) }
        if rest.elementsEqual("nan".utf8) { return .float(isNegative ? -.nan : .nan) }
        if rest.count >= 2, rest.first == UInt8(ascii: "0"), let radix = Self.radix(rest[rest.startIndex + 1]) {
            guard sign == nil else { throw NumberProblem(message: "hexadecimal, octal and binary integers take no sign") }
            let digits = try Self.digits(rest.dropFirst(2), radix: radix)
            var value: Int64 = 0
            for digit in digits {
                let (shifted, overflow) = value.multipliedReportingOverflow(by: Int64(radix))
                let (sum, overflow2) = shifted.addingReportingOverflow(Int64(digit))
                guard !overflow && !overflow2 else {
                    throw NumberProblem(code: .invalidValue, message: "it does not fit in 64 bits (at most 0x7FFFFFFFFFFFFFFF)")
                }
                value = sum
            }
            return .integer(value)
        }
        // Decimal: an integer part, then a fraction, an exponent or both for a float.
        let integerEnd = rest.firstIndex { $0 == Byte.dot || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } ?? rest.endIndex
        let integerDigits = try Self.digits(rest[..<integerEnd], radix: 10)
        if integerDigits.count > 1 && integerDigits[0] == 0 {
            throw NumberProblem(message: "a decimal number cannot start with 0 (for octal write 0o…)")
        }
        if integerEnd == rest.endIndex {
            var value: Int64 = 0
            for digit in integerDigits {
                let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) =
                    isNegative ? shifted.subtractingReportingOverflow(Int64(digit)) : shifted.addingReportingOverflow(Int64(digit))
                guard !overflow && !overflow2 else {
                    throw NumberProblem(
                        code: .invalidValue,
                        message: "it does not fit in 64 bits (-9223372036854775808 to 9223372036854775807)")
                }
                value = sum
            }
            return .integer(value)
        }
        var text = isNegative ? "-" : ""
        text += integerDigits.map { String($0) }.joined()
        var tail = rest[integerEnd...]
        if tail.first == Byte.dot {
            tail.removeFirst()
            let end = tail.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } ?? tail.endIndex
            let fraction = try Self.digits(tail[..<end], radix: 10, what: "after the decimal point")
            text += "." + fraction.map { String($0) }.joined()
            tail = tail[end...]
        }
        if let marker = tail.first {
            guard marker == UInt8(ascii: "e") || marker == UInt8(ascii: "E") else {
                throw NumberProblem(message: "expected an exponent after 'e'")
            }
            tail.removeFirst()
            var exponentSign = ""
            if tail.first == Byte.plus || tail.first == Byte.minus {
                exponentSign = tail.removeFirst() == Byte.minus ? "-" : "+"
            }
            let exponent = try Self.digits(tail, radix: 10, what: "in the exponent")
            text += "e" + exponentSign + exponent.map { String($0) }.joined()
        }
        guard let value = Double(text) else { throw NumberProblem(message: "not a floating-point number") }
        return .float(value)
    }

    private static func radix(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "x"): 16
        case UInt8(ascii: "o"): 8
        case UInt8(ascii: "b"): 2
        default: nil
        }
    }

    /// The digit values of `text`, where each `_` stands between two digits.
    private static func digits(_ text: ArraySlice<UInt8>, radix: Int, what: String = "") throws(NumberProblem) -> [UInt8] {
        guard !text.isEmpty else {
            throw NumberProblem(message: "expected digits" + (what.isEmpty ? "" : " \(what)"))
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(text.count)
        var previousWasDigit = false
        for byte in text {
            if byte == Byte.underscore {
                guard previousWasDigit else { throw NumberProblem(message: "each '_' must stand between two digits") }
                previousWasDigit = false
                continue
            }
            guard let value = hexValue(byte), Int(value) < radix else {
                let names = [2: "binary", 8: "octal", 10: "decimal", 16: "hexadecimal"]
                throw NumberProblem(
                    message: "'\(Character(Unicode.Scalar(byte)))' is not a \(names[radix] ?? "") digit" + (what.isEmpty ? "" : " (\(what))"))
            }
            digits.append(value)
            previousWasDigit = true
        }
        guard previousWasDigit else { throw NumberProblem(message: "each '_' must stand between two digits") }
        return digits
    }

    /// `1979-05-27`, optionally followed by `T` or a space and a time, optionally with an offset.
    private mutating func dateTime() throws(TOMLParseError) -> TOMLDateTime {
        let start = index
        let year = try fixedDigits(4, "a date is written YYYY-MM-DD")
        try expect(Byte.minus, "a date is written YYYY-MM-DD")
        let month = try fixedDigits(2, "a date is written YYYY-MM-DD")
        try expect(Byte.minus, "a date is written YYYY-MM-DD")
        let day = try fixedDigits(2, "a date is written YYYY-MM-DD")
        guard (1...12).contains(month) else { throw error(.invalidValue, at: start, "month \(month) in a date: expected 01 to 12") }
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else {
            throw error(.invalidValue, at: start, "day \(day) in a date: month \(month) of \(year) has \(days) days")
        }
        let date = TOMLDateTime.Date(year: year, month: month, day: day)
        let separator = current
        let timeFollows =
            separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t")
            || (separator == Byte.space && (byte(at: index + 1).map(Byte.isDigit) ?? false))
        guard timeFollows else { return TOMLDateTime(date: date, time: nil, offsetMinutes: nil) }
        index += 1
        let time = try self.time()
        var offset: Int?
        switch current {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
            offset = 0
        case Byte.plus, Byte.minus:
            let sign = current == Byte.minus ? -1 : 1
            index += 1
            let hours = try fixedDigits(2, "a time offset is written +HH:MM or -HH:MM")
            try expect(Byte.colon, "a time offset is written +HH:MM or -HH:MM")
            let minutes = try fixedDigits(2, "a time offset is written +HH:MM or -HH:MM")
            guard hours < 24 && minutes < 60 else {
                throw error(.invalidValue, at: start, "the time offset \(hours):\(minutes) is out of range (at most 23:59)")
            }
            offset = sign * (hours * 60 + minutes)
        default:
            break
        }
        return TOMLDateTime(date: date, time: time, offsetMinutes: offset)
    }

    /// `07:32:00` or `07:32:00.999999`.
    private mutating func time() throws(TOMLParseError) -> TOMLDateTime.Time {
        let start = index
        let format = "a time is written HH:MM:SS (a date or time is a value of its own; for text put it in quotes)"
        let hour = try fixedDigits(2, format)
        try expect(Byte.colon, format)
        let minute = try fixedDigits(2, format)
        try expect(Byte.colon, format)
        let second = try fixedDigits(2, format)
        guard hour < 24 && minute < 60 && second < 60 else {
            throw error(.invalidValue, at: start, "the time \(hour):\(minute):\(second) is out of range (at most 23:59:59)")
        }
        var nanosecond = 0
        if current == Byte.dot {
            index += 1
            guard current.map(Byte.isDigit) ?? false else { throw error(.invalidSyntax, "expected digits after the decimal point of a time") }
            var scale = 100_000_000
            while let byte = current, Byte.isDigit(byte) {
                nanosecond += Int(byte - 0x30) * scale
                scale /= 10
                index += 1
            }
        }
        return TOMLDateTime.Time(hour: hour, minute: minute, second: second, nanosecond: nanosecond)
    }

    private mutating func fixedDigits(_ count: Int, _ format: String) throws(TOMLParseError) -> Int {
        var value = 0
        for _ in 0..<count {
            guard let byte = current, Byte.isDigit(byte) else {
                throw error(.invalidSyntax, "expected a digit, found \(describeCurrent()): \(format)")
            }
            value = value * 10 + Int(byte - 0x30)
            index += 1
        }
        return value
    }

    private mutating func expect(_ expected: UInt8, _ format: String) throws(TOMLParseError) {
        guard current == expected else {
            throw error(.invalidSyntax, "expected '\(Character(Unicode.Scalar(expected)))', found \(describeCurrent()): \(format)")
        }
        index += 1
    }
}
