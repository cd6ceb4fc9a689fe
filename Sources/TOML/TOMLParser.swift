/// A strict TOML 1.0 parser (https://toml.io/en/v1.0.0) into a ``TOMLTable``.
///
/// Everything the specification forbids is an error with a line and column that says what was expected:
/// duplicate keys, tables defined twice or extended where the specification says they are closed, integers
/// out of 64 bits, invalid dates, control characters, invalid UTF-8. It never traps on its input, nests at
/// most ``maximumDepth`` tables and arrays (so no input can exhaust the stack), and runs in time linear in the
/// input. Deviations, both kept by most parsers: a byte order mark at the start is skipped, and `\r\n` in a
/// multi-line string becomes `\n`.
public struct TOMLParser: Sendable {
    /// Tables, arrays and inline tables inside each other, at most.
    public var maximumDepth: Int

    public init(maximumDepth: Int = 64) {
        self.maximumDepth = maximumDepth
    }

    public func parse(_ text: String) throws(TOMLParseError) -> TOMLTable {
        var reader = TOMLReader(bytes: Array(text.utf8), maximumDepth: maximumDepth)
        return try reader.document()
    }

    /// Parses UTF-8 bytes; anything that is not UTF-8 is an error at its position.
    public func parse(bytes: some Collection<UInt8>) throws(TOMLParseError) -> TOMLTable {
        var reader = TOMLReader(bytes: Array(bytes), maximumDepth: maximumDepth)
        try reader.validateUTF8()
        return try reader.document()
    }
}
