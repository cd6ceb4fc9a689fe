import TOML
import Testing

@Suite struct TOMLParserTests {
    func parse(_ text: String) throws(TOMLParseError) -> TOMLTable {
        try TOMLParser().parse(text)
    }

    /// The error for `text`, which must be rejected.
    func error(_ text: String) throws -> TOMLParseError {
        do {
            _ = try parse(text)
        } catch {
            return error
        }
        Issue.record("accepted:\n\(text)")
        throw CancellationError()
    }

    @Test func readsTheSpecificationsExample() throws {
        let document = try parse(
            """
            # This is a TOML document
            title = "TOML Example"

            [owner]
            name = "Tom Preston-Werner"
            dob = 1979-05-27T07:32:00-08:00

            [database]
            enabled = true
            ports = [ 8000, 8001, 8002 ]
            data = [ ["delta", "phi"], [3.14] ]
            temp_targets = { cpu = 79.5, case = 72.0 }

            [servers.alpha]
            ip = "10.0.0.1"
            """)
        #expect(document["title"] == .string("TOML Example"))
        guard case .table(let owner) = document["owner"], case .table(let database) = document["database"] else {
            Issue.record("no [owner] or [database]")
            return
        }
        let dob = TOMLDateTime(
            date: .init(year: 1979, month: 5, day: 27), time: .init(hour: 7, minute: 32, second: 0, nanosecond: 0),
            offsetMinutes: -480)
        #expect(owner["dob"] == .dateTime(dob))
        #expect(dob.description == "1979-05-27T07:32:00-08:00")
        #expect(database["ports"] == .array([.integer(8000), .integer(8001), .integer(8002)]))
        #expect(database["data"] == .array([.array([.string("delta"), .string("phi")]), .array([.float(3.14)])]))
        var targets = TOMLTable()
        targets.insert(.float(72.0), forKey: "case", at: TOMLPosition(line: 1, column: 1))
        targets.insert(.float(79.5), forKey: "cpu", at: TOMLPosition(line: 1, column: 1))
        #expect(database["temp_targets"] == .table(targets))
        #expect(document.entry(forKey: "owner")?.position == TOMLPosition(line: 4, column: 1))
        #expect(owner.entry(forKey: "dob")?.position == TOMLPosition(line: 6, column: 1))
    }

    @Test func readsEveryKindOfNumber() throws {
        let document = try parse(
            """
            a = +99
            c = 0xdead_BEEF
            d = 0o755
            e = 0b1101
            f = 9_223_372_036_854_775_807
            g = -9223372036854775808
            h = 6.626e-34
            i = -inf
            j = nan
            k = 1e1_0
            """)
        #expect(document["a"] == .integer(99))
        #expect(document["c"] == .integer(0xDEAD_BEEF))
        #expect(document["d"] == .integer(0o755))
        #expect(document["e"] == .integer(13))
        #expect(document["f"] == .integer(.max))
        #expect(document["g"] == .integer(.min))
        #expect(document["h"] == .float(6.626e-34))
        #expect(document["i"] == .float(-.infinity))
        guard case .float(let nan) = document["j"] else { throw CancellationError() }
        #expect(nan.isNaN)
        #expect(document["k"] == .float(1e10))
    }

    @Test func readsStringsWithEveryEscape() throws {
        let document = try parse(
            #"""
            basic = "\b\t\n\f\r\"\\\u00E9\U0001F600"
            literal = 'C:\Users\x'
            multi = """
            one \
                two
            three""""
            raw = '''
            a ''b'' '''
            """#)
        #expect(document["basic"] == .string("\u{08}\t\n\u{0C}\r\"\\é😀"))
        #expect(document["literal"] == .string(#"C:\Users\x"#))
        #expect(document["multi"] == .string("one two\nthree\""))
        #expect(document["raw"] == .string("a ''b'' "))
        #expect(try parse("s = \"\"\"\r\na\r\nb\"\"\"\r\n")["s"] == .string("a\nb"))
    }

    @Test func keysAreComparedAsScalarsNotByCanonicalEquivalence() throws {
        let document = try parse("\"\u{E9}\" = 1\n\"e\u{301}\" = 2\n")
        #expect(document.count == 2)
    }

    @Test func readsTablesAndArraysOfTables() throws {
        let document = try parse(
            """
            [[fruits]]
            name = "apple"
            [fruits.physical]
            color = "red"
            [[fruits.varieties]]
            name = "red delicious"
            [[fruits]]
            name = "banana"
            [a.b.c]
            [a]
            d.e = 1
            """)
        guard case .array(let fruits) = document["fruits"], fruits.count == 2, case .table(let apple) = fruits[0],
            case .table(let banana) = fruits[1]
        else {
            Issue.record("fruits is not two tables: \(String(describing: document["fruits"]))")
            return
        }
        #expect(apple.position.line == 1 && banana.position.line == 7)
        #expect(apple["varieties"] == .array([.table(try parse("name = \"red delicious\""))]))
        #expect(banana["name"] == .string("banana"))
        #expect(document.entry(forKey: "a")?.position.line == 10)
    }

    /// Each class of error, with the line and column it points at.
    @Test(arguments: [
        ("a = 1\nb = 2\na = 3\n", 3, 1, TOMLParseError.Code.redefinition, "the key a is defined twice (first on line 1)"),
        ("[t]\nx = 1\n[t]\n", 3, 2, .redefinition, "table [t] is defined twice (first on line 1)"),
        ("[t]\na.b = 1\n[t.a]\n", 3, 4, .redefinition, "table [t.a] is defined twice"),
        ("a = {b = 1}\na.c = 2\n", 2, 1, .redefinition, "a is already an inline table"),
        ("a = [1]\n[[a]]\n", 2, 3, .redefinition, "a list given with '= [...]'"),
        ("[[a]]\n[a]\n", 2, 2, .redefinition, "a is an array of tables (line 1): add to it with [[a]]"),
        ("x = 9223372036854775808\n", 1, 5, .invalidValue, "does not fit in 64 bits"),
        ("x = 0x1_0000_0000_0000_0000\n", 1, 5, .invalidValue, "does not fit in 64 bits"),
        ("x = 1__0\n", 1, 5, .invalidSyntax, "each '_' must stand between two digits"),
        ("x = 012\n", 1, 5, .invalidSyntax, "cannot start with 0"),
        ("x = 1979-02-30\n", 1, 5, .invalidValue, "month 2 of 1979 has 28 days"),
        ("x = \"a\u{01}\"\n", 1, 7, .invalidCharacter, "control character U+0001"),
        ("# \u{7F}\n", 1, 3, .invalidCharacter, "control character U+007F in a comment"),
        ("x = \"\\q\"\n", 1, 6, .invalidSyntax, "\\q is not an escape"),
        ("x = \"\\uD800\"\n", 1, 6, .invalidValue, "not a Unicode scalar value"),
        ("x = \"abc\ny = 1\n", 1, 9, .invalidSyntax, "not closed on its line"),
        ("x = \"\"\"abc\n\n", 1, 5, .invalidSyntax, "expected \"\"\" before the end of the file"),
        ("x = [1, 2\n", 2, 1, .invalidSyntax, "the list opened on line 1 needs a ']'"),
        ("x = [1 2]\n", 1, 8, .invalidSyntax, "expected ',' or ']'"),
        ("x = {a = 1,}\n", 1, 12, .invalidSyntax, "no ',' after the last key"),
        ("x = {a = 1,\nb = 2}\n", 1, 12, .invalidSyntax, "an inline table is on one line"),
        ("x = 1 y = 2\n", 1, 7, .invalidSyntax, "expected a new line after a key's value, found 'y'"),
        ("x\n", 1, 2, .invalidSyntax, "expected '=' after the key x, found the end of the line"),
        ("é = 1\n", 1, 1, .invalidSyntax, "expected a key"),
        ("x = hello\n", 1, 5, .invalidSyntax, "expected a value"),
        ("x = 12abc\n", 1, 5, .invalidSyntax, "'12abc' is not a number: 'a' is not a decimal digit"),
        ("x = 1\r2\n", 1, 6, .invalidSyntax, "expected a new line"),
        ("[a\n", 1, 3, .invalidSyntax, "expected '.' or ']' after the table name"),
        ("[[a]\n", 1, 4, .invalidSyntax, "expected '.' or ']]'"),
        ("ab = \"ü\" ü\n", 1, 10, .invalidSyntax, "found U+00FC 'ü'"),
    ])
    func anErrorSaysWhereAndWhat(text: String, line: Int, column: Int, code: TOMLParseError.Code, message: String) throws {
        let error = try error(text)
        #expect(error.code == code, "\(error)")
        #expect(error.line == line && error.column == column, "\(error)")
        #expect(error.message.contains(message), "\(error)")
        #expect(error.description.hasPrefix("line \(line), column \(column): "))
    }

    /// These made toml++ (in TOMLKit, before this parser) fail an `assert` and abort the process; found by
    /// fuzz/ (fuzz-config), once kept away from it by ConfigurationPrecheck. Each is an error on its line.
    @Test(arguments: [
        ("[.host]\n", "table header needs a name"), ("[=\n", "table header needs a name"),
        ("[ #\n", "table header needs a name"), ("[[.account]]\n", "table header needs a name"),
        ("[[ é]]\n", "table header needs a name"), ("[\r\n", "table header needs a name"),
        ("\t[}", "table header needs a name"), ("[", "table header needs a name"),
        ("x = 1979-05-27T:00\n", "a time is written HH:MM:SS"), ("x = [1, 1979-06-27 5]\n", "a time is written HH:MM:SS"),
        ("x = [1,}\n", "'}' where a list"), ("x = { y = [ } }\n", "'}' where a list"),
    ])
    func inputThatAbortedTOMLKitIsAnErrorOnItsLine(line: String, problem: String) throws {
        let error = try error("[domain]\nrealm = \"A.TEST\"\n" + line)
        #expect(error.line == 3, "\(error)")
        #expect(error.message.contains(problem), "\(error)")
    }

    @Test func datesAndTimesAreValues() throws {
        let document = try parse("a = 1979-05-27T07:32:00Z\nb = 07:32:00.25\nc = 1979-05-27\nd = 1979-05-27 07:32:00.123456789123")
        #expect(document["a"].map { "\($0)" } == "dateTime(1979-05-27T07:32:00Z)")
        #expect(document["b"].map { "\($0)" } == "dateTime(07:32:00.25)")
        #expect(document["c"].map { "\($0)" } == "dateTime(1979-05-27)")
        #expect(document["d"].map { "\($0)" } == "dateTime(1979-05-27T07:32:00.123456789)")
    }

    @Test func nestingIsLimitedWithAnError() throws {
        let deep = "x = " + String(repeating: "[", count: 100_000)
        #expect(try error(deep).code == .tooDeep)
        let inline = "x = " + String(repeating: "{a=", count: 100_000)
        #expect(try error(inline).code == .tooDeep)
        let dotted = "x" + String(repeating: ".x", count: 100_000) + " = 1"
        #expect(try error(dotted).code == .tooDeep)
        let header = "[" + String(repeating: "x.", count: 100_000) + "x]"
        #expect(try error(header).code == .tooDeep)
        #expect(try parse("x = " + String(repeating: "[", count: 60) + String(repeating: "]", count: 60)).count == 1)
    }

    @Test func theBytesMustBeUTF8() throws {
        do {
            _ = try TOMLParser().parse(bytes: Array("a = \"x".utf8) + [0xC3, 0x28] + Array("\"\n".utf8))
            Issue.record("invalid UTF-8 was accepted")
        } catch {
            #expect(error.code == .invalidCharacter && error.line == 1 && error.column == 7, "\(error)")
        }
        #expect(try TOMLParser().parse(bytes: [0xEF, 0xBB, 0xBF] + Array("a = 1".utf8))["a"] == .integer(1))
    }

    /// Linear time: a megabyte of keys, lists and strings on one line and on many parses in well under a second.
    @Test func largeInputsParseQuickly() throws {
        let keys = (0..<20_000).map { "k\($0) = [\"\(String(repeating: "v", count: 20))\", 1, 2.5]" }
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try parse(keys.joined(separator: "\n")).count == 20_000)
        #expect(try parse("x = {" + keys.joined(separator: ", ") + "}")["x"] != nil)
        let tables = (0..<5_000).map { "[[t]]\na.b = \($0)" }.joined(separator: "\n")
        #expect(try parse(tables)["t"] != nil)
        let elapsed = clock.now - start
        #expect(elapsed < .seconds(10))
    }
}
