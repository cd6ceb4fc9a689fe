/// One domain controller as DNS SRV announces it.
public struct ServiceRecord: Sendable, Equatable {
    public var target: String
    public var port: Int
    public var priority: Int
    public var weight: Int

    public init(target: String, port: Int, priority: Int, weight: Int) {
        self.target = target
        self.port = port
        self.priority = priority
        self.weight = weight
    }
}

/// The order in which to try domain controllers (RFC 2782).
///
/// Lowest priority first; within one priority, a weighted random order where a record's chance to come
/// next is proportional to its weight (weight 0 records come last among equals).
public enum DomainControllerOrder {
    /// The records in the order to try them. `random(n)` returns a value in `0...n`; inject it in tests.
    public static func ordered(
        _ records: [ServiceRecord],
        random: (Int) -> Int = { Int.random(in: 0...$0) }
    ) -> [ServiceRecord] {
        var result: [ServiceRecord] = []
        let priorities = Set(records.map(\.priority)).sorted()
        for priority in priorities {
            // Zero-weight records first in the list gives them a chance only when all weights are 0.
            var pending = records.filter { $0.priority == priority }.sorted { $0.weight < $1.weight }
            while !pending.isEmpty {
                let total = pending.reduce(0) { $0 + $1.weight }
                let pick = random(total)
                var running = 0
                var chosen = pending.count - 1
                for (index, record) in pending.enumerated() {
                    running += record.weight
                    if running >= pick {
                        chosen = index
                        break
                    }
                }
                result.append(pending.remove(at: chosen))
            }
        }
        return result
    }
}
