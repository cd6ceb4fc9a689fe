/// A configuration problem, naming the file, the line and the key.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The file cannot be read, is not valid TOML, or a setting is wrong.
        case invalid
        /// Everything else is valid, but `owner` or `group` names a user or group the host does not know now.
        /// At boot this can pass on its own, once sssd or winbind answers: see ``unknownNames``.
        case unknownNames
    }

    /// A user or group name the host's name service did not know when the file was read.
    public struct UnknownName: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable, Equatable {
            case user
            case group
        }

        public var kind: Kind
        public var name: String
        /// Whose setting it is: `account msa-web$`, or `[discovery]`.
        public var setting: String

        public init(kind: Kind, name: String, setting: String) {
            self.kind = kind
            self.name = name
            self.setting = setting
        }

        /// E.g. `group 'web' (account msa-web$)`.
        public var description: String { "\(kind.rawValue) '\(name)' (\(setting))" }
    }

    public var code: Code
    /// The file the problem is in.
    public var path: String
    /// The 1-based line, when known.
    public var line: Int?
    /// The key as a dotted path, e.g. `account[2].mode` (1-based index, as an admin counts blocks).
    public var key: String?
    public var message: String
    /// For ``Code/unknownNames``: every name not known, in file order; the rest of the error is the first one's.
    public var unknownNames: [UnknownName]

    public init(path: String, line: Int?, key: String?, message: String, code: Code = .invalid, unknownNames: [UnknownName] = []) {
        self.code = code
        self.path = path
        self.line = line
        self.key = key
        self.message = message
        self.unknownNames = unknownNames
    }

    public var description: String {
        var location = path
        if let line { location += ":\(line)" }
        if let key { return "\(location): \(key): \(message)" }
        return "\(location): \(message)"
    }
}
