/// Files an account's keytab or ticket cache must never replace: writing a gMSA's keys or tickets over them
/// destroys data.
///
/// Compared by normalized path and, where the file exists, by device and inode (a link or a second name of the
/// same file counts as the same file).
struct ProtectedFiles {
    let identity: @Sendable (String) -> ConfigurationLoader.FileIdentity?
    /// Each protected file with its normalized path and identity, looked up once (not once per account).
    private let entries: [(path: String, what: String, normalized: String, identity: ConfigurationLoader.FileIdentity?)]

    init(
        hostKeytab: String, configuration: String, stateDirectory: String,
        identity: @escaping @Sendable (String) -> ConfigurationLoader.FileIdentity?
    ) {
        self.identity = identity
        entries = Self.list(hostKeytab: hostKeytab, configuration: configuration, stateDirectory: stateDirectory).map {
            ($0.path, $0.what, PathText.normalized($0.path), identity($0.path))
        }
    }

    /// The protected files and what each one is.
    static func list(hostKeytab: String, configuration: String, stateDirectory: String) -> [(path: String, what: String)] {
        [
            (hostKeytab, "the host keytab (host.keytab): a gMSA's keys there would replace the machine account's"),
            (configuration, "the configuration file"),
            (stateDirectory + "/state.json", "the daemon's state file"),
            (stateDirectory + "/gmsa-keytabd.pid", "the daemon's pid file"),
        ]
    }

    /// Why `path` cannot be an account's keytab (or whatever `kind` names: "ticket cache"), or `nil`.
    func refusal(for path: String, kind: String = "keytab") -> String? {
        let normalized = PathText.normalized(path)
        let found = identity(path)
        for entry in entries {
            if entry.normalized == normalized { return "\(path) is \(entry.what); give the account a \(kind) of its own" }
            if let found, !found.isDirectory, entry.identity == found {
                return "\(path) is the same file as \(entry.path), \(entry.what); give the account a \(kind) of its own"
            }
        }
        if found?.isDirectory == true { return "\(path) is a directory; give the path of the \(kind) file in it" }
        return nil
    }
}
