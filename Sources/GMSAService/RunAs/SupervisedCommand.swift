import CUserCommand
import GMSACore

#if canImport(Glibc)
import Glibc
#endif

/// A command `run-as` started and waits for: signals passed on to it, a timer for the ticket cache, its end.
///
/// One thread, no signal handler: the passed-on signals and SIGCHLD are blocked from the start
/// (``blockSignals()``) and taken with `sigtimedwait`, whose timeout is the next refresh of the cache. A signal
/// sent to run-as (`kill`, systemd stopping the unit) is sent on to the command; one the terminal sent (Ctrl-C,
/// `si_code` SI_KERNEL) is not, since the command, in run-as's process group as under `runuser`, got it too.
public final class SupervisedCommand {
    /// The signals passed on to the command.
    public static let forwardedSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2]

    /// How the command ended (``ChildProcess/Termination/shellStatus`` is run-as's exit status).
    public typealias Termination = ChildProcess.Termination

    /// Why the command could not be started (fork failed).
    public struct StartFailure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public let pid: pid_t
    /// The signals passed on so far, in order (for run-as's own report).
    public private(set) var forwarded: [Int32] = []

    private init(pid: pid_t) {
        self.pid = pid
    }

    /// Blocks the forwarded signals and SIGCHLD in the calling thread, before anything can send them; returns
    /// the mask before, which the command gets. Until ``wait(firstDue:onDue:)`` takes them, they stay pending.
    public static func blockSignals() -> sigset_t {
        var set = waitedSignals
        var original = sigset_t()
        pthread_sigmask(SIG_BLOCK, &set, &original)
        return original
    }

    /// Starts `command` (searched in `environment`'s PATH) with `arguments` (argv[0] included) as `user`, or as
    /// the caller when `user` is nil, with `mask` as its signal mask (what ``blockSignals()`` returned).
    public static func start(
        _ command: String, arguments: [String], environment: [String], user: LocalUser?, mask: sigset_t
    ) throws(StartFailure) -> SupervisedCommand {
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        let groups = user?.groups.map { gid_t($0) } ?? []
        var mask = mask
        let pid = groups.withUnsafeBufferPointer { groupBuffer in
            gmsa_user_command_start(
                command, argv, envp, user == nil ? 0 : 1, user?.name ?? "root", user?.uid ?? 0, user?.gid ?? 0,
                groupBuffer.baseAddress, Int32(groupBuffer.count), &mask)
        }
        guard pid > 0 else {
            throw StartFailure(description: "cannot start \(command): fork: \(String(cString: strerror(errno)))")
        }
        return SupervisedCommand(pid: pid)
    }

    /// Waits until the command ends: passes signals on, and calls `onDue` at `firstDue` and then at each time
    /// it returns (`nil`: no more). Returns how the command ended.
    public func wait(firstDue: Timestamp?, onDue: () -> Timestamp?) -> Termination {
        var set = Self.waitedSignals
        var due = firstDue
        while true {
            if let ended = reap() { return ended }
            var info = siginfo_t()
            let received: Int32
            if let due {
                let seconds = max(0, due.timeIntervalSince(Timestamp.now))
                // Whole seconds up to a day at a time: sigtimedwait's timespec, and a wake-up that rechecks.
                let capped = min(seconds, 86_400)
                var timeout = timespec(tv_sec: Int(capped), tv_nsec: Int((capped - capped.rounded(.down)) * 1e9))
                received = sigtimedwait(&set, &info, &timeout)
            } else {
                received = sigwaitinfo(&set, &info)
            }
            if received == -1 {
                if errno == EAGAIN, let current = due, Timestamp.now >= current { due = onDue() }
                continue
            }
            if received == SIGCHLD { continue }
            // SI_KERNEL (0x80): from the terminal, which sent it to the command's process group as well.
            if info.si_code != 0x80 {
                kill(pid, received)
                forwarded.append(received)
            }
        }
    }

    /// The signals ``wait(firstDue:onDue:)`` takes: the forwarded ones and SIGCHLD.
    private static var waitedSignals: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in forwardedSignals + [SIGCHLD] { sigaddset(&set, signal) }
        return set
    }

    private var ended: Termination?

    private func reap() -> Termination? {
        if ended == nil { ended = Termination.reap(pid, options: WNOHANG) }
        return ended
    }
}
