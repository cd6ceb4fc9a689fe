/// The LDAP ping (MS-ADTS 6.3.3): one search over UDP port 389 that asks a DC who it is and which AD site the
/// asking host's address belongs to.
///
/// The request is a plain LDAPv3 `searchRequest` (RFC 4511) with base `""`, scope base and the filter
/// `(&(DnsDomain=<domain>)(NtVer=\06\00\00\00))`: NtVer is `NETLOGON_NT_VERSION_5EX | NETLOGON_NT_VERSION_5`
/// (0x4 | 0x2), as winbind and sssd send it, so the answer is a ``NetlogonResponse``. It asks for the one
/// attribute `Netlogon`. The DC answers with a `searchResEntry` and a `searchResDone` in one datagram.
/// No bind, no credentials: what the DC says is used only to pick the order in which DCs are tried.
public enum LDAPPing {
    /// The `NtVer` value asked for (little-endian on the wire).
    public static let ntVersion: UInt32 = 0x6

    /// The request datagram.
    public static func request(domain: String, messageID: Int32) -> [UInt8] {
        let version = withUnsafeBytes(of: ntVersion.littleEndian) { Array($0) }
        let filter = tlv(
            0xA0,
            equality("DnsDomain", Array(domain.utf8)) + equality("NtVer", version))
        let search = tlv(
            0x63,
            octetString([])  // baseObject ""
                + tlv(0x0A, [0])  // scope baseObject
                + tlv(0x0A, [0])  // derefAliases never
                + integer(0)  // sizeLimit
                + integer(0)  // timeLimit
                + tlv(0x01, [0])  // typesOnly FALSE
                + filter
                + tlv(0x30, octetString(Array("Netlogon".utf8))))
        return tlv(0x30, integer(messageID) + search)
    }

    /// The `Netlogon` value of the answer to the request with `messageID`, parsed.
    ///
    /// Every LDAP message in the datagram must carry `messageID`; the entry's `Netlogon` attribute (any case)
    /// is taken, and a `searchResDone` with an error and no entry is reported as such.
    public static func response(_ datagram: [UInt8], messageID: Int32) throws(LDAPPingError) -> NetlogonResponse {
        var reader = BERReader(datagram)
        var netlogon: [UInt8]?
        var resultCode: Int?
        while !reader.isAtEnd {
            var message = try reader.element(tagged: 0x30, "LDAPMessage")
            let id = try message.integer(tagged: 0x02, "messageID")
            guard id == Int(messageID) else {
                throw LDAPPingError(.wrongMessage, "the answer is for message \(id), not \(messageID)")
            }
            let (tag, contents) = try message.element()
            var operation = contents
            switch tag {
            case 0x64:  // searchResEntry
                _ = try operation.octetString("objectName")
                var attributes = try operation.element(tagged: 0x30, "attributes")
                while !attributes.isAtEnd {
                    var attribute = try attributes.element(tagged: 0x30, "PartialAttribute")
                    let type = try attribute.octetString("attribute type")
                    var values = try attribute.element(tagged: 0x31, "attribute values")
                    if String(decoding: type, as: UTF8.self).lowercased() == "netlogon", netlogon == nil, !values.isAtEnd {
                        netlogon = try values.octetString("Netlogon value")
                    }
                }
            case 0x65:  // searchResDone
                resultCode = try operation.integer(tagged: 0x0A, "resultCode")
            default:
                throw LDAPPingError(
                    .malformedMessage, "malformed LDAP message: unexpected operation tag 0x\(String(tag, radix: 16))")
            }
        }
        guard let netlogon else {
            let result = resultCode.map { "the search ended with LDAP result \($0)" } ?? "no search result"
            throw LDAPPingError(.noNetlogon, "the DC sent no Netlogon value: \(result)")
        }
        return try NetlogonResponse(parsing: netlogon)
    }

    private static func equality(_ attribute: String, _ value: [UInt8]) -> [UInt8] {
        tlv(0xA3, octetString(Array(attribute.utf8)) + octetString(value))
    }

    private static func octetString(_ bytes: [UInt8]) -> [UInt8] { tlv(0x04, bytes) }

    /// A non-negative INTEGER in the fewest bytes (a leading 0 when the top bit would be set).
    private static func integer(_ value: Int32) -> [UInt8] {
        var bytes = withUnsafeBytes(of: UInt32(bitPattern: value).bigEndian) { Array($0) }
        while bytes.count > 1, bytes[0] == 0, bytes[1] & 0x80 == 0 { bytes.removeFirst() }
        return tlv(0x02, bytes)
    }

    private static func tlv(_ tag: UInt8, _ contents: [UInt8]) -> [UInt8] {
        let count = contents.count
        let length: [UInt8] =
            switch count {
            case ..<0x80: [UInt8(count)]
            case ..<0x100: [0x81, UInt8(count)]
            default: [0x82, UInt8(truncatingIfNeeded: count >> 8), UInt8(truncatingIfNeeded: count)]
            }
        return [tag] + length + contents
    }
}
