#if canImport(Glibc)
import Glibc
#endif

/// Resolves the `owner`/`group` an admin names (a user or group name, or a number) to ids.
enum FileOwnership {
    struct UnknownName: Error, CustomStringConvertible {
        let kind: String
        let name: String
        var description: String { "unknown \(kind) '\(name)'; check that it exists on this host (getent \(kind == "user" ? "passwd" : "group") \(name))" }
    }

    static func userID(_ name: String) throws(UnknownName) -> UInt32 {
        if let number = UInt32(name) { return number }
        guard let entry = getpwnam(name) else { throw UnknownName(kind: "user", name: name) }
        return entry.pointee.pw_uid
    }

    static func groupID(_ name: String) throws(UnknownName) -> UInt32 {
        if let number = UInt32(name) { return number }
        guard let entry = getgrnam(name) else { throw UnknownName(kind: "group", name: name) }
        return entry.pointee.gr_gid
    }

    /// Parses an octal mode such as `0600` or `640`.
    static func mode(_ text: String) -> UInt32? {
        guard let value = UInt32(text, radix: 8), value <= 0o7777 else { return nil }
        return value
    }
}
