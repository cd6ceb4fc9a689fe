import GMSACore
@testable import GMSADirectory
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// How a read of many batches of passwords is split over two connections to the DC, with fake connections
/// (numbers) and a fake search. The lab test (`DirectoryWipeAgainstLabTests`) reads real passwords this way.
@Suite struct TwoConnectionReadTests {
    /// Batches of one name each: msa-0$ … msa-(count-1)$.
    func batches(_ count: Int) throws -> [[ServiceAccountName]] {
        try (0..<count).map { [try ServiceAccountName("msa-\($0)$")] }
    }

    /// What each connection searched, in the order it did.
    final class SearchLog: Sendable {
        let searches = Mutex<[(connection: Int, batch: String)]>([])
        /// Set when the second connection has started its first search.
        let secondStarted = Atomic<Bool>(false)

        func batches(on connection: Int) -> [String] {
            searches.withLock { $0.filter { $0.connection == connection }.map(\.batch) }
        }
    }

    /// A search that returns one entry named after the batch's account. Connection 1 waits (up to 5 s) in its
    /// first search until connection 2 has started one, so that both are sure to take part.
    func search(_ log: SearchLog, failing: Set<String> = []) -> (Int, [ServiceAccountName]) throws(DirectoryError) -> [DirectoryEntry] {
        { connection, batch throws(DirectoryError) in
            let name = batch[0].description
            let first = log.searches.withLock { searches in
                defer { searches.append((connection, name)) }
                return !searches.contains { $0.connection == connection }
            }
            if connection == 2 { log.secondStarted.store(true, ordering: .releasing) }
            if connection == 1, first {
                for _ in 0..<500 where !log.secondStarted.load(ordering: .acquiring) { usleep(10_000) }
            }
            if failing.contains(name) { throw DirectoryError(.searchFailed, "search for \(name) failed") }
            return [DirectoryEntry(distinguishedName: "CN=\(name)")]
        }
    }

    @Test func everyBatchIsReadOnceOnOneOfTheTwoConnectionsAndTheResultsKeepBatchOrder() throws {
        let log = SearchLog()
        let results = try ManagedAccountDirectory.searchOnTwoConnections(try batches(20), 1, { 2 }, search(log))
        #expect(results.map { $0.map(\.distinguishedName) } == (0..<20).map { ["CN=msa-\($0)$"] })
        let first = log.batches(on: 1)
        let second = log.batches(on: 2)
        #expect(!first.isEmpty && !second.isEmpty, "connection 1: \(first), connection 2: \(second)")
        #expect((first + second).sorted() == (0..<20).map { "msa-\($0)$" }.sorted())
    }

    @Test func whenTheSecondConnectionCannotBeOpenedTheFirstReadsEveryBatch() throws {
        let log = SearchLog()
        log.secondStarted.store(true, ordering: .releasing)  // nothing to wait for
        let results = try ManagedAccountDirectory.searchOnTwoConnections(
            try batches(5), 1, { () throws(DirectoryError) -> Int in throw DirectoryError(.bindFailed, "bind refused") }, search(log))
        #expect(results.count == 5)
        #expect(log.batches(on: 1) == (0..<5).map { "msa-\($0)$" })
        #expect(log.batches(on: 2).isEmpty)
    }

    @Test func aFailedBatchFailsTheReadWithTheFirstFailureInBatchOrder() throws {
        let log = SearchLog()
        #expect {
            _ = try ManagedAccountDirectory.searchOnTwoConnections(
                try batches(12), 1, { 2 }, search(log, failing: ["msa-4$", "msa-9$"]))
        } throws: { error in
            (error as? DirectoryError)?.message == "search for msa-4$ failed"
        }
        // msa-9$ may or may not have been searched (the other connection goes on until it sees the failure);
        // either way the read reports the earlier batch.
        #expect(log.searches.withLock { $0.map(\.batch) }.contains("msa-4$"))
    }
}
