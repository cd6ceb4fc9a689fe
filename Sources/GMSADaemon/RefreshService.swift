import GMSACore
import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// The daemon as a swift-service-lifecycle `Service`: the first pass, then a loop of ticks, reloads (SIGHUP)
/// and refresh requests (SIGUSR1), with systemd told about each step.
///
/// READY=1 follows the first pass; STATUS= carries ``RefreshEngine/statusLine(now:)``; WATCHDOG=1 comes from a
/// ``WatchdogFeeder``: while the loop comes round, and during a pass for at most
/// ``RefreshEngine/maximumPassDuration(for:)``, so a slow DC never gets a healthy daemon killed and a hung one
/// is restarted. SIGTERM (graceful shutdown of the group) ends the loop between ticks.
public struct RefreshService: Service, CustomStringConvertible {
    public var description: String { "RefreshService" }

    enum Event: Sendable { case tick, reload, refresh }

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

    public func run() async throws {
        let (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(16))
        let signals = await UnixSignalsSequence(trapping: .sighup, .sigusr1)
        let interval = tickInterval
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await signal in signals {
                    continuation.yield(signal == .sighup ? .reload : .refresh)
                }
            }
            // Ticks come from a thread that sleeps with usleep(3), not from Task.sleep: under libfaketime
            // (how rollovers are tested) timer-based sleeps never fire.
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

            for await event in events.cancelOnGracefulShutdown() {
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
                }
                feeder?.passEnded()
                if status != previous { notifier.status(status) }
            }
            continuation.finish()
            group.cancelAll()
        }
        notifier.stopping()
        logger.info("stopped")
    }
}
