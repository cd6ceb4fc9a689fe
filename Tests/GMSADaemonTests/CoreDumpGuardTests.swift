import CLinux
import Foundation
import GMSADaemon
import Testing

@Suite struct CoreDumpGuardTests {
    /// Runs in the test process itself: losing its core dumps is harmless, and the settings are per process
    /// (a forked helper would need a hidden entry point in the product).
    @Test func leavesNothingToDump() throws {
        CoreDumpGuard.engage()
        #expect(gmsa_prctl_get_dumpable() == 0, "PR_GET_DUMPABLE")
        var limit = rlimit()
        #expect(getrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &limit) == 0)
        #expect(limit.rlim_cur == 1 && limit.rlim_max == 1, "RLIMIT_CORE \(limit.rlim_cur)/\(limit.rlim_max)")
        let filter = try String(contentsOfFile: "/proc/self/coredump_filter", encoding: .utf8)
        #expect(UInt32(filter.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) == 0, "coredump_filter \(filter)")
    }
}
