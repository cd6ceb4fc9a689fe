import JSON
import Testing

@Suite struct JSONParserTests {
    func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try JSONValue.parse(Array(text.utf8))
    }

    /// The error for `bytes`, which must be rejected.
    func error(_ bytes: [UInt8]) throws -> JSONParseError {
        do {
            let value = try JSONValue.parse(bytes)
            Issue.record("accepted: \(String(decoding: value.serialized(), as: UTF8.self))")
        } catch {
            return error
        }
        throw CancellationError()
    }

    func error(_ text: String) throws -> JSONParseError {
        try error(Array(text.utf8))
    }

    // MARK: Values

    @Test func readsEveryKindOfValue() throws {
        let value = try parse(
            """
            {"n": null, "t": true, "f": false, "i": -12, "x": 1.5e-3, "s": "a\\"b",
             "a": [1, [], {}], "o": {"k": "v"}}
            """
        )
        #expect(
            value
                == .object([
                    "n": .null, "t": .bool(true), "f": .bool(false), "i": .number("-12"), "x": .number("1.5e-3"),
                    "s": .string("a\"b"), "a": .array([.number("1"), .array([]), .object([:])]),
                    "o": .object(["k": .string("v")]),
                ])
        )
    }

    @Test func readsAnyValueAtTheTopWithWhitespaceAround() throws {
        #expect(try parse(" \t\r\n null \r\n") == .null)
        #expect(try parse("\"x\"") == .string("x"))
        #expect(try parse("-0") == .number("-0"))
        #expect(try parse("[]") == .array([]))
    }

    @Test func keepsNumbersAsWritten() throws {
        let literals = ["0", "-0", "1E2", "1e+2", "-0.0e-0", "123456789012345678901234567890", "1e400", "0.10"]
        for literal in literals {
            #expect(try parse(literal) == .number(literal))
        }
        #expect(try parse("1.0") != parse("1"))
    }

    @Test func decodesEveryEscape() throws {
        #expect(try parse(#""\" \\ \/ \b \f \n \r \t""#) == .string("\" \\ / \u{08} \u{0C} \n \r \t"))
        #expect(try parse(#""\u00e9\u00C9\u20AC\uFFFF""#) == .string("\u{E9}\u{C9}\u{20AC}\u{FFFF}"))
    }

    @Test func combinesSurrogatePairs() throws {
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""\uD834\uDD1E x""#) == .string("\u{1D11E} x"))
        #expect(try parse(#""\udbff\udfff""#) == .string("\u{10FFFF}"))
    }

    @Test func keepsTheNullCharacter() throws {
        let value = try parse(#"{"\u0000": "a\u0000b"}"#)
        #expect(value == .object(["\u{0}": .string("a\u{0}b")]))
        #expect(value.object?["\u{0}"]?.string?.unicodeScalars.count == 3)
    }

    @Test func readsUTF8AsIs() throws {
        #expect(try parse("[\"é€😀\u{10FFFF}\u{7F}\u{2028}\"]") == .array([.string("é€😀\u{10FFFF}\u{7F}\u{2028}")]))
    }

    @Test func allowsTheSameKeyInDifferentObjects() throws {
        let value = try parse(#"[{"a": 1}, {"a": {"a": 2}}]"#)
        #expect(value == .array([.object(["a": .number("1")]), .object(["a": .object(["a": .number("2")])])]))
    }

    // MARK: What is rejected, and where

    struct Rejection: Sendable, CustomTestStringConvertible {
        let input: [UInt8]
        let line: Int
        let column: Int
        let message: String

        init(_ input: String, _ line: Int, _ column: Int, _ message: String) {
            self.init(Array(input.utf8), line, column, message)
        }

        init(_ input: [UInt8], _ line: Int, _ column: Int, _ message: String) {
            self.input = input
            self.line = line
            self.column = column
            self.message = message
        }

        var testDescription: String { String(decoding: input.prefix(40), as: UTF8.self).debugDescription }
    }

    static let rejections: [Rejection] = [
        // Empty input, a byte order mark, extensions of the grammar
        Rejection("", 1, 1, "expected a value, found the end of the input"),
        Rejection(" \n ", 2, 2, "expected a value, found the end of the input"),
        Rejection([0xEF, 0xBB, 0xBF, 0x7B, 0x7D], 1, 1, "a byte order mark (EF BB BF) at the start"),
        Rejection("// c\n1", 1, 1, "expected a value, found '/' (JSON has no comments)"),
        Rejection("[1 /* c */]", 1, 4, "expected ',' or ']' after an element of the array that opened at line 1"),
        Rejection("[1,]", 1, 4, "expected a value after ',', found ']' (no ',' after the last element)"),
        Rejection("{\"a\": 1,}", 1, 9, "expected a key in double quotes, found '}' (no ',' after the last member)"),
        Rejection("['a']", 1, 2, "expected a value, found ''' (strings are in double quotes)"),
        Rejection("{'a': 1}", 1, 2, "expected a key in double quotes, found ''' (strings are in double quotes)"),
        Rejection("{a: 1}", 1, 2, "expected a key in double quotes, found 'a'"),
        Rejection("NaN", 1, 1, "expected a value, found 'N' (JSON has no NaN or Infinity)"),
        Rejection("-Infinity", 1, 2, "expected a digit after '-', found 'I' (JSON has no NaN or Infinity)"),
        Rejection("True", 1, 1, "(the literals are true, false and null, in lower case; strings are in double quotes)"),
        Rejection("tru", 1, 4, "expected true, found the end of the input"),
        Rejection("[nul1]", 1, 5, "expected null, found '1'"),
        // Numbers
        Rejection("+1", 1, 1, "expected a value, found '+' (a number cannot start with '+')"),
        Rejection("01", 1, 2, "a number cannot have a leading zero"),
        Rejection("[-012]", 1, 4, "a number cannot have a leading zero"),
        Rejection(".5", 1, 1, "(a number needs a digit before its decimal point)"),
        Rejection("5.", 1, 3, "expected a digit after the decimal point, found the end of the input"),
        Rejection("1.e5", 1, 3, "expected a digit after the decimal point, found 'e'"),
        Rejection("1e+", 1, 4, "expected a digit in the exponent, found the end of the input"),
        Rejection("- 1", 1, 2, "expected a digit after '-', found a space"),
        Rejection("0x10", 1, 2, "'x' after the value; a JSON text holds exactly one value"),
        // Strings
        Rejection("\"abc", 1, 1, "unterminated string: no closing '\"' before the end of the input"),
        Rejection("[\"a\\", 1, 4, "unterminated string: '\\' at the end of the input"),
        Rejection("\"a\u{01}b\"", 1, 3, "control character U+0001 in a string; write it as an escape such as \\u0001"),
        Rejection("\"a\u{1F}b\"", 1, 3, "control character U+001F in a string; write it as an escape such as \\u001f"),
        Rejection("\"a\nb\"", 1, 3, "a line feed in a string; write it as an escape such as \\n"),
        Rejection("\"a\tb\"", 1, 3, "a tab in a string; write it as an escape such as \\t"),
        Rejection([0x22, 0x00, 0x22], 1, 2, "control character U+0000 in a string"),
        Rejection("\"\\x41\"", 1, 3, "\\x is not an escape; JSON has \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX"),
        Rejection("\"\\'\"", 1, 3, "\\' is not an escape"),
        Rejection("\"\\U0041\"", 1, 3, "\\U is not an escape"),
        Rejection("\"\\u12G4\"", 1, 6, "\\u needs four hexadecimal digits, found 'G'"),
        Rejection("\"\\u12\"", 1, 6, "\\u needs four hexadecimal digits, found '\"'"),
        Rejection("\"\\ud800\"", 1, 2, "lone surrogate \\uD800: a high surrogate needs a low one (\\uDC00 to \\uDFFF)"),
        Rejection("\"\\ud800abc\"", 1, 2, "lone surrogate \\uD800"),
        Rejection("\"\\udc00\\ud800\"", 1, 2, "lone surrogate \\uDC00: a low surrogate without a high one"),
        Rejection("\"\\ud800\\u0041\"", 1, 8, "\\u0041 after the high surrogate \\uD800 is not a low surrogate"),
        Rejection("{\"\\udfff\": 1}", 1, 3, "lone surrogate \\uDFFF"),
        // UTF-8
        Rejection([0x22, 0x80, 0x22], 1, 2, "invalid UTF-8 (byte 0x80); the input must be UTF-8"),
        Rejection([0x22, 0xC0, 0xAF, 0x22], 1, 2, "invalid UTF-8 (byte 0xC0)"),
        Rejection([0x22, 0xE0, 0x80, 0xAF, 0x22], 1, 2, "invalid UTF-8 (byte 0xE0)"),
        Rejection([0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], 1, 2, "invalid UTF-8 (byte 0xF0)"),
        Rejection([0x22, 0xED, 0xA0, 0x80, 0x22], 1, 2, "invalid UTF-8 (byte 0xED)"),
        Rejection([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1, 2, "invalid UTF-8 (byte 0xF4)"),
        Rejection([0x22, 0x61, 0xE2, 0x82, 0x22], 1, 3, "invalid UTF-8 (byte 0xE2)"),
        Rejection([0x22, 0xE2], 1, 2, "invalid UTF-8 (byte 0xE2)"),
        Rejection([0x5B, 0x31, 0x2C, 0x0A, 0xFF, 0x5D], 2, 1, "expected a value, found byte 0xFF, which is not UTF-8"),
        Rejection("é", 1, 1, "expected a value, found U+00E9 'é'"),
        Rejection("[1,\u{FEFF}2]", 1, 4, "expected a value, found U+FEFF"),
        Rejection("\u{A0}1", 1, 1, "expected a value, found U+00A0"),
        // Duplicate keys
        Rejection("{\"a\": 1, \"a\": 2}", 1, 10, "duplicate key \"a\""),
        Rejection("{\"a\": 1, \"\\u0061\": 2}", 1, 10, "duplicate key \"a\""),
        Rejection("{\"x\": {\"b\": 1,\n  \"b\": 2}}", 2, 3, "duplicate key \"b\""),
        Rejection("{\"\u{E9}\": 1, \"e\u{301}\": 2}", 1, 11, "duplicate key"),
        Rejection("{\"\\n\": 1, \"\\n\": 2}", 1, 11, "duplicate key \"\\n\""),
        // Structure
        Rejection("{\"a\" 1}", 1, 6, "expected ':' after the key \"a\", found '1'"),
        Rejection("{\"a\":}", 1, 6, "expected a value, found '}'"),
        Rejection("[1 2]", 1, 4, "expected ',' or ']' after an element of the array that opened at line 1, column 1"),
        Rejection("[1}", 1, 3, "expected ',' or ']'"),
        Rejection("{\"a\": 1]", 1, 8, "expected ',' or '}' after a member of the object that opened at line 1"),
        Rejection("[\n  [1,\n   2", 3, 5, "the array that opened at line 2, column 3, found the end of the input"),
        Rejection("[,1]", 1, 2, "expected a value, found ','"),
        Rejection("]", 1, 1, "expected a value, found ']'"),
        // After the value
        Rejection("1 2", 1, 3, "'2' after the value; a JSON text holds exactly one value"),
        Rejection("{}\n\n x", 3, 2, "'x' after the value"),
        Rejection("[]]", 1, 3, "']' after the value"),
        Rejection([0x31, 0x00], 1, 2, "control character U+0000 after the value"),
    ]

    @Test(arguments: rejections)
    func rejects(_ rejection: Rejection) throws {
        let error = try error(rejection.input)
        #expect(error.message.contains(rejection.message), "\(error)")
        #expect((error.line, error.column) == (rejection.line, rejection.column), "\(error)")
    }

    @Test func describesAnErrorWithItsPlace() throws {
        let error = try error("[1,\n  \"abc")
        #expect((error.line, error.column) == (2, 3))
        #expect(error.message == "unterminated string: no closing '\"' before the end of the input")
        #expect(
            error.description == "line 2, column 3: unterminated string: no closing '\"' before the end of the input"
        )
    }

    // MARK: Nesting

    @Test func nestsSixtyFourDeepButNotSixtyFive() throws {
        let arrays = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        let objects = String(repeating: "{\"a\":", count: 63) + "[1]" + String(repeating: "}", count: 63)
        var value = try parse(arrays)
        for _ in 0..<64 { value = try #require(value.array?.first ?? (value == .array([]) ? .null : nil)) }
        #expect(try parse(objects) != .null)

        let tooDeep = try error("[" + arrays + "]")
        #expect(tooDeep.message == "arrays and objects are nested more than 64 deep")
        #expect((tooDeep.line, tooDeep.column) == (1, 65))
        let tooDeepObjects = try error(
            String(repeating: "{\"a\":", count: 64) + "[1]" + String(repeating: "}", count: 64)
        )
        #expect((tooDeepObjects.line, tooDeepObjects.column) == (1, 64 * 5 + 1))
    }

    @Test func rejectsAHundredThousandBracketsQuickly() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let brackets = try error([UInt8](repeating: UInt8(ascii: "["), count: 100_000))
        let braces = try error(Array(String(repeating: "{\"a\":", count: 100_000).utf8))
        #expect(clock.now - start < .seconds(1))
        #expect((brackets.line, brackets.column) == (1, 65))
        #expect(brackets.message == "arrays and objects are nested more than 64 deep")
        #expect(braces.column == 64 * 5 + 1)
    }

    // MARK: Integers

    @Test func readsIntegersExactly() {
        #expect(JSONValue.number("9223372036854775807").integer(as: Int64.self) == .max)
        #expect(JSONValue.number("-9223372036854775808").integer(as: Int64.self) == .min)
        #expect(JSONValue.number("18446744073709551615").integer(as: UInt64.self) == .max)
        #expect(JSONValue.number("127").integer(as: Int8.self) == 127)
        #expect(JSONValue.number("-128").integer(as: Int8.self) == -128)
        #expect(JSONValue.number("0").integer(as: UInt8.self) == 0)
        #expect(JSONValue.number("-0").integer(as: Int.self) == 0)
        #expect(JSONValue.number("-0").integer(as: UInt32.self) == 0)
    }

    @Test func givesNilForWhatIsNoIntegerOfTheType() {
        #expect(JSONValue.number("9223372036854775808").integer(as: Int64.self) == nil)
        #expect(JSONValue.number("-9223372036854775809").integer(as: Int64.self) == nil)
        #expect(JSONValue.number("18446744073709551616").integer(as: UInt64.self) == nil)
        #expect(JSONValue.number("123456789012345678901234567890").integer(as: Int64.self) == nil)
        #expect(JSONValue.number("-123456789012345678901234567890").integer(as: UInt64.self) == nil)
        #expect(JSONValue.number("128").integer(as: Int8.self) == nil)
        #expect(JSONValue.number("-1").integer(as: UInt64.self) == nil)
        #expect(JSONValue.number("1.0").integer(as: Int.self) == nil)
        #expect(JSONValue.number("1e2").integer(as: Int.self) == nil)
        #expect(JSONValue.number("1E2").integer(as: Int.self) == nil)
        // Not from the parser, which rejects them, but a .number can be made with any text.
        for text in ["", "-", "01", "+1", " 1", "1 ", "0x10", "--1", "1_000"] {
            #expect(JSONValue.number(text).integer(as: Int.self) == nil, "\(text)")
        }
        #expect(JSONValue.string("1").integer(as: Int.self) == nil)
        #expect(JSONValue.bool(true).integer(as: Int.self) == nil)
        #expect(JSONValue.null.integer(as: Int.self) == nil)
    }

    @Test func writesIntegersInDecimal() throws {
        #expect(JSONValue.integer(Int64.min) == .number("-9223372036854775808"))
        #expect(JSONValue.integer(UInt64.max) == .number("18446744073709551615"))
        #expect(JSONValue.integer(0) == .number("0"))
        for value: Int64 in [.min, -1, 0, 1, .max] {
            #expect(try JSONValue.parse(JSONValue.integer(value).serialized()).integer(as: Int64.self) == value)
        }
    }

    @Test func givesNilOnATypeMismatch() {
        let values: [JSONValue] = [.null, .bool(true), .number("1"), .string("s"), .array([]), .object([:])]
        #expect(values.map(\.string) == [nil, nil, nil, "s", nil, nil])
        #expect(values.map(\.bool) == [nil, true, nil, nil, nil, nil])
        #expect(values.map(\.array) == [nil, nil, nil, nil, [], nil])
        #expect(values.map(\.object) == [nil, nil, nil, nil, nil, [:]])
    }

    // MARK: Writing

    @Test func writesPrettyWithSortedKeys() {
        let value = JSONValue.object([
            "b": .array([.integer(1), .array([]), .object([:]), .null]),
            "a": .object(["y": .bool(false), "x": .string("é/\u{7F}")]),
            "B": .number("-1.5e3"),
            "": .bool(true),
        ])
        let expected = """
            {
              "": true,
              "B": -1.5e3,
              "a": {
                "x": "é/\u{7F}",
                "y": false
              },
              "b": [
                1,
                [],
                {},
                null
              ]
            }

            """
        #expect(String(decoding: value.serialized(), as: UTF8.self) == expected)
        #expect(value.serialized() == Array(expected.utf8))
    }

    /// By UTF-8 bytes: a prefix first, and a non-ASCII key after every ASCII one.
    @Test func sortsKeysByTheirUTF8Bytes() {
        let value = JSONValue.object(["é": .null, "z": .null, "ab": .null, "a": .null, "Z": .null])
        let text = String(decoding: value.serialized(), as: UTF8.self)
        #expect(text == "{\n  \"Z\": null,\n  \"a\": null,\n  \"ab\": null,\n  \"z\": null,\n  \"é\": null\n}\n", "\(text)")
    }

    @Test func writesScalarsAndEmptiesOnOneLine() {
        #expect(JSONValue.null.serialized() == Array("null\n".utf8))
        #expect(JSONValue.array([]).serialized() == Array("[]\n".utf8))
        #expect(JSONValue.object([:]).serialized() == Array("{}\n".utf8))
        #expect(JSONValue.string("").serialized() == Array("\"\"\n".utf8))
    }

    @Test func escapesQuotesBackslashesAndControlCharacters() {
        let value = JSONValue.string("\"\\\u{08}\u{0C}\n\r\t\u{0}\u{1}\u{1F} /😀")
        #expect(String(decoding: value.serialized(), as: UTF8.self) == #""\"\\\b\f\n\r\t\u0000\u0001\u001f /😀""# + "\n")
        #expect(
            String(decoding: JSONValue.object(["\n": .null]).serialized(), as: UTF8.self) == "{\n  \"\\n\": null\n}\n"
        )
    }

    @Test func roundTripsAStateDocument() throws {
        let text = """
            {"version":1,"accounts":{"msa-web$":{"keytab":"/var/lib/gmsa-keytabd/web.keytab","keyVersion":4,
            "keytabKeyVersions":[4,3],"passwordLastSet":134077536000000000,"retainedUntil":{"3":"2026-11-20T20:00:00Z"},
            "keytabFingerprint":{"device":2049,"inode":131077,"modifiedNanoseconds":123456789,"size":342},
            "servicePrincipalNames":["HTTP/web.company.test","HTTP/web"],"consecutiveFailures":0},
            "msa-db$":{"keytab":"/var/lib/gmsa-keytabd/db.keytab","keytabKeyVersions":[],"retainedUntil":{},
            "lastError":"cannot reach \\"dc1\\"\\n\\u0001","consecutiveFailures":-2}}}
            """
        let value = try parse(text)
        let written = value.serialized()
        #expect(try JSONValue.parse(written) == value)
        #expect(try JSONValue.parse(written).serialized() == written)
        let web = value.object?["accounts"]?.object?["msa-web$"]?.object
        #expect(web?["passwordLastSet"]?.integer(as: Int64.self) == 134_077_536_000_000_000)
        #expect(web?["keytabKeyVersions"]?.array?.compactMap { $0.integer(as: UInt32.self) } == [4, 3])
        #expect(
            value.object?["accounts"]?.object?["msa-db$"]?.object?["consecutiveFailures"]?.integer(as: Int.self) == -2
        )
        #expect(
            value.object?["accounts"]?.object?["msa-db$"]?.object?["lastError"]?.string == "cannot reach \"dc1\"\n\u{1}"
        )
    }

    @Test func roundTripsFiveHundredAccounts() throws {
        var accounts: [String: JSONValue] = [:]
        for number in 0..<500 {
            accounts["msa-\(number)$"] = .object([
                "keytab": .string("/var/lib/gmsa-keytabd/\(number).keytab"),
                "keytabKeyVersions": .array([.integer(number + 1), .integer(number)]),
                "passwordLastSet": .integer(Int64(134_077_536_000_000_000) + Int64(number)),
                "retainedUntil": .object(["\(number)": .string("2026-11-20T20:00:00Z")]),
                "servicePrincipalNames": .array([
                    .string("HTTP/web\(number).company.test"), .string("HTTP/web\(number)"),
                ]),
            ])
        }
        let value = JSONValue.object(["version": .integer(1), "accounts": .object(accounts)])
        let written = value.serialized()
        #expect(written.count > 100_000)
        #expect(try JSONValue.parse(written) == value)
    }
}
