import Foundation
import GMSATestSupport
import Testing

/// The command line as an admin meets it: help, version, and usage errors (exit status 64, the fault named,
/// a pointer to --help), through the real binary.
@Suite struct CommandLineParsingTests {
    func run(_ arguments: [String]) throws -> ProgramRun {
        try ProgramRun.run(ProgramRun.gmsaKeytabd, arguments)
    }

    @Test func helpAndVersionGoToStandardOutputWithStatus0() throws {
        let help = try run(["--help"])
        #expect(help.status == 0)
        for command in ["run", "sync", "check", "status", "refresh", "run-as", "derive"] {
            #expect(help.standardOutput.contains("\n  \(command) "), "\(command) is not listed")
        }
        let derive = try run(["help", "derive"])
        #expect(derive.status == 0)
        #expect(derive.standardOutput.contains("USAGE: gmsa-keytabd derive --blob <file> --account <name$>"))
        #expect(derive.standardOutput.contains("--spn <spn>"))
        let sync = try run(["sync", "--help"])
        #expect(sync.status == 0 && sync.standardOutput.contains("--statistics") && sync.standardOutput.contains("-c, --config <path>"))
        let version = try run(["--version"])
        #expect(version.status == 0 && version.standardOutput.split(separator: ".").count == 3, "\(version.standardOutput)")
    }

    @Test func usageErrorsExit64NameTheFaultAndPointToHelp() throws {
        let cases: [([String], String)] = [
            ([], "OVERVIEW"),
            (["frobnicate"], "unknown command 'frobnicate'"),
            (["sync", "--bogus"], "unknown option '--bogus'"),
            (["sync", "--statistics=yes"], "--statistics takes no value"),
            (["status", "-c"], "--config needs a value"),
            (["status", "-c", "/a", "--config", "/b"], "--config is given more than once"),
            (["status", "extra"], "unexpected argument 'extra'"),
            (["run", "--log-level", "loud"], "--log-level 'loud' is not one of"),
            (["refresh", "--wait", "soon"], "--wait 'soon' is not a whole number"),
            (["refresh", "not a name"], "not a name"),
            (["derive", "--account", "a$"], "missing --blob <file>"),
            (["run-as", "msa-app$", "/bin/true"], "put the command after '--'"),
            (["run-as", "--", "/bin/true"], "missing the account before '--'"),
            (["run-as", "msa-app$", "msa-web$", "--", "/bin/true"], "one account before '--', not 2"),
            (["run-as", "msa-app$", "--"], "missing the command after '--'"),
            (["run-as", "--user", "app", "not a name", "--", "/bin/true"], "not a name"),
        ]
        for (arguments, message) in cases {
            let result = try run(arguments)
            #expect(result.status == 64, "\(arguments): status \(result.status)")
            #expect(result.standardError.contains(message), "\(arguments): \(result.standardError)")
            #expect(result.standardOutput.isEmpty, "\(arguments): \(result.standardOutput)")
            if !arguments.isEmpty {
                #expect(result.standardError.contains("See 'gmsa-keytabd "), "\(arguments): \(result.standardError)")
            }
        }
    }

    /// After `--` everything is the command's, its options included; before it run-as's options go anywhere.
    @Test func runAsTakesItsOptionsBeforeTheSeparatorAndTheCommandAfterIt() throws {
        let help = try run(["help", "run-as"])
        #expect(help.standardOutput.contains("USAGE: gmsa-keytabd run-as [--config <path>] [--user <user>] <account> -- <command> [<argument> ...]"))
        // Accepted, then refused for what it is: as root, the configuration is read (78); otherwise 77.
        let result = try run(["run-as", "msa-app$", "-c", "/nonexistent", "--user", "app", "--", "/bin/sh", "-c", "exit 3", "--user"])
        #expect(result.status == (geteuid() == 0 ? 78 : 77), "\(result.standardError)")
    }

    @Test func optionsTakeTheirValueInEitherFormAndAfterOperands() throws {
        // A missing configuration file is EX_CONFIG (78), after the command line was accepted.
        for arguments in [["status", "--config=/nonexistent"], ["status", "-c", "/nonexistent"], ["check", "--config", "/nonexistent"]] {
            let result = try run(arguments)
            #expect(result.status == 78, "\(arguments): \(result.standardError)")
            #expect(result.standardError.contains("/nonexistent"))
        }
    }
}
