/// One gMSA password as the DC hands it out: UTF-16LE code units, not necessarily valid UTF-16.
///
/// Real passwords are 256 bytes and contain lone surrogates (docs/protocol.md §1 "The blob"), so they must never go
/// through a UTF-16 decoder that rejects or repairs them silently. RC4 keys are computed from
/// ``utf16LittleEndian`` as is; AES keys from ``mungedUTF8()``.
public struct ManagedPassword: Sendable, Equatable, CustomStringConvertible {
    /// The raw UTF-16LE bytes without the terminator.
    public let utf16LittleEndian: SecretBytes

    /// Wraps raw UTF-16LE bytes. The byte count must be even.
    public init(utf16LittleEndian: SecretBytes) {
        precondition(utf16LittleEndian.count % 2 == 0, "UTF-16 password with an odd byte count")
        self.utf16LittleEndian = utf16LittleEndian
    }

    /// The password in UTF-8 by Samba's UTF-16 "munged" rule (docs/protocol.md §2 "Password to keys"), as Windows uses it for
    /// AES string-to-key: NUL becomes U+0001, every unpaired surrogate becomes one U+FFFD, valid pairs
    /// become 4-byte sequences; no normalization.
    public func mungedUTF8() -> SecretBytes {
        utf16LittleEndian.withUnsafeBytes { raw in
            let unitCount = raw.count / 2
            // Worst case 3 bytes per code unit (a pair takes 4 bytes for 2 units).
            // Scratch outside any array, zeroed with explicit_bzero (stores into an array about to be freed
            // may be dropped by the optimiser).
            let output = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(unitCount * 3, 1))
            output.initialize(repeating: 0)
            defer {
                SecretBytes.zero(UnsafeMutableRawPointer(output.baseAddress!), output.count)
                output.deallocate()
            }
            var written = 0
            func unit(_ index: Int) -> UInt16 {
                UInt16(raw[2 * index]) | UInt16(raw[2 * index + 1]) << 8
            }
            func append(scalar value: UInt32) {
                switch value {
                case 0..<0x80:
                    output[written] = UInt8(value)
                    written += 1
                case 0x80..<0x800:
                    output[written] = UInt8(0xC0 | (value >> 6))
                    output[written + 1] = UInt8(0x80 | (value & 0x3F))
                    written += 2
                case 0x800..<0x10000:
                    output[written] = UInt8(0xE0 | (value >> 12))
                    output[written + 1] = UInt8(0x80 | ((value >> 6) & 0x3F))
                    output[written + 2] = UInt8(0x80 | (value & 0x3F))
                    written += 3
                default:
                    output[written] = UInt8(0xF0 | (value >> 18))
                    output[written + 1] = UInt8(0x80 | ((value >> 12) & 0x3F))
                    output[written + 2] = UInt8(0x80 | ((value >> 6) & 0x3F))
                    output[written + 3] = UInt8(0x80 | (value & 0x3F))
                    written += 4
                }
            }
            var index = 0
            while index < unitCount {
                let current = unit(index)
                switch current {
                case 0x0000:
                    append(scalar: 0x0001)
                    index += 1
                case 0xD800...0xDBFF:
                    if index + 1 < unitCount, case 0xDC00...0xDFFF = unit(index + 1) {
                        let low = unit(index + 1)
                        let scalar = 0x10000 + ((UInt32(current) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        append(scalar: scalar)
                        index += 2
                    } else {
                        append(scalar: 0xFFFD)
                        index += 1
                    }
                case 0xDC00...0xDFFF:
                    append(scalar: 0xFFFD)
                    index += 1
                default:
                    append(scalar: UInt32(current))
                    index += 1
                }
            }
            return SecretBytes(UnsafeBufferPointer(rebasing: output[0..<written]))
        }
    }

    public var description: String { "<password: \(utf16LittleEndian.count) bytes>" }
}
