/// How a command ends: the process's exit status. Thrown by a command (or passed to ``exitWithError(_:_:)``);
/// the numbers above 1 are sysexits(3)'s, which the man page lists per command.
struct ExitCode: Error, Equatable {
    let rawValue: Int32

    init(_ rawValue: Int32) {
        self.rawValue = rawValue
    }

    static let success = ExitCode(0)
    /// Some account or check failed; the command did what it could.
    static let failure = ExitCode(1)
    /// EX_USAGE: the command line is wrong (``UsageError``).
    static let usage = ExitCode(64)
    /// EX_DATAERR: the input data (a blob) is malformed.
    static let dataError = ExitCode(65)
    /// EX_NOINPUT: an input file is missing or unreadable.
    static let noInput = ExitCode(66)
    /// EX_NOUSER: run-as: the local user or the account is unknown.
    static let noUser = ExitCode(67)
    /// EX_UNAVAILABLE: no domain controller could be used.
    static let unavailable = ExitCode(69)
    /// EX_SOFTWARE: libkrb5 failed in a way that is not the input's fault.
    static let softwareError = ExitCode(70)
    /// EX_CANTCREAT: an output file could not be written.
    static let cannotCreate = ExitCode(73)
    /// EX_TEMPFAIL: try again later (the daemon did not answer; sync: the daemon is running).
    static let temporaryFailure = ExitCode(75)
    /// EX_NOPERM: run-as needs root.
    static let noPermission = ExitCode(77)
    /// EX_CONFIG: the configuration is invalid.
    static let configurationError = ExitCode(78)
}

/// A wrong command line: an unknown option, a missing or malformed value. Exit status 64, with a pointer to
/// `--help`.
struct UsageError: Error, CustomStringConvertible {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
