import FuzzSupport
import TOML

/// Bytes to ``TOMLParser``: every input either parses or throws a ``TOMLParseError`` whose line and column
/// are inside the input; a parsed document written back as TOML (``canonicalTOML``) parses to the same tree,
/// and writing that again gives the same text; valid UTF-8 parses the same from a `String` as from bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTOML(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let document: TOMLTable
    do {
        document = try TOMLParser().parse(bytes: bytes)
    } catch {
        checkError(error, bytes)
        if let text = String(validating: bytes, as: UTF8.self) {
            do {
                _ = try TOMLParser().parse(text)
                fuzzCheck(false, "the bytes failed (\(error.message.prefix(80))) but the same text parsed")
            } catch let other {
                fuzzCheck(other == error, "the bytes and the text failed differently: \(error) / \(other)")
            }
        }
        return 0
    }
    let written = canonicalTOML(document)
    let reread: TOMLTable
    do {
        // Written inline, an array of tables nests one level deeper than as [[headers]].
        reread = try TOMLParser(maximumDepth: 2 * TOMLParser().maximumDepth + 2).parse(written)
    } catch {
        fuzzCheck(false, "the written document does not parse: \(error) (\(written.utf8.count) bytes)")
        return 0
    }
    fuzzCheck(
        shape(.table(reread)) == shape(.table(document)),
        "the written document parses to another tree (\(document.count) keys before, \(reread.count) after)")
    fuzzCheck(canonicalTOML(reread) == written, "writing the reread document gives other text")
    return 0
}

func checkError(_ error: TOMLParseError, _ bytes: UnsafeBufferPointer<UInt8>) {
    fuzzCheck(!error.message.isEmpty, "an error without a message")
    let lines = bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    fuzzCheck((1...lines).contains(error.line), "error on line \(error.line) of a \(lines)-line input")
    fuzzCheck(error.column >= 1 && error.column <= bytes.count + 1, "error at column \(error.column) of \(bytes.count) bytes")
}

/// The document as TOML: one `"key" = value` line per key of the root, everything below inline, every string
/// basic with escapes, every float as Swift prints it (which TOML reads: `1e+16`, `-inf`, `nan`).
func canonicalTOML(_ table: TOMLTable) -> String {
    table.entries.map { "\(TOMLText.quoted($0.key)) = \(inline($0.value))\n" }.joined()
}

func inline(_ value: TOMLValue) -> String {
    switch value {
    case .string(let text): TOMLText.quoted(text)
    case .integer(let number): String(number)
    case .float(let number): number.isNaN ? "nan" : "\(number)"
    case .boolean(let flag): flag ? "true" : "false"
    case .dateTime(let dateTime): dateTime.description
    case .array(let elements): "[" + elements.map(inline).joined(separator: ", ") + "]"
    case .table(let table): "{" + table.entries.map { "\(TOMLText.quoted($0.key)) = \(inline($0.value))" }.joined(separator: ", ") + "}"
    }
}

/// The tree with keys sorted and every NaN alike, for comparing two parses.
func shape(_ value: TOMLValue) -> String {
    switch value {
    case .float(let number) where number.isNaN: "f:nan"
    case .float(let number): "f:\(number.bitPattern)"
    case .string(let text): "s:" + TOMLText.quoted(text)
    case .integer(let number): "i:\(number)"
    case .boolean(let flag): "b:\(flag)"
    case .dateTime(let dateTime): "d:\(dateTime)"
    case .array(let elements): "[" + elements.map(shape).joined(separator: ",") + "]"
    case .table(let table):
        "{" + table.entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            .map { TOMLText.quoted($0.key) + ":" + shape($0.value) }.joined(separator: ",") + "}"
    }
}
