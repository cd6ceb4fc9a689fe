import GMSACore
import GMSADaemon

#if canImport(Glibc)
import Glibc
#endif

/// A subcommand: its spec (options and help), how it reads its parsed command line, and what it does.
protocol Subcommand: Sendable {
    static var spec: CommandSpec { get }
    init(_ arguments: ParsedArguments) throws(UsageError)
    func run() throws
}

/// The program's entry point: `gmsa-keytabd COMMAND [OPTIONS]`, `--help`, `--version`, `help [COMMAND]`.
///
/// The command line is parsed by our own ``ParsedArguments`` rather than swift-argument-parser, which linked
/// FoundationEssentials into the daemon (about 2 MiB resident; notes of issue 10).
@main
enum GMSAKeytabd {
    static let commands: [any Subcommand.Type] = [
        RunCommand.self, SyncCommand.self, CheckCommand.self, StatusCommand.self, RefreshCommand.self, RunAsCommand.self,
        DeriveCommand.self,
    ]

    static let abstract = "Keep Kerberos keytabs of Active Directory group managed service accounts (gMSA) current."
    static let discussion = """
        gmsa-keytabd reads gMSA passwords from the directory as this host and writes one keytab per account. \
        'derive' works offline on a saved msDS-ManagedPassword value, for debugging.
        """

    static func main() {
        // Before anything reads a key, a password or the host keytab: no core dump may carry them.
        CoreDumpGuard.engage()
        var arguments = processArguments().dropFirst()
        guard let first = arguments.popFirst() else {
            printToStandardError(help)
            exit(ExitCode.usage.rawValue)
        }
        switch first {
        case "-h", "--help":
            print(help, terminator: "")
            exit(0)
        case "--version":
            print(gmsaKeytabdVersion)
            exit(0)
        case "help":
            if let name = arguments.first, let command = commands.first(where: { $0.spec.name == name }) {
                print(command.spec.help, terminator: "")
            } else {
                print(help, terminator: "")
            }
            exit(0)
        default:
            break
        }
        guard let command = commands.first(where: { $0.spec.name == first }) else {
            usageError("unknown command '\(first)'", helpCommand: "gmsa-keytabd --help")
        }
        run(command, Array(arguments))
    }

    static func run(_ command: any Subcommand.Type, _ arguments: [String]) -> Never {
        let spec = command.spec
        do {
            let parsed = try ParsedArguments(arguments, spec: spec)
            if parsed.wantsHelp {
                print(spec.help, terminator: "")
                exit(0)
            }
            try command.init(parsed).run()
            exit(0)
        } catch let error as UsageError {
            usageError(error.message, helpCommand: "gmsa-keytabd \(spec.name) --help")
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            exitWithError("\(error)", .failure)
        }
    }

    /// Prints the error and where to find help, and exits with EX_USAGE (64).
    static func usageError(_ message: String, helpCommand: String) -> Never {
        printToStandardError("gmsa-keytabd: error: \(message)\nSee '\(helpCommand)'.")
        exit(ExitCode.usage.rawValue)
    }

    /// What `gmsa-keytabd --help` prints.
    static var help: String {
        var text = "OVERVIEW: \(abstract)\n\n" + HelpText.wrap(discussion, width: 80) + "\n\n"
        text += "USAGE: gmsa-keytabd <command> [<options>]\n\n"
        text += "OPTIONS:\n" + HelpText.table([("--version", "Show the version."), ("-h, --help", "Show help information.")]) + "\n"
        text += "COMMANDS:\n" + HelpText.table(commands.map { ($0.spec.name, $0.spec.abstract) }) + "\n"
        text += "  See 'gmsa-keytabd help <command>' for detailed help.\n"
        return text
    }

    /// The command line. Under an `LD_PRELOAD` shim such as libfaketime (used to test rollovers) the Swift
    /// runtime can see an empty `CommandLine.arguments`; the kernel's copy in /proc/self/cmdline is intact.
    static func processArguments() -> [String] {
        if !CommandLine.arguments.isEmpty { return CommandLine.arguments }
        guard case .success(let data) = FileContents.read(path: "/proc/self/cmdline") else { return [] }
        return data.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
    }
}
