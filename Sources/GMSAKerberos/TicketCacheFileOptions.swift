/// Ownership and permissions of a written ticket cache.
///
/// The consumer of the cache should own it: Heimdal's libkrb5 refuses a cache file owned by another user even
/// when it can read it. MIT's and Heimdal's own writers make caches 0600.
public struct TicketCacheFileOptions: Sendable, Equatable {
    /// Permission bits, 0600 unless a group of consumers shares the cache (0640).
    public var mode: UInt32
    /// The owning user id; `nil` keeps the writer's own (root under systemd).
    public var owner: UInt32?
    /// The owning group id; `nil` keeps the writer's own.
    public var group: UInt32?

    public init(mode: UInt32 = 0o600, owner: UInt32? = nil, group: UInt32? = nil) {
        self.mode = mode
        self.owner = owner
        self.group = group
    }
}
