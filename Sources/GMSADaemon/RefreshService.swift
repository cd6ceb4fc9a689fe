import GMSACore
import Logging
import Synchronization

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
/// Signals come from a ``SignalThread``, ticks from a ``Ticker``: both are threads, so neither depends on the
/// concurrency runtime's timers (which never fire under libfaketime, how rollovers are tested).
public struct RefreshService: Sendable {
    enum Event: Sendable { case tick, reload, refresh, stop }

    /// Set by SIGTERM or SIGINT; checked at every event, so a stop is never lost behind buffered ticks.
    private final class StopFlag: Sendable {
        let value = Atomic<Bool>(false)
    }

    let worker: RefreshWorker
    let notifier: SystemdNotifier
    let loadConfiguration: @Sendable () throws -> Configuration
    let logger: Logger
    /// How often due work is looked for; deadlines are wall-clock instants checked at each tick.
    let tickInterval: Duration

    public init(
        worker: RefreshWorker,
        notifier: SystemdNotifier,
        logger: Logger,
        tickInterval: Duration = .seconds(5),
        loadConfiguration: @escaping @Sendable () throws -> Configuration
    ) {
        self.worker = worker
        self.notifier = notifier
        self.logger = logger
        self.loadConfiguration = loadConfiguration
        let watchdog = notifier.watchdogPingInterval ?? tickInterval
        self.tickInterval = min(tickInterval, watchdog)
    }

    /// Runs until SIGTERM or SIGINT. Throws only when the signal handlers cannot be installed.
    public func run() async throws {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(16))
        let stop = StopFlag()
        try SignalThread.start([SIGTERM, SIGINT, SIGHUP, SIGUSR1]) { signal in
            switch signal {
            case SIGHUP: continuation.yield(.reload)
            case SIGUSR1: continuation.yield(.refresh)
            default:
                logger.info("\(signal == SIGINT ? "SIGINT" : "SIGTERM") received: stopping after the pass under way, if any")
                stop.value.store(true, ordering: .releasing)
                continuation.yield(.stop)
            }
        }
        let interval = tickInterval
        if let ping = notifier.watchdogPingInterval {
            logger.debug("looking for due work every \(interval); WATCHDOG=1 every \(ping) while the loop is alive")
        } else {
            logger.debug("looking for due work every \(interval); no systemd watchdog")
        }
        let ticker = Ticker(interval: interval) { continuation.yield(.tick) }
        defer { ticker.stop() }
        let feeder = notifier.watchdogPingInterval.map { ping in
            // Between passes the loop comes round every tick; three missed ticks mean it is stuck.
            WatchdogFeeder(interval: ping, maximumIdle: interval * 3 + .seconds(5)) { [notifier] in notifier.watchdog() }
        }
        defer { feeder?.stop() }

        feeder?.passStarted(maximum: await worker.maximumPassDuration)
        var status = await worker.tick()
        feeder?.passEnded()
        notifier.ready(status: status)
        logger.info("started: \(status)")

        var iterator = events.makeAsyncIterator()
        // The flag is checked before each wait too: a stop during the first pass ends the loop at once.
        while !stop.value.load(ordering: .acquiring), let event = await iterator.next(),
            !stop.value.load(ordering: .acquiring)
        {
            let previous = status
            feeder?.passStarted(maximum: await worker.maximumPassDuration)
            switch event {
            case .tick:
                status = await worker.tick()
            case .refresh:
                logger.info("refresh requested")
                status = await worker.refreshRequested()
            case .reload:
                notifier.reloading()
                do {
                    let configuration = try loadConfiguration()
                    status = await worker.reload(configuration)
                    logger.notice("configuration reloaded")
                } catch {
                    logger.error("configuration not reloaded, keeping the previous one: \(error)")
                }
                notifier.ready(status: status)
            case .stop:
                break  // Not reached: the flag is set before .stop is sent.
            }
            feeder?.passEnded()
            if status != previous { notifier.status(status) }
        }
        notifier.stopping()
        logger.info("stopped")
    }
}
