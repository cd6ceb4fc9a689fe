import GMSACore
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Loads the configuration at the daemon's start, waiting a bounded time for `owner`/`group` names that the
/// host's name service does not know yet.
///
/// At boot, `getpwnam`/`getgrnam` can miss a directory user or group for some seconds: sssd or winbind may be
/// started (past nss-user-lookup.target) before it reaches a domain controller. Exiting 78 then
/// would leave the unit failed for good (78 is in `RestartPreventExitStatus=`). So when the file is otherwise
/// valid and only names are unknown (``ConfigurationError/Code/unknownNames``), the load is tried again every
/// ``retryInterval`` until ``limit`` from the first try; any other error, and names still unknown at the
/// limit, end the wait at once. Only `run` waits: `check`, `sync` and reloads report the error as it is.
/// A name given as a number is an id and never unknown.
public struct NameServiceWait {
    public var limit: Duration
    public var retryInterval: Duration
    let logger: Logger
    /// Tells systemd what the daemon waits for (`STATUS=`), each time the list of names changes.
    let status: (String) -> Void
    /// Called at each retry: the wait is alive (the daemon feeds systemd's watchdog from it).
    let alive: () -> Void
    let now: () -> ContinuousClock.Instant
    let sleep: (Duration) -> Void

    public init(
        limit: Duration = .seconds(60),
        retryInterval: Duration = .seconds(1),
        logger: Logger,
        status: @escaping (String) -> Void,
        alive: @escaping () -> Void = {},
        now: @escaping () -> ContinuousClock.Instant = { .now },
        sleep: @escaping (Duration) -> Void = NameServiceWait.sleep
    ) {
        self.limit = limit
        self.retryInterval = retryInterval
        self.logger = logger
        self.status = status
        self.alive = alive
        self.now = now
        self.sleep = sleep
    }

    /// The configuration `load` returns, once no name is unknown. Throws `load`'s error at once when it is not
    /// about unknown names, and the unknown-names error with "(still unknown after 60 s)" after ``limit``.
    public func load(_ load: () throws(ConfigurationError) -> Configuration) throws(ConfigurationError) -> Configuration {
        let started = now()
        var waitingFor: [ConfigurationError.UnknownName] = []
        while true {
            let error: ConfigurationError
            do {
                let configuration = try load()
                if !waitingFor.isEmpty {
                    logger.notice("user and group names resolved after \(Self.seconds(now() - started)) s; starting")
                }
                return configuration
            } catch let failure {
                error = failure
            }
            guard error.code == .unknownNames else { throw error }
            let waited = now() - started
            guard waited < limit else {
                var expired = error
                expired.message += " (still unknown after \(Self.seconds(limit)) s)"
                throw expired
            }
            if error.unknownNames != waitingFor {
                let names = error.unknownNames.map(\.description).joined(separator: ", ")
                if waitingFor.isEmpty {
                    logger.notice(
                        "waiting up to \(Self.seconds(limit)) s for user and group names to resolve: \(names); is sssd or winbind up?")
                }
                status("waiting for user/group names to resolve: \(names)")
                waitingFor = error.unknownNames
            }
            alive()
            sleep(min(retryInterval, limit - waited))
        }
    }

    /// Whole seconds, rounded to the nearest, for messages.
    static func seconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds + (attoseconds >= 500_000_000_000_000_000 ? 1 : 0)
    }

    /// `usleep(3)`, which libfaketime leaves alone (as ``Ticker`` does).
    public static func sleep(_ duration: Duration) {
        usleep(duration.sleepMicroseconds)
    }
}
