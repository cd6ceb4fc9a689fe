import TOML

/// Reading ``ConfigurationFile`` from a parsed TOML document: unknown keys and wrong types are errors that name
/// the key and its line.
extension ConfigurationFile {
    /// A key that is unknown or has a value of the wrong type.
    struct Problem: Error {
        var key: String
        var line: Int?
        var message: String
    }

    /// The keys each section takes; `account` is a list of tables, the others are tables.
    static let knownKeys: [String: Set<String>] = [
        "domain": ["realm", "servers", "site"],
        "host": ["keytab", "principal"],
        "ldap": ["timeout", "page_size", "sasl_secprops"],
        "daemon": ["state_directory", "retention", "probe_interval", "on_change_timeout"],
        "account": [
            "name", "keytab", "owner", "group", "mode", "enctypes", "principals", "on_change", "ccache", "ccache_owner",
            "ccache_group", "ccache_mode",
        ],
        "discovery": [
            "enabled", "keytab", "owner", "group", "mode", "enctypes", "exclude", "ccache", "ccache_owner", "ccache_group",
            "ccache_mode",
        ],
    ]

    init(document: TOMLTable) throws(Problem) {
        try Self.checkKnownKeys(document)
        let reader = Reader()
        if let table = try reader.table(document, "domain") {
            domain = Domain(
                realm: try reader.string(table, "domain", "realm"), servers: try reader.strings(table, "domain", "servers"),
                site: try reader.string(table, "domain", "site"))
        }
        if let table = try reader.table(document, "host") {
            host = Host(keytab: try reader.string(table, "host", "keytab"), principal: try reader.string(table, "host", "principal"))
        }
        if let table = try reader.table(document, "ldap") {
            ldap = LDAP(
                timeout: try reader.integer(table, "ldap", "timeout"), pageSize: try reader.integer(table, "ldap", "page_size"),
                saslSecprops: try reader.string(table, "ldap", "sasl_secprops"))
        }
        if let table = try reader.table(document, "daemon") {
            daemon = Daemon(
                stateDirectory: try reader.string(table, "daemon", "state_directory"),
                retention: try reader.string(table, "daemon", "retention"),
                probeInterval: try reader.string(table, "daemon", "probe_interval"),
                onChangeTimeout: try reader.string(table, "daemon", "on_change_timeout"))
        }
        if let tables = try reader.tables(document, "account") {
            account = []
            for (index, table) in tables.enumerated() {
                let key = "account[\(index + 1)]"
                account?.append(
                    Account(
                        name: try reader.string(table, key, "name"), keytab: try reader.string(table, key, "keytab"),
                        owner: try reader.string(table, key, "owner"), group: try reader.string(table, key, "group"),
                        mode: try reader.mode(table, key, "mode"), enctypes: try reader.strings(table, key, "enctypes"),
                        principals: try reader.strings(table, key, "principals"),
                        onChange: try reader.strings(table, key, "on_change"), ticketCache: try reader.ticketCache(table, key)))
            }
        }
        if let table = try reader.table(document, "discovery") {
            discovery = Discovery(
                enabled: try reader.boolean(table, "discovery", "enabled"), keytab: try reader.string(table, "discovery", "keytab"),
                owner: try reader.string(table, "discovery", "owner"), group: try reader.string(table, "discovery", "group"),
                mode: try reader.mode(table, "discovery", "mode"), enctypes: try reader.strings(table, "discovery", "enctypes"),
                exclude: try reader.strings(table, "discovery", "exclude"), ticketCache: try reader.ticketCache(table, "discovery"))
        }
    }

    /// Every key the file sets that gmsa-keytabd does not know, first by line; the first is the error, the
    /// others are listed in its message.
    private static func checkKnownKeys(_ document: TOMLTable) throws(Problem) {
        var unknown: [(key: String, line: Int)] = []
        func check(_ table: TOMLTable, _ path: String, _ known: Set<String>) {
            for entry in table.entries where !known.contains(entry.key) {
                unknown.append(("\(path).\(TOMLText.key(entry.key))", entry.position.line))
            }
        }
        for entry in document.entries {
            guard let known = knownKeys[entry.key] else {
                unknown.append((TOMLText.key(entry.key), entry.position.line))
                continue
            }
            switch entry.value {
            case .table(let table):
                check(table, entry.key, known)
            case .array(let elements):
                for (index, element) in elements.enumerated() {
                    if case .table(let table) = element { check(table, "\(entry.key)[\(index + 1)]", known) }
                }
            default:
                break  // a type error, reported by the reader
            }
        }
        let sorted = unknown.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
        guard let first = sorted.first else { return }
        let more = sorted.count > 1 ? " (also unknown: \(sorted.dropFirst().map(\.key).joined(separator: ", ")))" : ""
        throw Problem(key: first.key, line: first.line, message: "unknown key\(more); see gmsa-keytabd.toml(5) for the valid keys")
    }

    /// Typed access to a table's keys; a present key of another type is a ``Problem``.
    private struct Reader {
        func wrongType(_ key: String, _ entry: TOMLTable.Entry, expected: String, found: String? = nil) -> Problem {
            var found = found ?? entry.value.kindDescription
            if case .dateTime = entry.value { found += " (no key of gmsa-keytabd takes a date or time; put text in quotes)" }
            return Problem(key: key, line: entry.position.line, message: "wrong type: expected \(expected), found \(found)")
        }

        func table(_ document: TOMLTable, _ key: String) throws(Problem) -> TOMLTable? {
            guard let entry = document.entry(forKey: key) else { return nil }
            guard case .table(let table) = entry.value else { throw wrongType(key, entry, expected: "a table ([\(key)])") }
            return table
        }

        func tables(_ document: TOMLTable, _ key: String) throws(Problem) -> [TOMLTable]? {
            guard let entry = document.entry(forKey: key) else { return nil }
            guard case .array(let elements) = entry.value else { throw wrongType(key, entry, expected: "[[\(key)]] blocks") }
            var tables: [TOMLTable] = []
            for (index, element) in elements.enumerated() {
                guard case .table(let table) = element else {
                    throw wrongType(key, entry, expected: "[[\(key)]] blocks", found: "entry \(index + 1) is \(element.kindDescription)")
                }
                tables.append(table)
            }
            return tables
        }

        func string(_ table: TOMLTable, _ section: String, _ key: String) throws(Problem) -> String? {
            guard let entry = table.entry(forKey: key) else { return nil }
            guard case .string(let value) = entry.value else {
                throw wrongType("\(section).\(key)", entry, expected: "a string in quotes")
            }
            return value
        }

        func integer(_ table: TOMLTable, _ section: String, _ key: String) throws(Problem) -> Int? {
            guard let entry = table.entry(forKey: key) else { return nil }
            guard case .integer(let value) = entry.value else { throw wrongType("\(section).\(key)", entry, expected: "an integer") }
            return Int(value)
        }

        func boolean(_ table: TOMLTable, _ section: String, _ key: String) throws(Problem) -> Bool? {
            guard let entry = table.entry(forKey: key) else { return nil }
            guard case .boolean(let value) = entry.value else { throw wrongType("\(section).\(key)", entry, expected: "true or false") }
            return value
        }

        func strings(_ table: TOMLTable, _ section: String, _ key: String) throws(Problem) -> [String]? {
            guard let entry = table.entry(forKey: key) else { return nil }
            let expected = "a list like [\"a\", \"b\"]"
            guard case .array(let elements) = entry.value else { throw wrongType("\(section).\(key)", entry, expected: expected) }
            var strings: [String] = []
            for (index, element) in elements.enumerated() {
                guard case .string(let value) = element else {
                    throw wrongType(
                        "\(section).\(key)", entry, expected: expected, found: "entry \(index + 1) is \(element.kindDescription)")
                }
                strings.append(value)
            }
            return strings
        }

        func mode(_ table: TOMLTable, _ section: String, _ key: String) throws(Problem) -> FileMode? {
            guard let entry = table.entry(forKey: key) else { return nil }
            switch entry.value {
            case .string(let text): return FileMode(text: text)
            case .integer(let number): return FileMode(text: String(number, radix: 8))
            default: throw wrongType("\(section).\(key)", entry, expected: "a string of octal digits like \"0640\"")
            }
        }

        func ticketCache(_ table: TOMLTable, _ section: String) throws(Problem) -> TicketCache {
            TicketCache(
                path: try string(table, section, "ccache"), owner: try string(table, section, "ccache_owner"),
                group: try string(table, section, "ccache_group"), mode: try mode(table, section, "ccache_mode"))
        }
    }
}
