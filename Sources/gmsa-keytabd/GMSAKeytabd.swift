import ArgumentParser

/// The `gmsa-keytabd` command: the daemon and its admin tools.
@main
struct GMSAKeytabd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gmsa-keytabd",
        abstract: "Keep Kerberos keytabs of Active Directory group managed service accounts (gMSA) current.",
        discussion: """
            gmsa-keytabd reads gMSA passwords from the directory as this host and writes one keytab per account. \
            'derive' works offline on a saved msDS-ManagedPassword value, for debugging.
            """,
        subcommands: [RunCommand.self, SyncCommand.self, CheckCommand.self, StatusCommand.self, RefreshCommand.self, DeriveCommand.self]
    )
}
