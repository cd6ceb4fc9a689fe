import GMSAService
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Calls `tick` every `interval` from a thread of its own until stopped.
///
/// Uses `usleep(3)` rather than a timer: timer-based sleeps (`Task.sleep`, dispatch timers) never fire when
/// the process runs under libfaketime with an offset, which is how password rollovers are tested.
final class Ticker: Sendable {
    private final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }

    private let stopped = Flag()

    init(interval: Duration, tick: @escaping @Sendable () -> Void) {
        let microseconds = max(interval.sleepMicroseconds, 1000)
        DetachedThread.start(name: "gmsa-ticker") { [stopped] in
            while !stopped.value.load(ordering: .relaxed) {
                usleep(microseconds)
                if stopped.value.load(ordering: .relaxed) { break }
                tick()
            }
        }
    }

    func stop() {
        stopped.value.store(true, ordering: .relaxed)
    }
}
