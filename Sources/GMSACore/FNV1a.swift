/// The 64-bit FNV-1a hash: cheap and stable across runs and hosts, for fingerprints that are not secrets
/// (who may read an account, a host's place in the fleet's schedule). Not for anything an attacker chooses.
public enum FNV1a {
    public static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
