/// Files an account's keytab must never replace: writing a gMSA's keys over them destroys data.
///
/// Compared by normalized path and, where the file exists, by device and inode (a link or a second name of the
/// same file counts as the same file).
struct ProtectedFiles {
    let hostKeytab: String
    let configuration: String
    let stateDirectory: String
    let identity: @Sendable (String) -> ConfigurationLoader.FileIdentity?

    /// The protected files and what each one is.
    static func list(hostKeytab: String, configuration: String, stateDirectory: String) -> [(path: String, what: String)] {
        [
            (hostKeytab, "the host keytab (host.keytab): a gMSA's keys there would replace the machine account's"),
            (configuration, "the configuration file"),
            (stateDirectory + "/state.json", "the daemon's state file"),
            (stateDirectory + "/gmsa-keytabd.pid", "the daemon's pid file"),
        ]
    }

    /// Why `keytab` cannot be an account's keytab, or `nil`.
    func refusal(forKeytab keytab: String) -> String? {
        let protected = Self.list(hostKeytab: hostKeytab, configuration: configuration, stateDirectory: stateDirectory)
        let normalized = PathText.normalized(keytab)
        let found = identity(keytab)
        for (path, what) in protected {
            if PathText.normalized(path) == normalized { return "\(keytab) is \(what); give the account a keytab of its own" }
            if let found, !found.isDirectory, identity(path) == found {
                return "\(keytab) is the same file as \(path), \(what); give the account a keytab of its own"
            }
        }
        if found?.isDirectory == true { return "\(keytab) is a directory; give the path of the keytab file in it" }
        return nil
    }
}
