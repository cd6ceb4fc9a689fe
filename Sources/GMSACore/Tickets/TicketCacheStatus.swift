/// What an account's ticket cache holds now, as far as its schedule cares: the TGT's times and the key version
/// it was obtained with.
public struct TicketCacheStatus: Sendable, Equatable {
    /// When the TGT was issued (its start time).
    public var start: Timestamp
    /// When it expires: after this no program can use it.
    public var expiry: Timestamp
    /// The last moment it can be renewed (TGS renewal, no long-term key); `nil` when it is not renewable.
    public var renewUntil: Timestamp?
    /// The key version of the account's key the AS exchange used; `nil` when unknown (a renewal keeps it).
    public var keyVersion: UInt32?

    public init(start: Timestamp, expiry: Timestamp, renewUntil: Timestamp?, keyVersion: UInt32?) {
        self.start = start
        self.expiry = expiry
        self.renewUntil = renewUntil
        self.keyVersion = keyVersion
    }

    /// The ticket's lifetime as issued (never below one second, so fractions of it stay meaningful).
    public var lifetime: Double { max(1, expiry.timeIntervalSince(start)) }
}
