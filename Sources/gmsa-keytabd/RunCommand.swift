import GMSACore
import GMSADaemon
import GMSAService
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `gmsa-keytabd run`: the daemon, as started by systemd.
struct RunCommand: Subcommand {
    static let spec = CommandSpec(
        name: "run",
        abstract: "Run the daemon: keep every keytab current across password rollovers.",
        discussion: """
            Syncs every account at start, then reads each account's password just inside the 5-minute window \
            before it changes (so the keytab holds the next key first) and again just after, keeps old keys for \
            the retention period, and probes cheaply (kvno, SPNs, pwdLastSet) in between. Meant for systemd \
            (Type=notify): READY/STATUS/WATCHDOG/RELOADING, SIGHUP reloads the configuration, SIGUSR1 reads \
            the accounts listed by 'gmsa-keytabd refresh', SIGTERM stops.
            """,
        options: [
            .config,
            .init("log-level", valueName: "level", help: "Least important messages to log: debug, info, notice, warning, error.", defaultText: "info"),
            .init("log-target", valueName: "target", help: "Where to log: auto (journal if its socket exists, else stderr), journal, stderr.", defaultText: "auto"),
        ]
    )

    let options: ConfigurationOptions
    let logLevel: Logger.Level
    let logTarget: String

    init(_ arguments: ParsedArguments) throws(UsageError) {
        options = ConfigurationOptions(arguments)
        let level = arguments.value("log-level") ?? "info"
        guard let parsedLevel = Logger.Level(rawValue: level) else {
            throw UsageError("--log-level '\(level)' is not one of debug, info, notice, warning, error")
        }
        logLevel = parsedLevel
        logTarget = arguments.value("log-target") ?? "auto"
        guard ["auto", "journal", "stderr"].contains(logTarget) else {
            throw UsageError("--log-target '\(logTarget)' is not one of auto, journal, stderr")
        }
    }

    func run() throws {
        let level = logLevel
        let useJournal = logTarget == "journal" || (logTarget == "auto" && JournalLogHandler.isAvailable)
        LoggingSystem.bootstrap { _ -> any LogHandler in
            useJournal ? JournalLogHandler(logLevel: level) : StandardErrorLogHandler(logLevel: level)
        }
        let logger = Logger(label: "gmsa-keytabd")

        let notifier = SystemdNotifier()
        let configuration = loadWaitingForNames(notifier: notifier, logger: logger)
        let request = RefreshRequest(stateDirectory: configuration.daemon.stateDirectory)
        let engine: RefreshEngine
        let lock: StateDirectoryLock
        do {
            // The lock first: a sync that is saving the state finishes before the engine loads it.
            try StateStore(path: configuration.daemon.stateFile).prepareDirectory()
            lock = try Self.lock(configuration.daemon.stateDirectory, request: request, logger: logger)
            engine = try RefreshEngine(configuration: configuration, logger: logger)
            try request.writePID()
        } catch let error as ExitCode {
            throw error
        } catch let error as AtomicFile.Failure where error.number == ENOSPC || error.number == EDQUOT {
            // A full disk passes: 75 is restarted by the unit (RestartSec=), 73 is not.
            logger.critical("cannot start: \(error.message); the state directory's file system is full: free some space there")
            throw ExitCode.temporaryFailure
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode.cannotCreate
        }
        defer {
            request.removePID()
            withExtendedLifetime(lock) {}
        }

        let path = options.config
        let loader = options.loader
        let service = RefreshService(engine: engine, notifier: notifier, logger: logger) {
            try loader.load(path: path)
        }
        do {
            try service.run()
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode.cannotCreate
        }
    }

    /// The configuration, as ``ConfigurationOptions/load()`` gives it, except that `owner`/`group` names the host
    /// does not know yet (sssd or winbind still starting) are waited for, up to 60 s (``NameServiceWait``).
    func loadWaitingForNames(notifier: SystemdNotifier, logger: Logger) -> Configuration {
        let wait = NameServiceWait(
            logger: logger, status: notifier.status,
            alive: { if notifier.watchdogPingInterval != nil { notifier.watchdog() } })
        let loader = options.loader
        let path = options.config
        do {
            return try wait.load { () throws(ConfigurationError) in try loader.load(path: path) }
        } catch {
            exitWithError("\(error)", .configurationError)
        }
    }

    /// The state directory's lock, for the daemon's lifetime. Another daemon holding it is an error; a `sync`
    /// holding it is waited for (it takes seconds).
    static func lock(_ stateDirectory: String, request: RefreshRequest, logger: Logger) throws -> StateDirectoryLock {
        let outcome = try StateDirectoryLock.take(
            stateDirectory, runningDaemon: request.runningPID,
            waiting: { logger.notice("waiting for 'gmsa-keytabd sync' to finish with \(stateDirectory)") })
        switch outcome {
        case .acquired(let lock):
            return lock
        case .daemonRunning(let pid):
            logger.critical("another gmsa-keytabd daemon (pid \(pid)) runs with the state directory \(stateDirectory); not starting a second")
            throw ExitCode.temporaryFailure
        }
    }
}
