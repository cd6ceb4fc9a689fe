import Foundation
import Testing

@testable import TOML

/// The parser against Python's tomllib over Tests/TOMLCorpus (made by its generate.py): a valid document
/// gives the same value tree as tomllib's, an invalid one an error with a line inside the document.
@Suite struct TOMLDifferentialTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../TOMLCorpus").standardized

    static func files(_ kind: String) -> [String] {
        let directory = corpus.appendingPathComponent(kind)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".toml") }.sorted().map { directory.appendingPathComponent($0).path }
    }

    @Test func theCorpusIsThere() {
        #expect(Self.files("valid").count >= 70)
        #expect(Self.files("invalid").count >= 140)
    }

    @Test(arguments: files("valid"))
    func aValidDocumentGivesTomllibsTree(path: String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let expected = try String(contentsOfFile: path.replacingOccurrences(of: ".toml", with: ".expected"), encoding: .utf8)
        let document = try TOMLParser().parse(bytes: bytes)
        #expect(Self.canonical(.table(document)) + "\n" == expected)
    }

    @Test(arguments: files("invalid"))
    func anInvalidDocumentIsAnErrorWithItsPlace(path: String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        do {
            let document = try TOMLParser().parse(bytes: bytes)
            Issue.record("accepted: \(Self.canonical(.table(document)).prefix(200))")
        } catch {
            let lines = bytes.count { $0 == 0x0A } + 1
            #expect((1...lines).contains(error.line), "\(error)")
            #expect(error.column >= 1, "\(error)")
            #expect(!error.message.isEmpty)
        }
    }

    /// The canonical form generate.py writes (see there).
    static func canonical(_ value: TOMLValue) -> String {
        func escape(_ text: String) -> String {
            var out = ""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\\": out += "\\\\"
                case "\"": out += "\\\""
                case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out
        }
        func pad(_ value: Int, _ count: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, count - text.count)) + text
        }
        switch value {
        case .string(let text):
            return "\"\(escape(text))\""
        case .integer(let number):
            return "i:\(number)"
        case .float(let number):
            if number.isNaN { return "f:nan" }
            if number.isInfinite { return number > 0 ? "f:inf" : "f:-inf" }
            let hex = String(number.bitPattern, radix: 16)
            return "f:" + String(repeating: "0", count: 16 - hex.count) + hex
        case .boolean(let flag):
            return flag ? "b:true" : "b:false"
        case .dateTime(let dateTime):
            let date = dateTime.date.map { "\(pad($0.year, 4))-\(pad($0.month, 2))-\(pad($0.day, 2))" }
            let time = dateTime.time.map {
                "\(pad($0.hour, 2)):\(pad($0.minute, 2)):\(pad($0.second, 2)).\(pad($0.nanosecond / 1000, 6))"
            }
            switch (date, time, dateTime.offsetMinutes) {
            case (let date?, let time?, let offset?): return "odt:\(date)T\(time)@\(offset)"
            case (let date?, let time?, nil): return "ldt:\(date)T\(time)"
            case (let date?, nil, _): return "ld:\(date)"
            case (nil, let time?, _): return "lt:\(time)"
            case (nil, nil, _): return "?"
            }
        case .array(let elements):
            return "[" + elements.map(canonical).joined(separator: ",") + "]"
        case .table(let table):
            let entries = table.entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            return "{" + entries.map { "\"\(escape($0.key))\":\(canonical($0.value))" }.joined(separator: ",") + "}"
        }
    }
}
