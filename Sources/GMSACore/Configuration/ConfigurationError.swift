/// A configuration problem, naming the file, the line and the key.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file the problem is in.
    public var path: String
    /// The 1-based line, when known.
    public var line: Int?
    /// The key as a dotted path, e.g. `account[2].mode` (1-based index, as an admin counts blocks).
    public var key: String?
    public var message: String

    public init(path: String, line: Int?, key: String?, message: String) {
        self.path = path
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        var location = path
        if let line { location += ":\(line)" }
        if let key { return "\(location): \(key): \(message)" }
        return "\(location): \(message)"
    }
}
