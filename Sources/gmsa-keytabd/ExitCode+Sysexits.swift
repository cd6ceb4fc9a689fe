import ArgumentParser

extension ExitCode {
    /// EX_DATAERR: the input data (a blob) is malformed.
    static let dataError = ExitCode(65)
    /// EX_NOINPUT: an input file is missing or unreadable.
    static let noInput = ExitCode(66)
    /// EX_UNAVAILABLE: no domain controller could be used.
    static let unavailable = ExitCode(69)
    /// EX_SOFTWARE: libkrb5 failed in a way that is not the input's fault.
    static let softwareError = ExitCode(70)
    /// EX_CANTCREAT: an output file could not be written.
    static let cannotCreate = ExitCode(73)
    /// EX_TEMPFAIL: try again later (the daemon did not answer; sync: the daemon is running).
    static let temporaryFailure = ExitCode(75)
    /// EX_CONFIG: the configuration is invalid.
    static let configurationError = ExitCode(78)
}
