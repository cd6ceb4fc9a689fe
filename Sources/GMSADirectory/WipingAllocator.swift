import CLDAP

#if canImport(Glibc)
import Glibc
#endif

/// Zeroes what the SASL layer frees: cyrus-sasl's buffers, among them the GSSAPI plugin's decode buffers
/// that hold each unwrapped (plaintext) LDAP PDU, go through an allocator that `explicit_bzero`s every
/// block before it returns to the heap.
///
/// Why not liblber too: `ber_set_option(NULL, LBER_OPT_MEMORY_FNS, …)` is accepted, but liblber calls those
/// functions only for allocations that carry a memory context (slapd's slab allocator); libldap's client
/// code always passes none, so they would never run. What libldap holds is wiped where it can be reached
/// instead: the value copies and the entries' BER buffers (``DirectoryConnection``).
///
/// cyrus-sasl takes an allocator only before `sasl_client_init`, which libldap calls at the first SASL bind,
/// and only once per process: ``install()`` must run before any LDAP connection is opened, and runs once
/// (a `static let` initialiser is thread-safe). ``DirectoryConnection`` calls it first thing.
public enum WipingAllocator {
    private static let installation: Void = gmsa_sasl_install_wiping_allocator()

    /// Installs the allocator into cyrus-sasl (once; later calls do nothing).
    public static func install() {
        installation
    }

    /// What happened to a watched block when it was released.
    public enum Release: Sendable, Equatable {
        /// Not released through the wiping allocator.
        case notSeen
        /// Released all zero.
        case wiped
        /// Released with bytes left in it.
        case notWiped
    }

    /// Runs `body` and reports how the block at `address` was released during it. For tests.
    public static func observeRelease(of address: UnsafeRawPointer?, during body: () throws -> Void) rethrows -> Release {
        gmsa_wipe_probe_watch(address)
        try body()
        switch gmsa_wipe_probe_outcome() {
        case 1: return .wiped
        case -1: return .notWiped
        default: return .notSeen
        }
    }

    // The allocator itself, for its unit tests (the same C functions cyrus-sasl gets).
    static func allocate(_ count: Int) -> UnsafeMutableRawPointer? { gmsa_wiping_malloc(count) }
    static func reallocate(_ block: UnsafeMutableRawPointer?, _ count: Int) -> UnsafeMutableRawPointer? {
        gmsa_wiping_realloc(block, count)
    }
    static func release(_ block: UnsafeMutableRawPointer?) { gmsa_wiping_free(block) }
}
