/// A value in a TOML document.
///
/// Equality is TOML's: tables compare as maps, whatever the order of their keys; floats compare as `Double`s,
/// so a `nan` is not equal to itself.
public enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case dateTime(TOMLDateTime)
    case array([TOMLValue])
    case table(TOMLTable)

    /// What kind of value this is, for messages: "a string", "an integer", "a table".
    public var kindDescription: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a floating-point number"
        case .boolean: "true or false"
        case .dateTime: "a date or time"
        case .array: "a list"
        case .table: "a table"
        }
    }
}
