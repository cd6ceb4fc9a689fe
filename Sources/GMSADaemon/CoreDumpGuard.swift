import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// Keeps the process from ever leaving a core dump: its memory holds host credentials, gMSA passwords and
/// derived keys, and a core file or a systemd-coredump journal entry would carry them to disk.
///
/// Three settings, because no single one covers every way a Linux host dumps cores:
/// - `PR_SET_DUMPABLE` 0: the kernel's own "do not dump" flag (it also keeps other users' ptrace and
///   /proc/PID reads away). But with `core_pattern` piping to systemd-coredump, the sysctl file that comes with
///   it sets `fs.suid_dumpable=2`, under which even a non-dumpable process is handed to the helper.
/// - `RLIMIT_CORE` 1 byte (soft and hard): for a file pattern, 1 byte is below the smallest core the kernel
///   would write, so none is. For a pipe pattern the kernel ignores the limit (systemd-coredump gets an
///   unlimited one through its sysctl), with one exception: a limit of exactly 1 means "do not dump" and the
///   kernel aborts the dump before starting the helper (`fs/coredump.c`). 0 would not have that effect on
///   pipes, hence 1. Lowering the hard limit is for good: nothing in the process can raise it again.
/// - `/proc/self/coredump_filter` 0: should a dump happen after all, it holds no memory mappings.
///
/// Each step is best effort: under the unit's seccomp filter (`~@resources`) `setrlimit` fails with EPERM, and
/// the others still hold. The filter is written before the process turns non-dumpable, since that hands its
/// /proc files to root, which a non-root user running `derive` could then no longer write. What the process
/// starts (`on_change` commands) inherits the limit and the filter; `execve` resets the dumpable flag.
public enum CoreDumpGuard {
    /// Applies the three settings; call it first thing, before any secret is in memory.
    public static func engage() {
        let descriptor = open("/proc/self/coredump_filter", O_WRONLY | O_CLOEXEC)
        if descriptor >= 0 {
            _ = write(descriptor, "0", 1)
            close(descriptor)
        }
        var limit = rlimit(rlim_cur: 1, rlim_max: 1)
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &limit)
        _ = gmsa_prctl_set_dumpable(0)
    }
}
