import GMSAService
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Sends systemd's `WATCHDOG=1` from a thread of its own, but only while the daemon is really alive: its loop
/// keeps coming round between passes, or a pass is under way and has not outlived its bound.
///
/// A pass blocks in libldap and libkrb5 for as long as their timeouts allow (a frozen DC costs `[ldap] timeout`
/// per attempt), which may be longer than `WatchdogSec=`. Feeding the watchdog only between passes would let
/// systemd kill a healthy daemon in the middle of a keytab write; never feeding during a pass would too. So a
/// pass is trusted up to ``RefreshEngine/maximumPassDuration(for:)``, after which it counts as hung and systemd
/// restarts the daemon. Uses `usleep(3)`, like ``Ticker``, because timer sleeps never fire under libfaketime.
final class WatchdogFeeder: Sendable {
    /// Whether to send `WATCHDOG=1` now. Pure, for tests: times are monotonic nanoseconds.
    static func isAlive(now: Int64, passStarted: Int64?, maximumPass: Int64, lastLoop: Int64, maximumIdle: Int64) -> Bool {
        if let passStarted { return now &- passStarted <= maximumPass }
        return now &- lastLoop <= maximumIdle
    }

    private final class Shared: Sendable {
        let stopped = Atomic<Bool>(false)
        /// Start of the pass under way, 0 when none.
        let passStarted = Atomic<Int64>(0)
        let maximumPass = Atomic<Int64>(0)
        let lastLoop = Atomic<Int64>(0)
    }

    private let shared = Shared()

    /// Pings every `interval` while alive; between passes the loop must come round at least every `maximumIdle`.
    init(interval: Duration, maximumIdle: Duration, ping: @escaping @Sendable () -> Void) {
        let microseconds = max(interval.sleepMicroseconds, 1000)
        let idle = Self.nanoseconds(maximumIdle)
        shared.lastLoop.store(Self.monotonicNow(), ordering: .relaxed)
        DetachedThread.start(name: "gmsa-watchdog") { [shared] in
            while !shared.stopped.load(ordering: .relaxed) {
                let started = shared.passStarted.load(ordering: .acquiring)
                if Self.isAlive(
                    now: Self.monotonicNow(), passStarted: started == 0 ? nil : started,
                    maximumPass: shared.maximumPass.load(ordering: .relaxed), lastLoop: shared.lastLoop.load(ordering: .relaxed),
                    maximumIdle: idle)
                {
                    ping()
                }
                usleep(microseconds)
            }
        }
    }

    /// A pass begins; it is trusted for `maximum`.
    func passStarted(maximum: Duration) {
        shared.maximumPass.store(Self.nanoseconds(maximum), ordering: .relaxed)
        shared.passStarted.store(Self.monotonicNow(), ordering: .releasing)
    }

    /// The pass ended and the loop is alive.
    func passEnded() {
        shared.lastLoop.store(Self.monotonicNow(), ordering: .relaxed)
        shared.passStarted.store(0, ordering: .releasing)
    }

    func stop() {
        shared.stopped.store(true, ordering: .relaxed)
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : whole &+ attoseconds / 1_000_000_000
    }

    static func monotonicNow() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) &* 1_000_000_000 &+ Int64(time.tv_nsec)
    }
}
