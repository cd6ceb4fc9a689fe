import GMSAKerberos

/// What keeping a ticket cache needs from Kerberos: read a cache, get a TGT with the account's keys or renew the
/// cache's one, each written atomically, and remove a cache. A protocol so that the daemon's cache keeper is
/// tested without a KDC.
public protocol TicketCacheOperations {
    /// The TGT of the cache at `path` (``TicketCacheFile/inspect(_:)``): `nil` when there is no file; throws for a
    /// damaged one.
    func inspect(_ path: String) throws(KerberosError) -> TicketCacheInfo?
    /// An AS exchange for `principal` with the keys of `keytab` (`keyVersion` first, then the others newest
    /// first), the TGT written to `path`; returns it and the kvno that worked.
    func acquire(
        for principal: String, keytab: String, keyVersion: UInt32, writingTo path: String, options: TicketCacheFileOptions
    ) throws(KerberosError) -> (info: TicketCacheInfo, keyVersion: UInt32)
    /// A TGS renewal of the TGT in the cache at `path`, written back to it.
    func renew(_ path: String, options: TicketCacheFileOptions) throws(KerberosError) -> TicketCacheInfo
    /// Removes the cache at `path`; whether there was one.
    func remove(_ path: String) throws(KerberosError) -> Bool
}

/// ``TicketCacheOperations`` through libkrb5 and ``TicketCacheFile``.
public struct KerberosTicketCaches: TicketCacheOperations {
    let context: KerberosContext

    public init(context: KerberosContext) {
        self.context = context
    }

    public func inspect(_ path: String) throws(KerberosError) -> TicketCacheInfo? {
        try TicketCacheFile(context: context).inspect(path)
    }

    public func acquire(
        for principal: String, keytab: String, keyVersion: UInt32, writingTo path: String, options: TicketCacheFileOptions
    ) throws(KerberosError) -> (info: TicketCacheInfo, keyVersion: UInt32) {
        let ticket = try context.initialTicket(for: principal, keytab: keytab, keyVersion: keyVersion)
        try TicketCacheFile(context: context).write(ticket, to: path, options: options)
        return (ticket.info, ticket.keyVersion ?? keyVersion)
    }

    public func renew(_ path: String, options: TicketCacheFileOptions) throws(KerberosError) -> TicketCacheInfo {
        let files = TicketCacheFile(context: context)
        guard let ticket = try files.read(path) else {
            throw KerberosError(.invalidArgument, "cannot renew ticket cache \(path): it is gone")
        }
        let renewed = try context.renewedTicket(ticket)
        try files.write(renewed, to: path, options: options)
        return renewed.info
    }

    public func remove(_ path: String) throws(KerberosError) -> Bool {
        try TicketCacheFile(context: context).remove(path)
    }
}
