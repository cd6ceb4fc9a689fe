#if canImport(Glibc)
import Glibc
#endif

/// Talks to systemd through the notify protocol: readiness, status lines, reloads, the watchdog.
///
/// The protocol is systemd's documented, stable interface behind `sd_notify(3)`: one datagram of
/// newline-separated `KEY=value` assignments to the `AF_UNIX` socket named by `NOTIFY_SOCKET` (a path, or
/// `@name` in the abstract namespace). It is spoken here directly rather than through libsystemd, which loaded
/// seven libraries (libgcrypt, liblzma, libzstd, …) for these few datagrams (bench/peer-benchmark.sh; notes of
/// issue 10). Does nothing when `NOTIFY_SOCKET` is not set (not started by systemd with `Type=notify`).
///
/// systemd sets the environment once, before the daemon starts: it is read once, here.
public struct SystemdNotifier: Sendable {
    /// Where `NOTIFY_SOCKET` points; nil when it is unset or not a socket address.
    let address: UnixDatagram.Address?

    /// Half the `WatchdogSec=` interval, when the watchdog is on for this process.
    public let watchdogPingInterval: Duration?

    public init() {
        address = Self.environment("NOTIFY_SOCKET").flatMap(UnixDatagram.Address.init(notifySocket:))
        watchdogPingInterval = Self.watchdogInterval(
            usec: Self.environment("WATCHDOG_USEC"), pid: Self.environment("WATCHDOG_PID"), ownPID: getpid()
        ).map { $0 / 2 }
    }

    /// Whether a service manager listens.
    public var isEnabled: Bool { address != nil }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func reloading() { send("RELOADING=1") }
    public func status(_ text: String) { send("STATUS=\(text)") }
    public func watchdog() { send("WATCHDOG=1") }
    public func stopping() { send("STOPPING=1") }

    /// Sends a raw notify message; returns false when nobody listens or it could not be sent.
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard let address else { return false }
        return UnixDatagram.send(Array(message.utf8), to: address)
    }

    /// `WATCHDOG_USEC=` as systemd sets it, when it is meant for this process: a positive number of
    /// microseconds, and `WATCHDOG_PID=`, if set, naming this process (as `sd_watchdog_enabled(3)` reads them).
    static func watchdogInterval(usec: String?, pid: String?, ownPID: pid_t) -> Duration? {
        guard let usec, let microseconds = UInt64(usec), microseconds > 0, microseconds <= UInt64(Int64.max) else {
            return nil
        }
        if let pid, pid_t(pid) != ownPID { return nil }
        return .microseconds(Int64(microseconds))
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
