import TOML
import Testing

/// Text as TOML writes it; what the parser reads back is the text.
@Suite struct TOMLTextTests {
    @Test func keysAreBareWhenTheyCanBe() {
        #expect(TOMLText.key("realm") == "realm")
        #expect(TOMLText.key("on_change-2") == "on_change-2")
        #expect(TOMLText.key("") == "\"\"")
        #expect(TOMLText.key("a b") == "\"a b\"")
        #expect(TOMLText.key("a.b") == "\"a.b\"")
        #expect(TOMLText.key("ü") == "\"ü\"")
    }

    @Test(arguments: ["", "plain", "quote \" and backslash \\", "tab\tnew\nline\u{7F}\u{1}", "ü ✓"])
    func quotedTextParsesBackToItself(_ text: String) throws {
        let document = try TOMLParser().parse("k = \(TOMLText.quoted(text))\n")
        guard case .string(let read)? = document.entry(forKey: "k")?.value else {
            Issue.record("not a string")
            return
        }
        #expect(read == text)
    }
}
