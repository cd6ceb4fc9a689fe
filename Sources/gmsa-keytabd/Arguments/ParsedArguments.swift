/// A subcommand's command line, checked against its ``CommandSpec``: `--name value`, `--name=value`,
/// `-s value`, flags, and operands (everything not an option, and everything after `--`).
struct ParsedArguments {
    let spec: CommandSpec
    private(set) var values: [String: [String]] = [:]
    private(set) var flags: Set<String> = []
    private(set) var operands: [String] = []
    /// How many operands came before `--`; `nil` without `--`.
    private(set) var operandsBeforeSeparator: Int?
    /// `-h` or `--help` was given: print the help, do nothing else.
    private(set) var wantsHelp = false

    init(_ arguments: some Sequence<String>, spec: CommandSpec) throws(UsageError) {
        self.spec = spec
        var remaining = Array(arguments)[...]
        var onlyOperands = false
        while let argument = remaining.popFirst() {
            if onlyOperands || argument == "-" || !argument.hasPrefix("-") {
                operands.append(argument)
                continue
            }
            if argument == "--" {
                onlyOperands = true
                operandsBeforeSeparator = operands.count
                continue
            }
            if argument == "-h" || argument == "--help" {
                wantsHelp = true
                continue
            }
            var inlineValue: String?
            let option: CommandSpec.Option?
            if argument.hasPrefix("--") {
                var name = String(argument.dropFirst(2))
                if let equals = name.firstIndex(of: "=") {
                    inlineValue = String(name[name.index(after: equals)...])
                    name = String(name[..<equals])
                }
                option = spec.options.first { $0.name == name }
            } else {
                let short = argument.dropFirst()
                option = short.count == 1 ? spec.options.first { $0.short == short.first } : nil
            }
            guard let option else { throw UsageError("unknown option '\(argument)'") }
            guard option.takesValue else {
                guard inlineValue == nil else { throw UsageError("--\(option.name) takes no value") }
                flags.insert(option.name)
                continue
            }
            guard let value = inlineValue ?? remaining.popFirst() else {
                throw UsageError("--\(option.name) needs a value (\(option.label))")
            }
            guard option.isRepeatable || values[option.name] == nil else {
                throw UsageError("--\(option.name) is given more than once")
            }
            values[option.name, default: []].append(value)
        }
        if wantsHelp { return }
        for option in spec.options where option.isRequired && values[option.name] == nil {
            throw UsageError("missing \(option.label)")
        }
        if spec.operands == nil, let first = operands.first {
            throw UsageError("unexpected argument '\(first)'")
        }
    }

    /// The value of a single-valued option, if given.
    func value(_ name: String) -> String? { values[name]?.last }

    /// The value of a required option (checked while parsing).
    func required(_ name: String) -> String { values[name]?.last ?? "" }

    /// Every value of a repeatable option, in order.
    func all(_ name: String) -> [String] { values[name] ?? [] }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// An integer option's value; nil when absent.
    func integer<T: FixedWidthInteger>(_ name: String, as type: T.Type) throws(UsageError) -> T? {
        guard let text = value(name) else { return nil }
        guard let number = T(text) else { throw UsageError("--\(name) '\(text)' is not a whole number from \(T.min) to \(T.max)") }
        return number
    }
}
