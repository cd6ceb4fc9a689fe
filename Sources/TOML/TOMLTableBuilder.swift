/// A table while its document is read: shared by reference, with what TOML's rules on redefinition need.
///
/// A table is *declared* once a `[header]` or `[[header]]` names it, or once the section whose dotted keys
/// made it ends; a declared table takes no other header and no dotted keys (TOML 1.0 "Table"). Inline tables
/// and static arrays are finished ``TOMLValue``s, never builders, so nothing can extend them.
final class TOMLTableBuilder {
    enum Item {
        case value(TOMLValue)
        case table(TOMLTableBuilder)
        case tables(TOMLTableArray)
    }

    struct Entry {
        var key: String
        var position: TOMLPosition
        var item: Item
    }

    var position: TOMLPosition
    let depth: Int
    var isDeclared = false
    private(set) var entries: [Entry] = []
    private var indices: [[UInt8]: Int] = [:]

    init(position: TOMLPosition, depth: Int) {
        self.position = position
        self.depth = depth
    }

    func entry(_ key: [UInt8]) -> Entry? {
        indices[key].map { entries[$0] }
    }

    func add(_ key: [UInt8], _ item: Item, at position: TOMLPosition) {
        indices[key] = entries.count
        entries.append(Entry(key: String(decoding: key, as: UTF8.self), position: position, item: item))
    }

    /// The finished table; a table's entry is placed where the table was declared.
    func build() -> TOMLTable {
        var table = TOMLTable(position: position)
        for entry in entries {
            switch entry.item {
            case .value(let value):
                table.insert(value, forKey: entry.key, at: entry.position)
            case .table(let child):
                table.insert(.table(child.build()), forKey: entry.key, at: child.position)
            case .tables(let array):
                table.insert(.array(array.elements.map { .table($0.build()) }), forKey: entry.key, at: entry.position)
            }
        }
        return table
    }
}

/// The elements of a `[[name]]` array of tables, appended to in place.
final class TOMLTableArray {
    var elements: [TOMLTableBuilder]

    init(_ first: TOMLTableBuilder) {
        elements = [first]
    }
}
