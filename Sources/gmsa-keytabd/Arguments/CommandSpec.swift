import GMSACore

/// What a subcommand accepts, and its help text: the one description both the parser and `--help` use.
struct CommandSpec {
    /// An option: `--name value` (or `--name=value`, `-s value`), or a flag (`--name`) when `valueName` is nil.
    struct Option {
        let name: String
        var short: Character?
        /// Shown as `<valueName>` in help; nil for a flag.
        var valueName: String?
        let help: String
        /// Shown as `(default: …)`.
        var defaultText: String?
        var isRequired = false
        var isRepeatable = false

        init(
            _ name: String, short: Character? = nil, valueName: String? = nil, help: String, defaultText: String? = nil,
            isRequired: Bool = false, isRepeatable: Bool = false
        ) {
            self.name = name
            self.short = short
            self.valueName = valueName
            self.help = help
            self.defaultText = defaultText
            self.isRequired = isRequired
            self.isRepeatable = isRepeatable
        }

        var takesValue: Bool { valueName != nil }

        /// `-c, --config <path>`.
        var label: String {
            (short.map { "-\($0), " } ?? "") + "--\(name)" + (valueName.map { " <\($0)>" } ?? "")
        }

        /// The configuration file, shared by the commands that read it.
        static let config = Option(
            "config", short: "c", valueName: "path", help: "The configuration file.", defaultText: Configuration.defaultPath)
    }

    /// Operands after the options, e.g. `[<accounts> ...]`.
    struct Operands {
        let name: String
        let help: String
    }

    let name: String
    let abstract: String
    let discussion: String
    var options: [Option] = []
    var operands: Operands?
    /// What the usage line shows for the operands instead of `[<name> ...]`.
    var operandsUsage: String?

    /// `gmsa-keytabd derive --blob <file> … [--spn <spn> ...]`.
    var usage: String {
        var parts = ["gmsa-keytabd", name]
        for option in options {
            let shown = "--\(option.name)" + (option.valueName.map { " <\($0)>" } ?? "") + (option.isRepeatable ? " ..." : "")
            parts.append(option.isRequired ? shown : "[\(shown)]")
        }
        if let operandsUsage {
            parts.append(operandsUsage)
        } else if let operands {
            parts.append("[<\(operands.name)> ...]")
        }
        return parts.joined(separator: " ")
    }

    /// What `gmsa-keytabd NAME --help` prints.
    var help: String {
        var text = "OVERVIEW: \(abstract)\n\n"
        if !discussion.isEmpty { text += HelpText.wrap(discussion, width: 80) + "\n\n" }
        text += "USAGE: \(usage)\n\n"
        if let operands { text += "ARGUMENTS:\n" + HelpText.table([("<\(operands.name)>", operands.help)]) + "\n" }
        var rows = options.map { option in
            (option.label, option.help + (option.defaultText.map { " (default: \($0))" } ?? ""))
        }
        rows.append(("-h, --help", "Show help information."))
        text += "OPTIONS:\n" + HelpText.table(rows)
        return text
    }
}

/// Help text layout: paragraphs wrapped at a width, and two-column option tables.
enum HelpText {
    /// Wraps each paragraph (separated by blank lines) at `width` columns, breaking at spaces.
    static func wrap(_ text: String, width: Int, indent: Int = 0) -> String {
        let paragraphs = text.split(separator: "\n\n", omittingEmptySubsequences: false)
        return paragraphs.map { paragraph in
            var lines: [String] = []
            var line = ""
            for word in paragraph.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
                if !line.isEmpty, indent + line.count + 1 + word.count > width {
                    lines.append(line)
                    line = ""
                }
                line += (line.isEmpty ? "" : " ") + word
            }
            if !line.isEmpty { lines.append(line) }
            let pad = String(repeating: " ", count: indent)
            return lines.map { pad + $0 }.joined(separator: "\n")
        }.joined(separator: "\n\n")
    }

    /// `  label    help…`, the help column starting after the longest label and wrapped at 80 columns.
    static func table(_ rows: [(String, String)]) -> String {
        let column = min((rows.map(\.0.count).max() ?? 0) + 4, 30)
        var text = ""
        for (label, help) in rows {
            let wrapped = wrap(help, width: 80, indent: column)
            let first = "  " + label
            if first.count + 2 <= column {
                text += first + String(repeating: " ", count: column - first.count) + wrapped.dropFirst(column) + "\n"
            } else {
                text += first + "\n" + wrapped + "\n"
            }
        }
        return text
    }
}
