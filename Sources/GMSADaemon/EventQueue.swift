#if canImport(Glibc)
import Glibc
#endif

/// What wakes the daemon's loop: a tick (look for due work), SIGHUP, SIGUSR1, SIGTERM or SIGINT.
public enum DaemonEvent: Equatable, Sendable {
    case tick, reload, refresh, stop
}

/// The daemon loop's inbox: the signal and ticker threads post, the loop takes one event at a time and blocks
/// while there is none.
///
/// A tick or refresh already waiting is not queued twice (a long pass must not come back to a backlog of
/// ticks), and a stop goes ahead of everything, so SIGTERM ends the loop right after the pass under way.
public final class EventQueue: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Guarded by `mutex`.
    private var events: [DaemonEvent] = []

    public init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    public func post(_ event: DaemonEvent) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        switch event {
        case .stop:
            events.insert(.stop, at: 0)
        case .tick, .refresh:
            guard !events.contains(event) else { return }
            events.append(event)
        case .reload:
            events.append(event)
        }
        pthread_cond_signal(condition)
    }

    /// The next event; waits for one.
    public func next() -> DaemonEvent {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while events.isEmpty { pthread_cond_wait(condition, mutex) }
        return events.removeFirst()
    }
}
