/// Strict UTF-8, for the parsers of outside input (TOML, JSON) that work on bytes.
public enum UTF8Scalar {
    /// The length of the UTF-8 sequence at `offset` in `bytes` when it encodes a Unicode scalar (no overlong
    /// form, no surrogate, nothing above U+10FFFF, not cut short); nil otherwise.
    public static func sequenceLength(in bytes: [UInt8], at offset: Int) -> Int? {
        let lead = bytes[offset]
        if lead < 0x80 { return 1 }
        let length: Int
        var lowest: UInt8 = 0x80
        var highest: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: (length, lowest) = (3, 0xA0)
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: (length, highest) = (3, 0x9F)
        case 0xF0: (length, lowest) = (4, 0x90)
        case 0xF1...0xF3: length = 4
        case 0xF4: (length, highest) = (4, 0x8F)
        default: return nil
        }
        guard length <= bytes.count - offset else { return nil }
        for next in 1..<length {
            let (low, high) = next == 1 ? (lowest, highest) : (0x80, 0xBF)
            guard (low...high).contains(bytes[offset + next]) else { return nil }
        }
        return length
    }
}
