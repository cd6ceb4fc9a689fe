import Synchronization

/// Counts what is sent to the directory, for `sync --statistics` and the benchmark.
public final class DirectoryStatistics: Sendable {
    private let counters = Mutex((connections: 0, binds: 0, searches: 0, pages: 0, entries: 0))

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

    /// Connections opened, SASL binds, search operations (a paged search counts once), pages, entries read.
    public var snapshot: (connections: Int, binds: Int, searches: Int, pages: Int, entries: Int) {
        counters.withLock { $0 }
    }

    public var summary: String {
        let value = snapshot
        return "ldap: \(value.connections) connection(s), \(value.binds) bind(s), \(value.searches) search(es) "
            + "in \(value.pages) page(s), \(value.entries) entries"
    }
}
