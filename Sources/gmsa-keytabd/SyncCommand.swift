import GMSACore
import GMSADirectory
import GMSAKerberos
import GMSAService

/// `gmsa-keytabd sync`: one pass over all accounts, then exit.
struct SyncCommand: Subcommand {
    static let spec = CommandSpec(
        name: "sync",
        abstract: "Bring every account's keytab up to date once, then exit.",
        discussion: """
            Authenticates as this host, reads each configured (and, with [discovery], each readable) gMSA over a \
            sealed LDAP connection and rewrites its keytab if the keys changed. Prints one line per account.

            Exit status: 0 every keytab is current, 1 some account failed (the others were still synced), \
            69 no domain controller could be used, 75 the daemon is running (use 'gmsa-keytabd refresh'), \
            78 configuration error. A second sync waits for the first.
            """,
        options: [
            .config,
            .init("statistics", help: "Print LDAP connections, binds and searches sent, host tickets new and reused, and keytabs written."),
        ]
    )

    let options: ConfigurationOptions
    let statistics: Bool

    init(_ arguments: ParsedArguments) {
        options = ConfigurationOptions(arguments)
        statistics = arguments.flag("statistics")
    }

    func run() throws {
        let configuration = options.load()
        let counters = DirectoryStatistics()
        let context: KerberosContext
        do {
            context = try KerberosContext()
        } catch {
            exitWithError(error.message, .softwareError)
        }
        let store = StateStore(path: configuration.daemon.stateFile)
        do {
            try store.prepareDirectory()
        } catch {
            exitWithError(error.message, .cannotCreate)
        }
        let lock = Self.lock(configuration.daemon.stateDirectory)
        defer { withExtendedLifetime(lock) {} }
        // What a killed writer left (the daemon does this at start); writes do it too, but a pass may write nothing.
        let keytabs = configuration.accounts.map(\.keytab) + (configuration.discovery.map { [$0.keytabTemplate] } ?? [])
        for (directory, removed) in KeytabWriter.removeLeftovers(nextTo: keytabs) {
            let what = "\(removed) temporary director\(removed == 1 ? "y" : "ies")"
            printToStandardError("gmsa-keytabd: removed \(what) left by an interrupted keytab write in \(directory)")
        }
        let domain: DomainConnection
        do {
            domain = try DomainConnection.open(configuration: configuration, context: context, statistics: counters)
        } catch {
            exitWithError("\(error.message)\nno keytab was changed", .unavailable)
        }
        var (state, warning) = store.load()
        if let warning { printToStandardError("gmsa-keytabd: warning: \(warning)") }
        state.directory = domain.use(at: Timestamp.now)
        let reports = KeytabSynchronizer(configuration: configuration, context: context)
            .synchronize(domain.directory, hostPrincipal: domain.credentials.principal, state: &state)
        state.prune(keeping: Set(reports.map(\.account)), now: Timestamp.now)
        do {
            try store.save(state)
        } catch {
            printToStandardError("gmsa-keytabd: warning: \(error.message); retention of old keys is tracked from the keytabs alone")
        }
        if let readOnly = domain.session.readOnlySummary { printToStandardError("gmsa-keytabd: \(readOnly)") }
        if reports.isEmpty {
            print("no accounts: add [[account]] blocks or enable [discovery] in \(options.config)")
        }
        for report in reports {
            print(report.line)
            if let replaced = report.keysReplaced { print("\(report.account): \(replaced)") }
        }
        if statistics {
            let written = reports.filter { $0.outcome == .written }.count
            let derived = reports.filter(\.derivedKeys).count
            print(
                "statistics: dc \(domain.session.connection.server); \(domain.session.choice.summary); \(counters.summary); \(written) keytab(s) written; "
                    + "keys derived for \(derived) of \(reports.count) account(s)")
        }
        if !reports.allSatisfy(\.isHealthy) {
            throw ExitCode.failure
        }
    }

    /// The state directory's lock: refused while the daemon runs (it keeps the keytabs itself), waited for
    /// while another `sync` holds it.
    static func lock(_ stateDirectory: String) -> StateDirectoryLock {
        let outcome: StateDirectoryLock.Outcome
        do {
            outcome = try StateDirectoryLock.take(
                stateDirectory, runningDaemon: RefreshRequest(stateDirectory: stateDirectory).runningPID,
                waiting: {
                    printToStandardError("gmsa-keytabd: waiting for another 'gmsa-keytabd sync' on \(stateDirectory) to finish")
                })
        } catch {
            exitWithError(error.message, .cannotCreate)
        }
        switch outcome {
        case .acquired(let lock):
            return lock
        case .daemonRunning(let pid):
            exitWithError(
                "the gmsa-keytabd daemon (pid \(pid)) is running and keeps these keytabs current; "
                    + "'gmsa-keytabd refresh [ACCOUNT...]' has it read accounts now. No keytab was changed",
                .temporaryFailure)
        }
    }
}
