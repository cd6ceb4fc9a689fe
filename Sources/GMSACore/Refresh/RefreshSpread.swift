/// Where inside each allowed interval one host reads one account: stable for the pair (across restarts),
/// different from host to host, so that a fleet sharing a gMSA never asks the DC in the same second.
///
/// Each value is a fraction in [0, 1) taken from a 64-bit hash of the host's identity (its machine id) and the
/// account name; nothing about it is secret. Four independent fractions: the read inside the change window,
/// the read after expiry, the probes, and the ticket cache's refresh (``TicketCachePlan``).
public struct RefreshSpread: Sendable, Equatable {
    public let window: Double
    public let afterExpiry: Double
    public let probe: Double
    public let ticket: Double

    public init(window: Double, afterExpiry: Double, probe: Double, ticket: Double = 0.5) {
        self.window = window
        self.afterExpiry = afterExpiry
        self.probe = probe
        self.ticket = ticket
    }

    /// The spread of `account` on the host identified by `host`.
    public init(host: String, account: ServiceAccountName) {
        var hash = FNV1a.hash(host.utf8 + [0] + account.samAccountName.lowercased().utf8)
        // Fractions are drawn in this order; one added later comes last, so the earlier ones stay as they were.
        let window = Self.fraction(&hash)
        let afterExpiry = Self.fraction(&hash)
        let probe = Self.fraction(&hash)
        self.init(window: window, afterExpiry: afterExpiry, probe: probe, ticket: Self.fraction(&hash))
    }

    /// The middle of every interval (no host identity: tests, `sync` without a machine id).
    public static let middle = RefreshSpread(window: 0.5, afterExpiry: 0.5, probe: 0.5, ticket: 0.5)

    /// The next fraction from a SplitMix64 sequence seeded by `state`.
    static func fraction(_ state: inout UInt64) -> Double {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        mixed ^= mixed >> 31
        return Double(mixed >> 11) / Double(1 << 53)
    }
}
