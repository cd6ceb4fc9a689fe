import FuzzSupport
import JSON

/// Bytes to ``JSONValue/parse(_:)``: every input either parses or throws a ``JSONParseError`` whose line and
/// column are inside the input; a parsed value was UTF-8 without a byte order mark, its ``serialized()`` form
/// parses to the same value and writes the same bytes again; ``integer(as:)`` agrees with the standard
/// library's integer parsing on every number in it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let value: JSONValue
    do {
        value = try JSONValue.parse(bytes)
    } catch {
        checkError(error, bytes)
        return 0
    }
    fuzzCheck(String(validating: bytes, as: UTF8.self) != nil, "accepted \(size) bytes that are not UTF-8")
    fuzzCheck(!bytes.starts(with: [0xEF, 0xBB, 0xBF]), "accepted a byte order mark")
    let written = value.serialized()
    do {
        let reread = try JSONValue.parse(written)
        fuzzCheck(reread == value, "the written value (\(written.count) bytes) parses to another value")
        fuzzCheck(reread.serialized() == written, "writing the reread value gives other bytes")
    } catch {
        fuzzCheck(false, "the written value (\(written.count) bytes) does not parse: \(error)")
    }
    checkNumbers(value)
    return 0
}

func checkError(_ error: JSONParseError, _ bytes: [UInt8]) {
    fuzzCheck(!error.message.isEmpty, "an error without a message")
    let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
    fuzzCheck((1...lines.count).contains(error.line), "error on line \(error.line) of a \(lines.count)-line input")
    let length = lines[min(max(error.line, 1), lines.count) - 1].count
    fuzzCheck(
        (1...length + 1).contains(error.column),
        "error at column \(error.column) of a line of \(length) bytes"
    )
}

/// Every number's ``JSONValue/integer(as:)`` against `Int64(_:)` and `UInt64(_:)`, which read the same digits.
func checkNumbers(_ value: JSONValue) {
    switch value {
    case .number(let literal):
        let isInteger = !literal.utf8.contains {
            $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E")
        }
        let signed = value.integer(as: Int64.self)
        let unsigned = value.integer(as: UInt64.self)
        let small = value.integer(as: Int8.self)
        guard isInteger else {
            fuzzCheck(
                signed == nil && unsigned == nil && small == nil,
                "a number with a fraction or exponent read as an integer"
            )
            return
        }
        fuzzCheck(signed == Int64(literal), "Int64 of a \(literal.utf8.count)-digit literal differs from Int64(_:)")
        fuzzCheck(small == signed.flatMap { Int8(exactly: $0) }, "Int8 of an integer differs from Int64's")
        if literal.hasPrefix("-") {
            fuzzCheck(unsigned == (signed == 0 ? 0 : nil), "UInt64 of a negative literal")
        } else {
            fuzzCheck(
                unsigned == UInt64(literal),
                "UInt64 of a \(literal.utf8.count)-digit literal differs from UInt64(_:)"
            )
        }
    case .array(let elements):
        elements.forEach(checkNumbers)
    case .object(let members):
        members.values.forEach(checkNumbers)
    case .null, .bool, .string:
        break
    }
}
