#if canImport(Glibc)
import Glibc
#endif

/// A serial executor that runs its jobs on one dedicated thread.
///
/// libldap and libkrb5 calls block (network round trips, timeouts); running them on the cooperative pool
/// (two threads on a 2-core host) would stall every other task. An actor that uses this executor keeps its
/// blocking work on its own thread. (`DispatchSerialQueue` as an executor is not available on Linux.)
public final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [UnownedJob] = []

    public init(name: String) {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        // The thread runs for the life of the process and keeps the executor alive.
        DetachedThread.start(name: name) { [self] in self.runLoop() }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        pthread_mutex_lock(mutex)
        jobs.append(unowned)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    private func runLoop() {
        while true {
            pthread_mutex_lock(mutex)
            while jobs.isEmpty { pthread_cond_wait(condition, mutex) }
            let job = jobs.removeFirst()
            pthread_mutex_unlock(mutex)
            job.runSynchronously(on: asUnownedSerialExecutor())
        }
    }
}
