import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// A program started with `posix_spawn(3)`, without a shell, in a process group of its own.
///
/// Replaces Foundation's `Process` (which would link all of Foundation and ICU into the daemon). The child gets
/// the daemon's environment, standard input from `/dev/null`, standard output and error each to `/dev/null` unless
/// a descriptor is given for it, no other descriptor (closefrom 3), every signal at its default action and none
/// blocked. Its process group lets ``signalGroup(_:)`` reach what it started too. Nothing else reaps it:
/// ``poll()`` or ``wait()`` until it has ended, or it stays a zombie until the daemon exits.
public final class ChildProcess {
    /// The child's pid, which is also its process group.
    public let pid: pid_t
    private var ended: Termination?

    /// How the child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)

        /// The exit status, or the signal number for a killed child (what Foundation's `Process.terminationStatus`
        /// gave).
        public var status: Int32 {
            switch self {
            case .exited(let status), .signaled(let status): status
            }
        }

        /// What a shell reports: the exit status, or 128 plus the signal that killed it.
        public var shellStatus: Int32 {
            switch self {
            case .exited(let status): status
            case .signaled(let signal): 128 + signal
            }
        }

        /// `waitpid(pid, options)`: how the child ended, or `nil` while it runs (or when the wait was
        /// interrupted). A child reaped by someone else (ECHILD) has ended, how is unknown: exit status -1.
        static func reap(_ pid: pid_t, options: Int32) -> Termination? {
            var status: Int32 = 0
            let result = waitpid(pid, &status, options)
            if result == -1 { return errno == ECHILD ? .exited(-1) : nil }
            guard result == pid else { return nil }
            // WIFEXITED/WEXITSTATUS/WTERMSIG are macros Swift cannot import.
            let signal = status & 0x7f
            return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
        }
    }

    /// Why a program did not start: the `posix_spawn` error for `path`.
    public struct StartFailure: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var number: Int32
        public var description: String { "\(path): \(String(cString: strerror(number)))" }
    }

    private init(pid: pid_t) {
        self.pid = pid
    }

    /// Starts `path` with `arguments` (argv[0] included); `standardOutput` and `standardError` replace `/dev/null`
    /// for fd 1 and fd 2.
    public static func start(
        _ path: String, arguments: [String], standardOutput: Int32? = nil, standardError: Int32? = nil
    ) throws(StartFailure) -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        for (target, given) in [(Int32(1), standardOutput), (2, standardError)] {
            if let given {
                posix_spawn_file_actions_adddup2(&actions, given, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", O_WRONLY, 0)
            }
        }
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)

        var defaults = sigset_t()
        var mask = sigset_t()
        sigfillset(&defaults)
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard result == 0 else { throw StartFailure(path: path, number: result) }
        return ChildProcess(pid: pid)
    }

    /// How the child ended, or `nil` while it runs. Reaps it once; later calls give the same answer.
    public func poll() -> Termination? {
        reap(options: WNOHANG)
    }

    /// Waits for the child to end.
    public func wait() -> Termination {
        while true {
            if let ended = reap(options: 0) { return ended }
        }
    }

    /// Sends `signal` to the child's process group (the child and whatever it started that stayed in it); only
    /// while the child has not been reaped, so the group id cannot have been reused.
    public func signalGroup(_ signal: Int32) {
        guard ended == nil else { return }
        kill(-pid, signal)
    }

    private func reap(options: Int32) -> Termination? {
        if ended == nil { ended = Termination.reap(pid, options: options) }
        return ended
    }
}
