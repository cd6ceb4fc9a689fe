import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// Talks to systemd through `sd_notify`: readiness, status lines, reloads, the watchdog.
///
/// Does nothing when `NOTIFY_SOCKET` is not set (not started by systemd with `Type=notify`).
public struct SystemdNotifier: Sendable {
    public init() {}

    /// Whether a service manager listens.
    public var isEnabled: Bool { getenv("NOTIFY_SOCKET") != nil }

    /// Half the `WatchdogSec=` interval, when the watchdog is on for this process.
    public var watchdogPingInterval: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds / 2))
    }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func reloading() { send("RELOADING=1") }
    public func status(_ text: String) { send("STATUS=\(text)") }
    public func watchdog() { send("WATCHDOG=1") }
    public func stopping() { send("STOPPING=1") }

    /// Sends a raw notify message; returns false when nobody listens or it could not be sent.
    @discardableResult
    public func send(_ message: String) -> Bool {
        guard isEnabled else { return false }
        return sd_notify(0, message) > 0
    }
}
