/// Reads a `msDS-ManagedPassword` value as an admin saves it: raw bytes, plain base64, or an LDIF line
/// `msDS-ManagedPassword:: <base64>` as `ldapsearch` prints it (folded lines included).
///
/// Works on bytes in ``SecretBytes`` scratch buffers only: no `String`, `Data` or array holds the text or
/// the decoded blob, so every intermediate copy is zeroed when it is released.
public enum ManagedPasswordAttribute {
    /// Why the input is not a blob in any accepted encoding.
    public struct DecodingError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The attribute value's bytes.
    public static func decode(_ input: SecretBytes) throws(DecodingError) -> SecretBytes {
        try input.withUnsafeBytes { (bytes) throws(DecodingError) -> SecretBytes in
            // A raw blob's header always holds NUL bytes (the reserved field, the high bytes of the offsets);
            // base64 or LDIF text never does. Raw input goes to the blob parser, which says what is wrong.
            if bytes.contains(0) { return input }
            guard isValidUTF8(bytes) else {
                throw DecodingError(message: "the input is neither a raw blob nor base64 text")
            }
            // Unfold LDIF continuation lines (a line starting with a space continues the previous one), keep
            // the base64 of the msDS-ManagedPassword line or of plain base64 lines, then decode it.
            var base64Count = 0
            let base64 = SecretBytes(count: bytes.count) { output in
                base64Count = collectBase64(bytes, into: output)
            }
            guard base64Count > 0 else {
                throw DecodingError(message: "no msDS-ManagedPassword value found in the text input")
            }
            return try base64.withUnsafeBytes { (text) throws(DecodingError) -> SecretBytes in
                try decodeBase64(UnsafeRawBufferPointer(rebasing: text[0..<base64Count]))
            }
        }
    }

    /// The attribute value's bytes, for callers that hold the input in an array (tests).
    public static func decode(_ input: [UInt8]) throws(DecodingError) -> [UInt8] {
        try decode(SecretBytes(input)).withUnsafeBytes { Array($0) }
    }

    private static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// Appends the base64 characters of the value lines to `output`; returns how many.
    ///
    /// A logical line (after unfolding) counts when it is `msDS-ManagedPassword:: value` (name in any
    /// case), or when it has no `:` and does not start with `#` (plain base64). Whitespace is dropped.
    private static func collectBase64(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        // Logical lines are unfolded into `line` first: a "::" may sit on either side of a fold.
        var written = 0
        let line = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        line.initialize(repeating: 0)
        defer {
            if let base = line.baseAddress { explicitZero(base, line.count) }
            line.deallocate()
        }
        var lineCount = 0
        var hasLine = false

        func finishLine() {
            guard hasLine else { return }
            defer {
                if let base = line.baseAddress { explicitZero(base, lineCount) }
                lineCount = 0
                hasLine = false
            }
            let text = UnsafeBufferPointer(rebasing: line[0..<lineCount])
            var valueStart: Int?
            if let colons = firstDoubleColon(text) {
                guard isManagedPasswordName(UnsafeBufferPointer(rebasing: text[0..<colons])) else { return }
                valueStart = colons + 2
            } else if !text.contains(UInt8(ascii: ":")), text.first != UInt8(ascii: "#") {
                valueStart = 0
            }
            guard let start = valueStart else { return }
            for byte in text[start...] where !isWhitespace(byte) {
                output[written] = byte
                written += 1
            }
        }

        var index = 0
        var atLineStart = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == 0x0B || byte == 0x0C {
                // "\r\n" is one line end.
                if byte == UInt8(ascii: "\r"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") { index += 1 }
                if atLineStart {
                    // An empty line is a line too (a continuation after it continues it, not the one before).
                    finishLine()
                    hasLine = true
                }
                atLineStart = true
                index += 1
                continue
            }
            if atLineStart {
                atLineStart = false
                if byte == UInt8(ascii: " "), hasLine {
                    index += 1  // continuation: drop the space, keep appending to the current line
                    continue
                }
                finishLine()
                hasLine = true
            }
            line[lineCount] = byte
            lineCount += 1
            index += 1
        }
        finishLine()
        return written
    }

    private static func firstDoubleColon(_ text: UnsafeBufferPointer<UInt8>) -> Int? {
        guard text.count >= 2 else { return nil }
        for index in 0..<(text.count - 1) where text[index] == UInt8(ascii: ":") && text[index + 1] == UInt8(ascii: ":") {
            return index
        }
        return nil
    }

    private static func isManagedPasswordName(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        let wanted = Array("msds-managedpassword".utf8)
        var trimmed = name[...]
        while let first = trimmed.first, isWhitespace(first) { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, isWhitespace(last) { trimmed = trimmed.dropLast() }
        guard trimmed.count == wanted.count else { return false }
        return zip(trimmed, wanted).allSatisfy { byte, expected in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 == expected : byte == expected
        }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
            || byte == 0x0B || byte == 0x0C
    }

    /// Standard base64 (RFC 4648 §4), padded to a multiple of 4 characters, as `ldapsearch` writes it.
    private static func decodeBase64(_ text: UnsafeRawBufferPointer) throws(DecodingError) -> SecretBytes {
        let invalid = DecodingError(message: "the text input is not valid base64")
        guard text.count % 4 == 0 else { throw invalid }
        var padding = 0
        if text.count >= 1, text[text.count - 1] == UInt8(ascii: "=") { padding += 1 }
        if text.count >= 2, text[text.count - 2] == UInt8(ascii: "=") { padding += 1 }
        let count = text.count / 4 * 3 - padding
        do {
            return try SecretBytes(count: count) { output in
                var written = 0
                var group: UInt32 = 0
                for (index, character) in text.enumerated() {
                    let value: UInt32
                    switch character {
                    case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(character - UInt8(ascii: "A"))
                    case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(character - UInt8(ascii: "a")) + 26
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(character - UInt8(ascii: "0")) + 52
                    case UInt8(ascii: "+"): value = 62
                    case UInt8(ascii: "/"): value = 63
                    case UInt8(ascii: "=") where index >= text.count - padding: value = 0
                    default: throw invalid
                    }
                    group = group << 6 | value
                    if index % 4 == 3 {
                        for shift in [16, 8, 0] where written < count {
                            output[written] = UInt8(truncatingIfNeeded: group >> UInt32(shift))
                            written += 1
                        }
                        group = 0
                    }
                }
            }
        } catch let error as DecodingError {
            throw error
        } catch {
            throw invalid
        }
    }

    private static func explicitZero(_ base: UnsafeMutablePointer<UInt8>, _ count: Int) {
        SecretBytes.zero(UnsafeMutableRawPointer(base), count)
    }
}
