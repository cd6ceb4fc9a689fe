#if canImport(Glibc)
import Glibc
#endif

/// A local user as the password and group databases (NSS) know it: what `run-as --user` becomes.
public struct LocalUser: Sendable, Equatable {
    public var name: String
    public var uid: UInt32
    /// The primary group.
    public var gid: UInt32
    /// Every group the user is in, the primary one included (`getgrouplist`, as `initgroups` sets them).
    public var groups: [UInt32]
    public var home: String
    public var shell: String

    public init(name: String, uid: UInt32, gid: UInt32, groups: [UInt32], home: String, shell: String) {
        self.name = name
        self.uid = uid
        self.gid = gid
        self.groups = groups
        self.home = home
        self.shell = shell
    }

    /// Why a user could not be looked up.
    public struct LookupError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The user named `name` (a name or, as for `runuser`, not a number: `getpwnam`), with its groups.
    public static func named(_ name: String) throws(LookupError) -> LocalUser {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let result = getpwnam_r(name, &entry, &buffer, buffer.count, &found)
        guard result == 0, let found else {
            // Not found is 0 with no entry, or for some NSS modules ENOENT or ESRCH.
            let notFound = result == 0 || result == ENOENT || result == ESRCH
            let reason = notFound ? "no such user" : String(cString: strerror(result))
            throw LookupError(description: "unknown user '\(name)' (\(reason)); check that it exists on this host (getent passwd \(name))")
        }
        let user = found.pointee
        let gid = user.pw_gid
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        while getgrouplist(name, gid, &groups, &count) == -1 {
            guard count > Int32(groups.count), count <= 65_536 else {
                throw LookupError(description: "cannot list the groups of user '\(name)'; check getent initgroups \(name)")
            }
            groups = [gid_t](repeating: 0, count: Int(count))
        }
        return LocalUser(
            name: String(cString: user.pw_name), uid: user.pw_uid, gid: gid, groups: Array(groups.prefix(Int(count))),
            home: String(cString: user.pw_dir), shell: user.pw_shell.map { String(cString: $0) } ?? "")
    }
}
