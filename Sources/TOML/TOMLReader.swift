import StrictUTF8

/// The state of one parse: the bytes, where it is, and the document's structure (``TOMLParser`` is the API).
struct TOMLReader {
    let bytes: [UInt8]
    let maximumDepth: Int
    var index = 0
    /// Byte offsets where lines start, and the last position computed (keys ask in document order).
    private let lineStarts: [Int]
    private var cached = (offset: 0, line: 1, column: 1)

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        var starts = [0]
        for (offset, byte) in bytes.enumerated() where byte == Byte.lineFeed { starts.append(offset + 1) }
        lineStarts = starts
    }

    // MARK: The document

    mutating func document() throws(TOMLParseError) -> TOMLTable {
        let root = TOMLTableBuilder(position: TOMLPosition(line: 1, column: 1), depth: 0)
        var section = root
        // Tables made by dotted keys in the current section: declared when it ends.
        var dotted: [TOMLTableBuilder] = []
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        while true {
            skipBlanks()
            guard let byte = current else { break }
            if consumeNewline() { continue }
            if byte == Byte.hash {
                try skipComment()
            } else if byte == Byte.openBracket {
                for table in dotted { table.isDeclared = true }
                dotted.removeAll()
                section = try header(root: root)
                try endOfLine(after: "the table header")
            } else {
                try keyValue(in: section, dotted: &dotted)
                try endOfLine(after: "a key's value")
            }
        }
        return root.build()
    }

    /// `[a.b]` or `[[a.b]]`: the table that the following keys go into.
    private mutating func header(root: TOMLTableBuilder) throws(TOMLParseError) -> TOMLTableBuilder {
        let start = index
        index += 1
        let isArray = current == Byte.openBracket
        if isArray { index += 1 }
        skipBlanks()
        let opening = isArray ? "[[" : "["
        guard let first = current, Byte.startsKey(first) else {
            throw error(
                .invalidSyntax,
                "a table header needs a name after '\(opening)' (letters, digits, '-', '_' or a quoted name), "
                    + "found \(describeCurrent()); e.g. [domain] or [[account]]")
        }
        let path = try key()
        let closing = isArray ? "]]" : "]"
        guard current == Byte.closeBracket, !isArray || byte(at: index + 1) == Byte.closeBracket else {
            throw error(.invalidSyntax, "expected '.' or '\(closing)' after the table name, found \(describeCurrent())")
        }
        index += isArray ? 2 : 1
        let headerPosition = position(of: start)

        var table = root
        for (depth, part) in path.dropLast().enumerated() {
            let name = Self.dotted(path[...depth])
            switch table.entry(part.bytes)?.item {
            case nil:
                let child = try newTable(in: table, at: part.offset)
                table.add(part.bytes, .table(child), at: child.position)
                table = child
            case .table(let child):
                table = child
            case .tables(let array):
                table = array.elements[array.elements.count - 1]
            case .value(let value):
                throw redefinition(at: part.offset, name, value)
            }
        }
        let last = path[path.count - 1]
        let name = Self.dotted(path[...])
        let existing = table.entry(last.bytes)
        if isArray {
            let element = try newTable(in: table, at: start)
            element.position = headerPosition
            element.isDeclared = true
            switch existing?.item {
            case nil:
                table.add(last.bytes, .tables(TOMLTableArray(element)), at: headerPosition)
            case .tables(let array):
                array.elements.append(element)
            case .table(let other):
                throw error(
                    .redefinition, at: last.offset,
                    "[[\(name)]] appends to an array of tables, but \(name) is a table (line \(other.position.line))")
            case .value(let value):
                throw redefinition(at: last.offset, name, value)
            }
            return element
        }
        switch existing?.item {
        case nil:
            let child = try newTable(in: table, at: start)
            child.position = headerPosition
            child.isDeclared = true
            table.add(last.bytes, .table(child), at: headerPosition)
            return child
        case .table(let child):
            guard !child.isDeclared else {
                throw error(.redefinition, at: last.offset, "table [\(name)] is defined twice (first on line \(child.position.line))")
            }
            child.isDeclared = true
            child.position = headerPosition
            return child
        case .tables(let array):
            throw error(
                .redefinition, at: last.offset,
                "\(name) is an array of tables (line \(array.elements[0].position.line)): add to it with [[\(name)]]")
        case .value(let value):
            throw redefinition(at: last.offset, name, value)
        }
    }

    /// `key = value` in `table`, the key plain or dotted; tables the dotted key makes are added to `dotted`.
    mutating func keyValue(in table: TOMLTableBuilder, dotted: inout [TOMLTableBuilder]) throws(TOMLParseError) {
        let path = try key()
        guard current == Byte.equals else {
            throw error(.invalidSyntax, "expected '=' after the key \(Self.dotted(path[...])), found \(describeCurrent())")
        }
        index += 1
        skipBlanks()
        var parent = table
        for (depth, part) in path.dropLast().enumerated() {
            let name = Self.dotted(path[...depth])
            switch parent.entry(part.bytes)?.item {
            case nil:
                let child = try newTable(in: parent, at: part.offset)
                parent.add(part.bytes, .table(child), at: child.position)
                parent = child
            case .table(let child) where !child.isDeclared:
                parent = child
            case .table(let child):
                throw error(
                    .redefinition, at: part.offset,
                    "the dotted key \(name) adds to table [\(name)] of line \(child.position.line); put the key under that header instead")
            case .tables(let array):
                throw error(
                    .redefinition, at: part.offset,
                    "the dotted key \(name) adds to the array of tables of line \(array.elements[0].position.line); "
                        + "put the key under its [[header]] instead")
            case .value(let value):
                throw redefinition(at: part.offset, name, value)
            }
            dotted.append(parent)
        }
        let last = path[path.count - 1]
        if let existing = parent.entry(last.bytes) {
            throw error(
                .redefinition, at: last.offset,
                "the key \(Self.dotted(path[...])) is defined twice (first on line \(existing.position.line))")
        }
        let value = try value(depth: parent.depth + 1)
        parent.add(last.bytes, .value(value), at: position(of: last.offset))
    }

    private mutating func newTable(in parent: TOMLTableBuilder, at offset: Int) throws(TOMLParseError) -> TOMLTableBuilder {
        guard parent.depth < maximumDepth else { throw tooDeep(at: offset) }
        return TOMLTableBuilder(position: position(of: offset), depth: parent.depth + 1)
    }

    private func redefinition(at offset: Int, _ name: String, _ value: TOMLValue) -> TOMLParseError {
        let what =
            switch value {
            case .table: "an inline table, which cannot be extended"
            case .array: "a list given with '= [...]', which cannot be extended"
            default: "\(value.kindDescription), not a table"
            }
        return error(.redefinition, at: offset, "\(name) is already \(what)")
    }

    // MARK: Keys

    /// A bare, quoted or dotted key; the reader stops after the blanks that follow it.
    mutating func key() throws(TOMLParseError) -> [(bytes: [UInt8], offset: Int)] {
        var parts: [(bytes: [UInt8], offset: Int)] = []
        while true {
            let start = index
            guard let byte = current else {
                throw error(.invalidSyntax, "expected a key, found the end of the file")
            }
            if byte == Byte.quote || byte == Byte.apostrophe {
                if self.byte(at: index + 1) == byte && self.byte(at: index + 2) == byte {
                    throw error(.invalidSyntax, "a key cannot be a multi-line string; use \"key\" or 'key'")
                }
                parts.append((Array(try string(multiline: false).utf8), start))
            } else if Byte.isBare(byte) {
                while let next = current, Byte.isBare(next) { index += 1 }
                parts.append((Array(bytes[start..<index]), start))
            } else {
                throw error(
                    .invalidSyntax,
                    "expected a key (letters, digits, '-', '_' or a quoted name), found \(describeCurrent())")
            }
            skipBlanks()
            guard current == Byte.dot else { return parts }
            index += 1
            skipBlanks()
        }
    }

    static func dotted(_ parts: ArraySlice<(bytes: [UInt8], offset: Int)>) -> String {
        parts.map { part in
            let text = String(decoding: part.bytes, as: UTF8.self)
            return !part.bytes.isEmpty && part.bytes.allSatisfy(Byte.isBare) ? text : "\"\(text)\""
        }.joined(separator: ".")
    }

    // MARK: Blanks, comments, newlines

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    func byte(at offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

    mutating func skipBlanks() {
        while index < bytes.count, bytes[index] == Byte.space || bytes[index] == Byte.tab { index += 1 }
    }

    /// Moves past `\n` or `\r\n`; false, not moving, at anything else.
    mutating func consumeNewline() -> Bool {
        if current == Byte.lineFeed {
            index += 1
            return true
        }
        if current == Byte.carriageReturn && byte(at: index + 1) == Byte.lineFeed {
            index += 2
            return true
        }
        return false
    }

    /// From `#` to the line's end, which stays; control characters other than tab are errors.
    mutating func skipComment() throws(TOMLParseError) {
        index += 1
        while let byte = current, byte != Byte.lineFeed {
            if byte == Byte.carriageReturn && self.byte(at: index + 1) == Byte.lineFeed { return }
            if Byte.isControl(byte) {
                throw error(.invalidCharacter, "control character \(describeCurrent()) in a comment")
            }
            index += 1
        }
    }

    /// Blanks, a comment, then a newline or the end of the file.
    private mutating func endOfLine(after what: String) throws(TOMLParseError) {
        skipBlanks()
        if current == Byte.hash { try skipComment() }
        guard current == nil || consumeNewline() else {
            throw error(.invalidSyntax, "expected a new line after \(what), found \(describeCurrent())")
        }
    }

    /// Every byte is part of a UTF-8 sequence that encodes a Unicode scalar; else an error at the first that is not.
    mutating func validateUTF8() throws(TOMLParseError) {
        var offset = 0
        while offset < bytes.count {
            guard let length = UTF8Scalar.sequenceLength(in: bytes, at: offset) else {
                index = offset
                throw error(.invalidCharacter, "the file is not UTF-8 here (byte 0x\(String(bytes[offset], radix: 16, uppercase: true)))")
            }
            offset += length
        }
    }

    // MARK: Positions and errors

    /// The line and column of a byte offset.
    mutating func position(of offset: Int) -> TOMLPosition {
        let offset = min(offset, bytes.count)
        if offset < cached.offset || lineStarts.count > cached.line && lineStarts[cached.line] <= offset {
            var low = 0
            var high = lineStarts.count - 1
            while low < high {
                let middle = (low + high + 1) / 2
                if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
            }
            cached = (lineStarts[low], low + 1, 1)
        }
        var column = cached.column
        for byte in bytes[cached.offset..<offset] where byte & 0xC0 != 0x80 { column += 1 }
        cached = (offset, cached.line, column)
        return TOMLPosition(line: cached.line, column: column)
    }

    func error(_ code: TOMLParseError.Code, _ message: String) -> TOMLParseError {
        error(code, at: index, message)
    }

    func error(_ code: TOMLParseError.Code, at offset: Int, _ message: String) -> TOMLParseError {
        var copy = self
        return TOMLParseError(code: code, position: copy.position(of: offset), message: message)
    }

    func tooDeep(at offset: Int) -> TOMLParseError {
        error(.tooDeep, at: offset, "tables and lists are nested more than \(maximumDepth) deep")
    }

    /// What is at the reader's place, for "found …".
    func describeCurrent() -> String {
        guard let byte = current else { return "the end of the file" }
        switch byte {
        case Byte.lineFeed, Byte.carriageReturn: return "the end of the line"
        case 0x21...0x7E: return "'\(Character(Unicode.Scalar(byte)))'"
        case Byte.space: return "a space"
        case Byte.tab: return "a tab"
        case 0x80...:
            var iterator = bytes[index...].makeIterator()
            var decoder = UTF8()
            if case .scalarValue(let scalar) = decoder.decode(&iterator) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                return "U+\(String(repeating: "0", count: max(0, 4 - hex.count)))\(hex) '\(scalar)'"
            }
            return "byte 0x\(String(byte, radix: 16, uppercase: true))"
        default:
            return "control character U+00\(byte < 0x10 ? "0" : "")\(String(byte, radix: 16, uppercase: true))"
        }
    }
}

/// The ASCII bytes TOML's grammar names.
enum Byte {
    static let tab: UInt8 = 0x09
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let hash: UInt8 = 0x23
    static let apostrophe: UInt8 = 0x27
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let colon: UInt8 = 0x3A
    static let equals: UInt8 = 0x3D
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let underscore: UInt8 = 0x5F
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    /// A bare key's characters: `A-Za-z0-9_-`.
    static func isBare(_ byte: UInt8) -> Bool { isDigit(byte) || isLetter(byte) || byte == underscore || byte == minus }
    static func startsKey(_ byte: UInt8) -> Bool { isBare(byte) || byte == quote || byte == apostrophe }
    /// The control characters TOML allows in no comment or string: all but tab.
    static func isControl(_ byte: UInt8) -> Bool { (byte < 0x20 && byte != tab) || byte == 0x7F }
}
