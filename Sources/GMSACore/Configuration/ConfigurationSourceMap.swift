import TOML

/// The line each key of a parsed configuration is on, so errors can say "line 12".
///
/// Keys are named as errors name them: `domain.realm`, `account[2]` (the line of its `[[account]]`),
/// `account[2].mode`. A key that is not in the file falls back to its closest enclosing table.
struct ConfigurationSourceMap {
    private var lines: [String: Int] = [:]

    init(document: TOMLTable) {
        for entry in document.entries {
            lines[entry.key] = entry.position.line
            switch entry.value {
            case .table(let table):
                add(table, under: entry.key)
            case .array(let elements):
                for (index, element) in elements.enumerated() {
                    guard case .table(let table) = element else { continue }
                    let key = "\(entry.key)[\(index + 1)]"
                    lines[key] = table.position.line
                    add(table, under: key)
                }
            default:
                break
            }
        }
    }

    private mutating func add(_ table: TOMLTable, under prefix: String) {
        for entry in table.entries { lines["\(prefix).\(entry.key)"] = entry.position.line }
    }

    /// The line of `key` (e.g. `account[2].mode`), else of its closest enclosing table.
    func line(of key: String) -> Int? {
        var candidate = Substring(key)
        while !candidate.isEmpty {
            if let line = lines[String(candidate)] { return line }
            guard let cut = candidate.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            candidate = candidate[..<cut]
        }
        return nil
    }
}
