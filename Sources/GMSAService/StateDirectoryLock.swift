#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on the state directory, held by `run` for its lifetime and by `sync` for its pass, so
/// that the two (or two `sync`s) never write the same keytabs and `state.json` at once.
///
/// The lock is on the directory itself (no lock file to clean up) and goes with the process: a killed holder
/// never leaves it taken. The descriptor is close-on-exec, so `on_change` commands do not inherit it.
public final class StateDirectoryLock: @unchecked Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// What ``take(_:runningDaemon:waiting:)`` got.
    public enum Outcome {
        case acquired(StateDirectoryLock)
        /// A daemon with this pid holds the lock: it keeps the keytabs itself.
        case daemonRunning(pid_t)
    }

    /// Takes the lock on `directory` (which must exist). While the daemon whose pid `runningDaemon` finds holds
    /// it, returns that pid without waiting; while another process holds it (a `sync`), calls `waiting` once
    /// and waits for it: a pass takes seconds.
    public static func take(
        _ directory: String,
        runningDaemon: () -> pid_t?,
        waiting: () -> Void
    ) throws(Failure) -> Outcome {
        if let lock = try acquire(directory, wait: false) { return .acquired(lock) }
        if let pid = runningDaemon() { return .daemonRunning(pid) }
        waiting()
        guard let lock = try acquire(directory, wait: true) else {
            throw Failure(message: "cannot lock the state directory \(directory)")
        }
        return .acquired(lock)
    }

    /// Takes the lock on `directory` (which must exist); `nil` when another process holds it and `wait` is false.
    public static func acquire(_ directory: String, wait: Bool) throws(Failure) -> StateDirectoryLock? {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw Failure(message: "cannot open the state directory \(directory): \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let number = errno
            close(descriptor)
            if number == EWOULDBLOCK { return nil }
            throw Failure(message: "cannot lock the state directory \(directory): \(String(cString: strerror(number)))")
        }
        return StateDirectoryLock(descriptor: descriptor)
    }
}
