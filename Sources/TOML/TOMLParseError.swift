/// Why a text is not a TOML 1.0 document, and where: every error has a line and a column.
public struct TOMLParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is; the message says what was expected instead.
    public enum Code: Sendable, Hashable {
        /// The text breaks the grammar: a character where something else was expected.
        case invalidSyntax
        /// The bytes are not UTF-8, or hold a control character TOML does not allow there.
        case invalidCharacter
        /// A value is written correctly but cannot be one: an integer out of 64 bits, February 30.
        case invalidValue
        /// A key or table is defined twice, or a table is extended where TOML forbids it.
        case redefinition
        /// Tables and arrays nested deeper than the parser's limit.
        case tooDeep
    }

    public var code: Code
    public var position: TOMLPosition
    public var message: String

    public init(code: Code, position: TOMLPosition, message: String) {
        self.code = code
        self.position = position
        self.message = message
    }

    public var line: Int { position.line }
    public var column: Int { position.column }

    public var description: String { "line \(position.line), column \(position.column): \(message)" }
}
