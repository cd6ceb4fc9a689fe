import Foundation

/// Finds the line a key is on in a TOML text, so errors can say "line 12".
///
/// TOMLKit reports lines only for syntax errors; for keys that parse but are wrong this scans the text:
/// table headers (`[domain]`, `[[account]]`, counting array entries) and `key = value` lines. Keys it cannot
/// place (inline tables, dotted keys) fall back to their table's line.
struct ConfigurationSourceMap {
    private var lines: [String: Int] = [:]

    init(text: String) {
        var table = ""
        var arrayCounts: [String: Int] = [:]
        var lineNumber = 0
        var inMultilineString = false
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            let quotes = line.components(separatedBy: "\"\"\"").count - 1 + line.components(separatedBy: "'''").count - 1
            if inMultilineString {
                if quotes % 2 == 1 { inMultilineString = false }
                continue
            }
            if line.hasPrefix("[[") {
                let name = Self.headerName(line.dropFirst(2))
                let index = arrayCounts[name, default: 0]
                arrayCounts[name] = index + 1
                table = "\(name)[\(index + 1)]"
                lines[table] = lineNumber
                lines[name] = lines[name] ?? lineNumber
            } else if line.hasPrefix("[") {
                table = Self.headerName(line.dropFirst())
                lines[table] = lineNumber
            } else if let equals = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = line[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'"))
                lines[table.isEmpty ? key : "\(table).\(key)"] = lineNumber
                if quotes % 2 == 1 { inMultilineString = true }
            }
        }
    }

    /// The line of `key` (e.g. `account[2].mode`), else of its closest enclosing table.
    func line(of key: String) -> Int? {
        var candidate = key
        while !candidate.isEmpty {
            if let line = lines[candidate] { return line }
            guard let cut = candidate.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            candidate = String(candidate[..<cut])
        }
        return nil
    }

    private static func headerName(_ rest: Substring) -> String {
        let name = rest.prefix { $0 != "]" }
        return name.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'"))
    }
}
