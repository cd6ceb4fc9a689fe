import CLinux
import GMSACore
import Logging
import GMSAService

#if canImport(Glibc)
import Glibc
#endif

/// The daemon's main loop: the first pass, then a loop of ticks, reloads (SIGHUP) and refresh requests
/// (SIGUSR1), with systemd told about each step, until SIGTERM or SIGINT.
///
/// READY=1 follows the first pass; STATUS= carries ``RefreshEngine/statusLine(now:)``; WATCHDOG=1 comes from a
/// ``WatchdogFeeder``: while the loop comes round, and during a pass for at most
/// ``RefreshEngine/maximumPassDuration(for:)``, so a slow DC never gets a healthy daemon killed and a hung one
/// is restarted. SIGTERM and SIGINT end the loop between passes: a pass under way finishes first (its keytabs
/// and state are written whole), and systemd's `TimeoutStopSec=` bounds the wait.
///
/// Runs on the calling thread, which it blocks: the engine's LDAP and Kerberos calls block anyway, and nothing
/// else needs that thread. Events come from a ``SignalThread`` and a ``Ticker`` through an ``EventQueue``; no
/// Swift concurrency is involved, so no worker threads come and go (each one that ended unwound its stack
/// through the binary's unwind tables; notes of issue 10), and no timer can be frozen by libfaketime.
public struct RefreshService {
    let engine: RefreshEngine
    let notifier: SystemdNotifier
    let loadConfiguration: () throws -> Configuration
    let logger: Logger
    /// How often due work is looked for; deadlines are wall-clock instants checked at each tick.
    let tickInterval: Duration

    public init(
        engine: RefreshEngine,
        notifier: SystemdNotifier,
        logger: Logger,
        tickInterval: Duration = .seconds(5),
        loadConfiguration: @escaping () throws -> Configuration
    ) {
        self.engine = engine
        self.notifier = notifier
        self.logger = logger
        self.loadConfiguration = loadConfiguration
        let watchdog = notifier.watchdogPingInterval ?? tickInterval
        self.tickInterval = min(tickInterval, watchdog)
    }

    /// Runs until SIGTERM or SIGINT. Throws only when the signal handlers cannot be installed.
    public func run() throws {
        let events = EventQueue()
        try SignalThread.start([SIGTERM, SIGINT, SIGHUP, SIGUSR1]) { [logger] signal in
            switch signal {
            case SIGHUP: events.post(.reload)
            case SIGUSR1: events.post(.refresh)
            default:
                logger.info("\(signal == SIGINT ? "SIGINT" : "SIGTERM") received: stopping after the pass under way, if any")
                events.post(.stop)
            }
        }
        let interval = tickInterval
        let ticker = Ticker(interval: interval) { events.post(.tick) }
        defer { ticker.stop() }
        let feeder = notifier.watchdogPingInterval.map { ping in
            // Between passes the loop comes round every tick; three missed ticks mean it is stuck.
            WatchdogFeeder(interval: ping, maximumIdle: interval * 3 + .seconds(5)) { [notifier] in notifier.watchdog() }
        }
        defer { feeder?.stop() }
        if let ping = notifier.watchdogPingInterval {
            logger.debug("looking for due work every \(interval); WATCHDOG=1 every \(ping) while the loop is alive")
        } else {
            logger.debug("looking for due work every \(interval); no systemd watchdog")
        }

        feeder?.passStarted(maximum: maximumPassDuration)
        var status = engine.tick(now: .now, monotonic: .now)
        feeder?.passEnded()
        Self.returnFreedMemory()
        notifier.ready(status: status)
        logger.info("started: \(status)")

        // A stop goes ahead of everything in the queue, so one that came during the first pass ends the loop here.
        while case let event = events.next(), event != .stop {
            let previous = status
            let started = ContinuousClock.now
            feeder?.passStarted(maximum: maximumPassDuration)
            switch event {
            case .tick:
                status = engine.tick(now: .now, monotonic: .now)
            case .refresh:
                logger.info("refresh requested")
                let request = RefreshRequest(stateDirectory: engine.configuration.daemon.stateDirectory)
                engine.requestRefresh(request.take())
                status = engine.tick(now: .now, monotonic: .now)
            case .reload:
                notifier.reloading()
                do {
                    let configuration = try loadConfiguration()
                    engine.reload(configuration)
                    status = engine.tick(now: .now, monotonic: .now)
                    logger.notice("configuration reloaded")
                } catch {
                    logger.error("configuration not reloaded, keeping the previous one: \(error)")
                }
                notifier.ready(status: status)
            case .stop:
                break  // Not reached: the loop ends at a stop.
            }
            feeder?.passEnded()
            if status != previous { notifier.status(status) }
            // A tick with nothing due takes microseconds; one that read the directory or wrote keytabs, longer.
            if ContinuousClock.now - started > .milliseconds(10) { Self.returnFreedMemory() }
        }
        notifier.stopping()
        logger.info("stopped")
    }

    /// Gives the heap pages a pass freed back to the kernel (`malloc_trim(3)`): the daemon then idles for hours
    /// with what it keeps, not with its peak (500 accounts: about 1 MiB less; notes of issue 10).
    static func returnFreedMemory() {
        _ = malloc_trim(0)
    }

    /// How long the next pass may block before it counts as hung.
    var maximumPassDuration: Duration {
        RefreshEngine.maximumPassDuration(for: engine.configuration)
    }
}
