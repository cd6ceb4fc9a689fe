/// A configuration whose DC does not exist (127.0.0.1 without a DC, no host keytab): every read fails fast, so
/// tests can watch what the engine and the commands decide without a directory. State and keytabs stay in
/// `directory`.
public enum UnreachableDomain {
    public static func configuration(in directory: TemporaryDirectory, accounts: [String] = ["msa-web"]) -> String {
        let blocks = accounts.map { "[[account]]\nname = \"\($0)$\"\nkeytab = \"\(directory.file("\($0).keytab"))\"\n" }
        return """
            [domain]
            realm = "UNREACHABLE.TEST"
            servers = ["127.0.0.1"]
            [host]
            keytab = "\(directory.file("missing-host.keytab"))"
            [daemon]
            state_directory = "\(directory.file("state"))"

            """ + blocks.joined()
    }
}
