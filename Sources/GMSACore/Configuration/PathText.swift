/// Lexical checks on configured paths: normal form and length limits. Touches no file.
public enum PathText {
    /// Linux's PATH_MAX (4096, with the terminating NUL) and NAME_MAX.
    public static let maximumLength = 4095
    public static let maximumComponentLength = 255

    /// `path` with repeated slashes, `.` components and `..` components removed (lexically, no symlinks).
    public static func normalized(_ path: String) -> String {
        var components: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": if !components.isEmpty { components.removeLast() }
            default: components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }

    /// Why `path` is too long for the system, or `nil`.
    public static func lengthProblem(_ path: String) -> String? {
        if path.utf8.count > maximumLength {
            return "is \(path.utf8.count) bytes long; a path may have at most \(maximumLength)"
        }
        if let long = path.split(separator: "/").first(where: { $0.utf8.count > maximumComponentLength }) {
            return "has a component of \(long.utf8.count) bytes; a file name may have at most \(maximumComponentLength)"
        }
        return nil
    }
}
