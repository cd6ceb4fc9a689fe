/// A DC's answer to an LDAP ping: `NETLOGON_SAM_LOGON_RESPONSE_EX` (MS-ADTS 6.3.1.9).
///
/// Little-endian opcode, a reserved word, the DC's flags and the domain GUID, then eight DNS-format names
/// (RFC 1035 labels, compressed with pointers counted from the start of this structure). The names this
/// daemon uses are ``clientSiteName`` (the site of the address the DC saw the ping come from, mapped
/// through the forest's subnets; empty when no subnet covers it) and ``dcSiteName``. Parsing is strict about
/// bounds and never traps: see docs/protocol.md §6 "The LDAP ping".
public struct NetlogonResponse: Sendable, Equatable {
    /// `LOGON_SAM_LOGON_RESPONSE_EX`; 24 and 25 (paused, user unknown) carry the same layout.
    public static let responseOpcodes: ClosedRange<UInt16> = 23...25
    /// The longest name accepted, in bytes of its dotted form (RFC 1035: 255 on the wire).
    static let maximumNameLength = 255
    /// Compression pointers followed for one name at most; a loop ends here.
    static let maximumPointerJumps = 16

    public var opcode: UInt16
    /// `DS_FLAG` bits (MS-ADTS 6.3.1.2): 0x8 LDAP server, 0x10 DC, 0x20 KDC, 0x100 writable, 0x800 RODC, …
    public var flags: UInt32
    public var domainGUID: [UInt8]
    public var dnsForestName: String
    public var dnsDomainName: String
    public var dnsHostName: String
    public var netbiosDomainName: String
    public var netbiosComputerName: String
    public var userName: String
    public var dcSiteName: String
    public var clientSiteName: String

    /// `DS_WRITABLE_FLAG` (0x100): the DC is not a read-only DC. An RODC leaves it out (and sets
    /// `DS_SELECT_SECRET_DOMAIN_6_FLAG`, 0x800); it holds no gMSA passwords (docs/protocol.md §6).
    public var isWritable: Bool { flags & 0x100 != 0 }

    /// Parses the `Netlogon` attribute value.
    public init(parsing bytes: [UInt8]) throws(LDAPPingError) {
        guard bytes.count >= 24 else {
            throw Self.malformed("\(bytes.count) bytes, shorter than the 24-byte header")
        }
        opcode = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
        guard Self.responseOpcodes.contains(opcode) else {
            throw Self.malformed("opcode \(opcode) is not a NETLOGON_SAM_LOGON_RESPONSE_EX (23-25); was NtVer 5EX asked for?")
        }
        flags = UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24
        domainGUID = Array(bytes[8..<24])
        var offset = 24
        var names: [String] = []
        for field in ["DnsForestName", "DnsDomainName", "DnsHostName", "NetbiosDomainName", "NetbiosComputerName", "UserName", "DcSiteName", "ClientSiteName"] {
            names.append(try Self.name(in: bytes, at: &offset, field: field))
        }
        (dnsForestName, dnsDomainName, dnsHostName, netbiosDomainName) = (names[0], names[1], names[2], names[3])
        (netbiosComputerName, userName, dcSiteName, clientSiteName) = (names[4], names[5], names[6], names[7])
    }

    /// Reads one compressed name starting at `offset` and moves `offset` past it (past the first pointer,
    /// when the name ends in one).
    static func name(in bytes: [UInt8], at offset: inout Int, field: String) throws(LDAPPingError) -> String {
        var labels: [String] = []
        var length = 0
        var position = offset
        var jumps = 0
        var resume: Int?
        while true {
            guard position < bytes.count else { throw malformed("\(field) runs past the end at offset \(position)") }
            let head = bytes[position]
            switch head & 0xC0 {
            case 0x00:
                if head == 0 {
                    offset = resume ?? position + 1
                    return labels.joined(separator: ".")
                }
                let count = Int(head)
                guard count <= bytes.count - position - 1 else {
                    throw malformed("a label of \(field) at offset \(position) runs past the end")
                }
                length += count + (labels.isEmpty ? 0 : 1)
                guard length <= maximumNameLength else { throw malformed("\(field) is longer than \(maximumNameLength) bytes") }
                labels.append(String(decoding: bytes[(position + 1)...(position + count)], as: UTF8.self))
                position += count + 1
            case 0xC0:
                guard position + 1 < bytes.count else { throw malformed("a pointer of \(field) at offset \(position) is cut off") }
                jumps += 1
                guard jumps <= maximumPointerJumps else {
                    throw malformed("\(field) follows more than \(maximumPointerJumps) compression pointers (a loop?)")
                }
                if resume == nil { resume = position + 2 }
                position = Int(head & 0x3F) << 8 | Int(bytes[position + 1])
            default:
                throw malformed("\(field) has a label type 0x\(String(head, radix: 16)) at offset \(position)")
            }
        }
    }

    private static func malformed(_ message: String) -> LDAPPingError {
        LDAPPingError(.malformedNetlogon, "malformed Netlogon value: \(message)")
    }
}
