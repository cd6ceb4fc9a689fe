/// Why bytes are not a JSON text (RFC 8259), and where: every error has a line and a column.
///
/// The line is 1-based and counts line feeds before the offending byte; the column is 1-based and counted in
/// bytes, not characters, so it is exact for invalid UTF-8 too.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The line of the offending byte, from 1.
    public let line: Int
    /// The column of the offending byte, from 1, in bytes.
    public let column: Int
    /// What is wrong and, where it helps, what was expected instead: "unterminated string".
    public let message: String

    /// `line L, column C: message`.
    public var description: String { "line \(line), column \(column): \(message)" }
}
