/// Reads BER tag-length-value elements (X.690) from untrusted bytes, as LDAP encodes them.
///
/// Only the definite forms LDAP uses: one-byte tags, lengths in short form or in up to 4 length bytes. Every
/// read is bounds-checked and fails with ``LDAPPingError`` instead of trapping.
struct BERReader {
    private let bytes: [UInt8]
    private(set) var offset: Int
    private let end: Int

    init(_ bytes: [UInt8]) {
        self.init(bytes, from: 0, to: bytes.count)
    }

    private init(_ bytes: [UInt8], from start: Int, to end: Int) {
        self.bytes = bytes
        self.offset = start
        self.end = end
    }

    var isAtEnd: Bool { offset >= end }

    /// The next element's tag, without consuming it.
    var nextTag: UInt8? { offset < end ? bytes[offset] : nil }

    /// Consumes one element and returns its tag and a reader over its contents.
    mutating func element() throws(LDAPPingError) -> (tag: UInt8, contents: BERReader) {
        guard offset < end else { throw Self.malformed("an element is missing at offset \(offset)") }
        let tag = bytes[offset]
        guard tag & 0x1F != 0x1F else { throw Self.malformed("multi-byte tag at offset \(offset)") }
        var position = offset + 1
        guard position < end else { throw Self.malformed("the length is missing at offset \(position)") }
        let first = bytes[position]
        position += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard (1...4).contains(count) else {
                throw Self.malformed("unsupported length form 0x\(String(first, radix: 16)) at offset \(position - 1)")
            }
            guard end - position >= count else { throw Self.malformed("the length runs past the end at offset \(position)") }
            for _ in 0..<count {
                length = length << 8 | Int(bytes[position])
                position += 1
            }
        }
        guard length <= end - position else {
            throw Self.malformed("an element of \(length) bytes at offset \(offset) runs past the end")
        }
        offset = position + length
        return (tag, BERReader(bytes, from: position, to: position + length))
    }

    /// Consumes one element that must have `tag`.
    mutating func element(tagged tag: UInt8, _ what: String) throws(LDAPPingError) -> BERReader {
        let start = offset
        let (found, contents) = try element()
        guard found == tag else {
            throw Self.malformed("expected \(what) (tag 0x\(String(tag, radix: 16))) at offset \(start), found tag 0x\(String(found, radix: 16))")
        }
        return contents
    }

    /// The remaining contents as bytes.
    var remainingBytes: [UInt8] { Array(bytes[offset..<end]) }

    /// An INTEGER or ENUMERATED of up to 4 content bytes, two's complement.
    mutating func integer(tagged tag: UInt8, _ what: String) throws(LDAPPingError) -> Int {
        let contents = try element(tagged: tag, what).remainingBytes
        guard (1...4).contains(contents.count) else { throw Self.malformed("\(what) has \(contents.count) bytes") }
        var value = contents[0] & 0x80 != 0 ? -1 : 0
        for byte in contents { value = value << 8 | Int(byte) }
        return value
    }

    /// An OCTET STRING's bytes.
    mutating func octetString(_ what: String) throws(LDAPPingError) -> [UInt8] {
        try element(tagged: 0x04, what).remainingBytes
    }

    private static func malformed(_ message: String) -> LDAPPingError {
        LDAPPingError(.malformedMessage, "malformed LDAP message: \(message)")
    }
}
