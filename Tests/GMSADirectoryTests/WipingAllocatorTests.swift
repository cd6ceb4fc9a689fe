import CLDAP
import Testing

@testable import GMSADirectory

#if canImport(Glibc)
import Glibc
#endif

/// The allocator cyrus-sasl frees through zeroes whole blocks; the probe sees a block at the moment it goes
/// back to the heap, so a missing wipe (or an allocator that is not installed) fails these tests.
@Suite(.serialized) struct WipingAllocatorTests {
    @Test func releasingABlockZeroesAllOfIt() throws {
        let block = try #require(WipingAllocator.allocate(100))
        // The whole usable size, not just the 100 bytes asked for.
        let usable = malloc_usable_size(block)
        #expect(usable >= 100)
        memset(block, 0xA5, usable)
        let release = WipingAllocator.observeRelease(of: block) { WipingAllocator.release(block) }
        #expect(release == .wiped)
    }

    @Test func theProbeNoticesABlockFreedWithoutAWipe() throws {
        // The probe itself: a block that is only watched, never released through the allocator, is not seen.
        let block = try #require(malloc(64))
        memset(block, 0xA5, 64)
        let release = WipingAllocator.observeRelease(of: block) { free(block) }
        #expect(release == .notSeen)
    }

    @Test func growingABlockWipesTheOldOne() throws {
        let block = try #require(WipingAllocator.allocate(32))
        memset(block, 0x5A, malloc_usable_size(block))
        var grown: UnsafeMutableRawPointer?
        let release = WipingAllocator.observeRelease(of: block) { grown = WipingAllocator.reallocate(block, 1 << 16) }
        let moved = try #require(grown)
        #expect(release == .wiped)
        // The contents moved with it.
        #expect(moved.load(fromByteOffset: 31, as: UInt8.self) == 0x5A)
        WipingAllocator.release(moved)
    }

    @Test func shrinkingKeepsTheBlockAndItIsWipedWhole() throws {
        let block = try #require(WipingAllocator.allocate(4096))
        memset(block, 0x5A, 4096)
        let same = try #require(WipingAllocator.reallocate(block, 16))
        #expect(same == block)
        let release = WipingAllocator.observeRelease(of: same) { WipingAllocator.release(same) }
        #expect(release == .wiped)
    }

    @Test func cyrusSASLFreesThroughTheWipingAllocator() throws {
        WipingAllocator.install()
        #expect(sasl_client_init(nil) == SASL_OK)
        var connection: OpaquePointer?
        #expect(sasl_client_new("ldap", "dc1.company.test", nil, nil, nil, 0, &connection) == SASL_OK)
        let allocated = try #require(connection)
        // sasl_client_new allocates the connection with sasl's allocator and sasl_dispose frees it with it.
        let release = WipingAllocator.observeRelease(of: UnsafeRawPointer(allocated)) { sasl_dispose(&connection) }
        #expect(release == .wiped)
    }
}
