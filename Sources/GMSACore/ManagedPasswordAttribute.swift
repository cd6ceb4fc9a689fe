import Foundation

/// Reads a `msDS-ManagedPassword` value as an admin saves it: raw bytes, plain base64, or an LDIF line
/// `msDS-ManagedPassword:: <base64>` as `ldapsearch` prints it (folded lines included).
public enum ManagedPasswordAttribute {
    /// Why the input is not a blob in any accepted encoding.
    public struct DecodingError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The attribute value's bytes.
    public static func decode(_ input: [UInt8]) throws(DecodingError) -> [UInt8] {
        // A raw blob's header always holds NUL bytes (the reserved field, the high bytes of the offsets);
        // base64 or LDIF text never does. Raw input goes to the blob parser, which says what is wrong with it.
        if input.contains(0) {
            return input
        }
        guard let text = String(validating: input, as: UTF8.self) else {
            throw DecodingError(message: "the input is neither a raw blob nor base64 text")
        }
        var lines: [Substring] = []
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if line.hasPrefix(" "), !lines.isEmpty {
                lines[lines.count - 1] += line.dropFirst()  // LDIF continuation line
            } else {
                lines.append(line)
            }
        }
        let candidates = lines.compactMap { line -> Substring? in
            if let range = line.range(of: "::") {
                let name = line[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                return name.caseInsensitiveCompare("msDS-ManagedPassword") == .orderedSame ? line[range.upperBound...] : nil
            }
            return line.contains(":") || line.hasPrefix("#") ? nil : line
        }
        let base64 = candidates.joined().filter { !$0.isWhitespace }
        guard !base64.isEmpty else {
            throw DecodingError(message: "no msDS-ManagedPassword value found in the text input")
        }
        guard let data = Data(base64Encoded: base64) else {
            throw DecodingError(message: "the text input is not valid base64")
        }
        return [UInt8](data)
    }
}
