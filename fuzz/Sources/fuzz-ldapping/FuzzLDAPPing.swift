import FuzzSupport
import LDAPPing

/// Hostile answers to an LDAP ping: the bytes as a whole UDP datagram to ``LDAPPing/response(_:messageID:)``
/// (BER, then the Netlogon value) and as a bare Netlogon value to ``NetlogonResponse``. Network input from
/// anything that answers on UDP 389.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLDAPPing(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        check(try LDAPPing.response(bytes, messageID: 7))
    } catch {
        fuzzCheck(!error.message.isEmpty, "LDAP ping error \(error.code) has an empty message")
    }
    do {
        check(try NetlogonResponse(parsing: bytes))
    } catch {
        fuzzCheck(error.code == .malformedNetlogon, "a bare Netlogon value failed with \(error.code)")
    }
    return 0
}

/// A parsed answer keeps the limits the parser promises: an EX opcode, a 16-byte GUID, and names no longer
/// than 255 bytes on the wire (each byte gives at most one character, whatever the pointers).
func check(_ answer: NetlogonResponse) {
    fuzzCheck(NetlogonResponse.responseOpcodes.contains(answer.opcode), "opcode \(answer.opcode) accepted")
    fuzzCheck(answer.domainGUID.count == 16, "a GUID of \(answer.domainGUID.count) bytes")
    let names = [
        answer.dnsForestName, answer.dnsDomainName, answer.dnsHostName, answer.netbiosDomainName,
        answer.netbiosComputerName, answer.userName, answer.dcSiteName, answer.clientSiteName,
    ]
    for name in names {
        fuzzCheck(name.unicodeScalars.count <= 255, "a name of \(name.unicodeScalars.count) characters")
    }
}
