/// A TOML table: keys in the order the document defines them, each with the place it was defined.
public struct TOMLTable: Sendable, Equatable {
    /// One key, its value and where the key was defined (for a table, its header or its first dotted key).
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: TOMLValue
        public var position: TOMLPosition

        public init(key: String, value: TOMLValue, position: TOMLPosition) {
            self.key = key
            self.value = value
            self.position = position
        }
    }

    /// Where the table was defined: its `[header]`, its `{`, or the first key that made it.
    public var position: TOMLPosition
    public private(set) var entries: [Entry] = []
    /// Keys are compared as Unicode scalars, as TOML does, not by canonical equivalence as `String` is.
    private var indices: [[UInt8]: Int] = [:]

    public init(position: TOMLPosition = TOMLPosition(line: 1, column: 1)) {
        self.position = position
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    public subscript(key: String) -> TOMLValue? { entry(forKey: key)?.value }

    public func entry(forKey key: String) -> Entry? {
        indices[Array(key.utf8)].map { entries[$0] }
    }

    /// Adds `value` under `key`; returns false, changing nothing, when the key is already there.
    @discardableResult
    public mutating func insert(_ value: TOMLValue, forKey key: String, at position: TOMLPosition) -> Bool {
        let bytes = Array(key.utf8)
        guard indices[bytes] == nil else { return false }
        indices[bytes] = entries.count
        entries.append(Entry(key: key, value: value, position: position))
        return true
    }

    /// Same keys with equal values; order and positions do not count.
    public static func == (left: TOMLTable, right: TOMLTable) -> Bool {
        guard left.entries.count == right.entries.count else { return false }
        return left.entries.allSatisfy { entry in
            right.indices[Array(entry.key.utf8)].map { right.entries[$0].value == entry.value } ?? false
        }
    }
}
