/// What a ticket-granting ticket says about itself: whose it is and when it can be used, renewed and no longer.
///
/// Times are seconds since the epoch. libkrb5 keeps them as 32-bit values that it reads as unsigned (valid
/// until 2106), and so are they read here.
public struct TicketCacheInfo: Sendable, Equatable, CustomStringConvertible {
    /// The client principal, e.g. `msa-web$@COMPANY.TEST`.
    public var client: String
    /// The ticket's service, `krbtgt/REALM@REALM`.
    public var server: String
    /// When the ticket became valid (its start time, else its authentication time).
    public var start: Int64
    /// When the ticket expires: the time that decides whether it can still be used.
    public var expiry: Int64
    /// Until when the ticket can be renewed, or `nil` when it is not renewable.
    public var renewUntil: Int64?

    public init(client: String, server: String, start: Int64, expiry: Int64, renewUntil: Int64?) {
        self.client = client
        self.server = server
        self.start = start
        self.expiry = expiry
        self.renewUntil = renewUntil
    }

    /// Whether the ticket is for `principal`. AD compares account names and realms without case.
    public func isFor(_ principal: String) -> Bool {
        client.lowercased() == principal.lowercased()
    }

    /// Whether a TGS renewal at `now` can still give a ticket: the ticket is renewable and neither it nor its
    /// renewal period has ended (a KDC renews no expired ticket).
    public func isRenewable(at now: Int64) -> Bool {
        guard let renewUntil else { return false }
        return now < expiry && now < renewUntil
    }

    public var description: String {
        "\(client) ticket for \(server), valid \(start) to \(expiry)" + (renewUntil.map { ", renewable until \($0)" } ?? "")
    }
}
