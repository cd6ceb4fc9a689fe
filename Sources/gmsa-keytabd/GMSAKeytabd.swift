import ArgumentParser
import FoundationEssentials

/// The program's entry point.
@main
enum Main {
    static func main() async {
        await GMSAKeytabd.main(Array(processArguments().dropFirst()))
    }

    /// The command line. Under an `LD_PRELOAD` shim such as libfaketime (used to test rollovers) the Swift
    /// runtime can see an empty `CommandLine.arguments`; the kernel's copy in /proc/self/cmdline is intact.
    static func processArguments() -> [String] {
        if !CommandLine.arguments.isEmpty { return CommandLine.arguments }
        guard let data = FileManager.default.contents(atPath: "/proc/self/cmdline") else { return [] }
        return data.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
    }
}

/// The `gmsa-keytabd` command: the daemon and its admin tools.
struct GMSAKeytabd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gmsa-keytabd",
        abstract: "Keep Kerberos keytabs of Active Directory group managed service accounts (gMSA) current.",
        discussion: """
            gmsa-keytabd reads gMSA passwords from the directory as this host and writes one keytab per account. \
            'derive' works offline on a saved msDS-ManagedPassword value, for debugging.
            """,
        version: gmsaKeytabdVersion,
        subcommands: [RunCommand.self, SyncCommand.self, CheckCommand.self, StatusCommand.self, RefreshCommand.self, DeriveCommand.self]
    )
}
