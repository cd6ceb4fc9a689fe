import GMSAKerberos

#if canImport(Glibc)
    import Glibc
#endif

/// The directory of cache-only accounts' keys (`<state_directory>/keys`): root's, mode 0700, so that no one but
/// the daemon reads long-term keys that no program is meant to use (their tickets go to the caches).
public enum PrivateKeyDirectory {
    /// Creates the directory of the private keytab `keytab` if it is missing and gives it mode 0700.
    public static func prepare(for keytab: String) throws(KerberosError) {
        let directory = String(keytab[..<(keytab.lastIndex(of: "/") ?? keytab.startIndex)])
        if mkdir(directory, 0o700) == 0 { return }
        let number = errno
        var status = stat()
        guard number == EEXIST, lstat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            let reason = number == EEXIST ? "it exists and is not a directory" : String(cString: strerror(number))
            throw KerberosError(
                .system(number), "cannot create \(directory), where accounts with only a ticket cache keep their keys: \(reason)")
        }
        if status.st_mode & 0o7777 != 0o700, chmod(directory, 0o700) != 0 {
            let number = errno
            throw KerberosError(.system(number), "cannot make \(directory) private (mode 0700): \(String(cString: strerror(number)))")
        }
    }
}
