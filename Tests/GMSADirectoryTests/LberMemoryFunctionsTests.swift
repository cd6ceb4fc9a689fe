import CLDAP
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

private let customCalls = Atomic<Int>(0)

/// Why liblber's buffers are not wiped through `LBER_OPT_MEMORY_FNS`: liblber calls installed functions only
/// for allocations with a memory context (slapd's), and libldap's client code passes none. If a future
/// liblber changes this, this test fails and the wiping allocator can be installed there too.
@Suite struct LberMemoryFunctionsTests {
    @Test func installedFunctionsAreNotUsedForClientAllocations() throws {
        var functions = BerMemoryFunctions(
            bmf_malloc: { size, _ in
                customCalls.add(1, ordering: .relaxed)
                return malloc(Int(size))
            },
            bmf_calloc: { count, size, _ in
                customCalls.add(1, ordering: .relaxed)
                return calloc(Int(count), Int(size))
            },
            bmf_realloc: { block, size, _ in
                customCalls.add(1, ordering: .relaxed)
                return realloc(block, Int(size))
            },
            bmf_free: { block, _ in
                customCalls.add(1, ordering: .relaxed)
                free(block)
            })
        // Accepted (once per process).
        #expect(ber_set_option(nil, LBER_OPT_MEMORY_FNS, &functions) == LBER_OPT_SUCCESS)
        // What libldap does with every value it hands out: ber_memalloc/ber_dupbv/ber_bvfree, no context.
        let block = try #require(ber_memalloc(64))
        ber_memfree(block)
        var source = berval(bv_len: 6, bv_val: strdup("secret"))
        defer { free(source.bv_val) }
        let copy = try #require(ber_dupbv(nil, &source))
        ber_bvfree(copy)
        #expect(customCalls.load(ordering: .relaxed) == 0)
    }
}
