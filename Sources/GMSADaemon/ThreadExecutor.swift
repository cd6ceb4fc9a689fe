import Foundation

/// A serial executor that runs its jobs on one dedicated thread.
///
/// libldap and libkrb5 calls block (network round trips, timeouts); running them on the cooperative pool
/// (two threads on a 2-core host) would stall every other task. An actor that uses this executor keeps its
/// blocking work on its own thread. (`DispatchSerialQueue` as an executor is not available on Linux.)
public final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var thread: Thread?

    public init(name: String) {
        let thread = Thread { [unowned self] in self.runLoop() }
        thread.name = name
        self.thread = thread
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        condition.lock()
        jobs.append(unowned)
        condition.signal()
        condition.unlock()
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    private func runLoop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedSerialExecutor())
        }
    }
}
