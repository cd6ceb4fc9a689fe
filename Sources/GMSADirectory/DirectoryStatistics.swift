import Synchronization

/// Counts what is sent to the directory, for `sync --statistics` and the benchmark.
public final class DirectoryStatistics: Sendable {
    private let counters = Mutex((connections: 0, binds: 0, searches: 0, pages: 0, entries: 0))
    private let tickets = Mutex((new: 0, reused: 0))

    public init() {}

    func record(connection: Int = 0, bind: Int = 0, search: Int = 0, page: Int = 0, entries: Int = 0) {
        counters.withLock {
            $0.connections += connection
            $0.binds += bind
            $0.searches += search
            $0.pages += page
            $0.entries += entries
        }
    }

    /// Counts one use of the host's ticket (its TGT, or a DC's LDAP ticket got in the AS request): a new one from
    /// the KDC (an AS request), or the cached one again.
    public func recordTicket(reused: Bool) {
        tickets.withLock {
            if reused { $0.reused += 1 } else { $0.new += 1 }
        }
    }

    /// Connections opened, SASL binds, search operations (a paged search counts once), pages, entries read.
    public var snapshot: (connections: Int, binds: Int, searches: Int, pages: Int, entries: Int) {
        counters.withLock { $0 }
    }

    /// Host tickets obtained from the KDC (AS requests) and tickets reused from the private cache.
    public var ticketSnapshot: (new: Int, reused: Int) {
        tickets.withLock { $0 }
    }

    public var summary: String {
        let value = snapshot
        let ticket = ticketSnapshot
        return "ldap: \(value.connections) connection(s), \(value.binds) bind(s), \(value.searches) search(es) "
            + "in \(value.pages) page(s), \(value.entries) entries; host ticket: \(ticket.new) new, \(ticket.reused) reused"
    }
}
