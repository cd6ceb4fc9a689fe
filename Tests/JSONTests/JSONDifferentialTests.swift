import Foundation
import Testing

@testable import JSON

/// The parser and writer against Python's json module made strict, over Tests/JSONCorpus (made by its
/// generate.py): a valid document parses to the value Python read, which ``JSONValue/serialized()`` writes
/// byte for byte as Python's canonical form; an invalid one is an error at a place inside the document.
@Suite struct JSONDifferentialTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../JSONCorpus").standardized

    static func files(_ kind: String) -> [String] {
        let directory = corpus.appendingPathComponent(kind)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".expected.json") }.sorted()
            .map { directory.appendingPathComponent($0).path }
    }

    static func read(_ path: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func theCorpusIsThere() {
        #expect(Self.files("valid").count >= 30)
        #expect(Self.files("invalid").count >= 100)
    }

    @Test(arguments: files("valid"))
    func aValidDocumentGivesPythonsValue(path: String) throws {
        let value = try JSONValue.parse(Self.read(path))
        let expected = try Self.read(path.replacingOccurrences(of: ".json", with: ".expected.json"))
        let written = value.serialized()
        #expect(written == expected, "\(String(decoding: written.prefix(400), as: UTF8.self))")
        #expect(try JSONValue.parse(expected) == value)
    }

    @Test(arguments: files("invalid"))
    func anInvalidDocumentIsAnErrorWithItsPlace(path: String) throws {
        let bytes = try Self.read(path)
        do {
            let value = try JSONValue.parse(bytes)
            Issue.record("accepted: \(String(decoding: value.serialized().prefix(200), as: UTF8.self))")
        } catch {
            let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            #expect((1...lines.count).contains(error.line), "\(error)")
            if (1...lines.count).contains(error.line) {
                #expect((1...lines[error.line - 1].count + 1).contains(error.column), "\(error)")
            }
            #expect(!error.message.isEmpty)
        }
    }
}
