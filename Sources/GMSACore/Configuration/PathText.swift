/// Lexical checks on configured paths: normal form and length limits. Touches no file.
public enum PathText {
    /// Linux's PATH_MAX (4096, with the terminating NUL) and NAME_MAX.
    public static let maximumLength = 4095
    public static let maximumComponentLength = 255

    /// `path` with repeated slashes, `.` components and `..` components removed (lexically, no symlinks).
    public static func normalized(_ path: String) -> String {
        isNormalized(path) ? path : lexicallyNormalized(path)
    }

    /// ``normalized(_:)`` the long way: split into components, then joined again.
    static func lexicallyNormalized(_ path: String) -> String {
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

    /// Whether `path` is already in the form ``normalized(_:)`` gives: `/`, or `/` and components that are
    /// neither empty, `.` nor `..`, without a final `/`. Most configured paths are; this spares them the split.
    static func isNormalized(_ path: String) -> Bool {
        let slash = UInt8(ascii: "/")
        let dot = UInt8(ascii: ".")
        var bytes = path.utf8.makeIterator()
        guard bytes.next() == slash else { return false }
        // The length of the component read so far and whether it holds only dots.
        var length = 0
        var dotsOnly = true
        while let byte = bytes.next() {
            if byte == slash {
                if length == 0 || (dotsOnly && length <= 2) { return false }
                length = 0
                dotsOnly = true
            } else {
                length += 1
                dotsOnly = dotsOnly && byte == dot
            }
        }
        return path.utf8.count == 1 || (length > 0 && !(dotsOnly && length <= 2))
    }

    /// Why `path` is too long for the system, or `nil`.
    public static func lengthProblem(_ path: String) -> String? {
        // No component can be longer than the whole path.
        if path.utf8.count <= maximumComponentLength { return nil }
        if path.utf8.count > maximumLength {
            return "is \(path.utf8.count) bytes long; a path may have at most \(maximumLength)"
        }
        if let long = path.split(separator: "/").first(where: { $0.utf8.count > maximumComponentLength }) {
            return "has a component of \(long.utf8.count) bytes; a file name may have at most \(maximumComponentLength)"
        }
        return nil
    }
}
