import LDAPPing
import Testing

/// Known answers captured from the lab's Samba 4.22 DCs (`LAB_DC2=1 LAB_SITES=1`): dc1 in
/// Default-First-Site-Name, dc2 in Site2, the client's 127.0.0.0/8 mapped to Site2. An LDAP ping's answer
/// holds no secret.
@Suite struct LDAPPingTests {
    /// The request for `company.test`, message id 7, as sent to both DCs (they answered it).
    static let request = bytes(
        "304e020107634904000a01000a0100020100020100010100a02aa3190409446e73446f6d61696e040c636f6d70616e792e74657374"
            + "a30d04054e74566572040406000000300a04084e65746c6f676f6e")
    /// dc1's answer: searchResEntry + searchResDone in one datagram.
    static let dc1Answer = bytes(
        "307e020107647904003075307304086e65746c6f676f6e31670465170000007dd30100b1bc31542a7a20428323d72b995e5c2e07636f"
            + "6d70616e79047465737400c01803646331c01807434f4d50414e59000344433100001744656661756c742d46697273742d536974"
            + "652d4e616d65000553697465320005000000ffffffff300c02010765070a010004000400")
    /// dc2's answer: its ClientSiteName is a compression pointer to its DcSiteName.
    static let dc2Answer = bytes(
        "306702010764620400305e305c04086e65746c6f676f6e3150044e17000000fcd30100b1bc31542a7a20428323d72b995e5c2e0763"
            + "6f6d70616e79047465737400c01803646332c01807434f4d50414e590003444332000005536974653200c03d05000000ffffffff"
            + "300c02010765070a010004000400")

    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    /// The Netlogon value inside dc2's answer (after its OCTET STRING header `04 4e`).
    static var dc2Netlogon: [UInt8] { Array(dc2Answer[27..<(27 + 0x4E)]) }

    @Test func theRequestIsTheOneTheDCsAnswered() {
        #expect(LDAPPing.request(domain: "company.test", messageID: 7) == Self.request)
    }

    @Test func largeMessageIDsAreEncodedPositive() {
        let request = LDAPPing.request(domain: "company.test", messageID: 0x80)
        #expect(Array(request[2..<6]) == [0x02, 0x02, 0x00, 0x80])
    }

    @Test func dc1SaysTheClientIsInSite2() throws {
        let answer = try LDAPPing.response(Self.dc1Answer, messageID: 7)
        #expect(answer.opcode == 23)
        #expect(answer.dnsForestName == "company.test")
        #expect(answer.dnsDomainName == "company.test")
        #expect(answer.dnsHostName == "dc1.company.test")
        #expect(answer.netbiosDomainName == "COMPANY")
        #expect(answer.netbiosComputerName == "DC1")
        #expect(answer.userName == "")
        #expect(answer.dcSiteName == "Default-First-Site-Name")
        #expect(answer.clientSiteName == "Site2")
        #expect(answer.isWritable)
        #expect(answer.domainGUID.count == 16)
    }

    @Test func dc2NamesItsOwnSiteAndPointsTheClientsAtIt() throws {
        let answer = try LDAPPing.response(Self.dc2Answer, messageID: 7)
        #expect(answer.dnsHostName == "dc2.company.test")
        #expect(answer.dcSiteName == "Site2")
        #expect(answer.clientSiteName == "Site2")
        #expect(try NetlogonResponse(parsing: Self.dc2Netlogon) == answer)
    }

    /// The flags of the lab's Samba RODC (0xafc: DS_SELECT_SECRET_DOMAIN_6_FLAG, no DS_WRITABLE_FLAG) and of
    /// its writable DCs (0x1d3fc, 0x1d37d), in dc2's answer.
    @Test func anRODCIsNotWritable() throws {
        for (flags, writable) in [(UInt32(0xafc), false), (0x1d3fc, true), (0x1d37d, true), (0x10, false)] {
            var netlogon = Self.dc2Netlogon
            netlogon.replaceSubrange(4..<8, with: withUnsafeBytes(of: flags.littleEndian) { Array($0) })
            let answer = try NetlogonResponse(parsing: netlogon)
            #expect(answer.flags == flags)
            #expect(answer.isWritable == writable, "flags 0x\(String(flags, radix: 16))")
        }
    }

    @Test func anAnswerToAnotherMessageIsRefused() {
        #expect(throws: LDAPPingError.self) { try LDAPPing.response(Self.dc1Answer, messageID: 8) }
        do {
            _ = try LDAPPing.response(Self.dc1Answer, messageID: 8)
        } catch {
            #expect(error.code == .wrongMessage)
        }
    }

    @Test func anErrorWithoutEntrySaysSo() {
        // searchResDone alone, resultCode 2 (protocolError).
        let done: [UInt8] = [0x30, 0x0C, 0x02, 0x01, 0x07, 0x65, 0x07, 0x0A, 0x01, 0x02, 0x04, 0x00, 0x04, 0x00]
        do {
            _ = try LDAPPing.response(done, messageID: 7)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .noNetlogon)
            #expect(error.message.contains("result 2"))
        }
    }

    @Test func everyTruncationIsAnErrorNotATrap() {
        for answer in [Self.dc1Answer, Self.dc2Answer] {
            // Up to the end of the searchResEntry (short-form length in byte 1); the searchResDone is not needed.
            for length in 0..<(Int(answer[1]) + 2) {
                #expect(throws: LDAPPingError.self) { try LDAPPing.response(Array(answer.prefix(length)), messageID: 7) }
            }
        }
        let netlogon = Self.dc2Netlogon
        for length in 0..<netlogon.count where length < 70 {  // the names end at 70; the rest is not read
            #expect(throws: LDAPPingError.self) { try NetlogonResponse(parsing: Array(netlogon.prefix(length))) }
        }
    }

    @Test func everySingleByteChangeParsesOrThrows() {
        // No trap, whatever a byte becomes; a changed answer may still parse (a name changes).
        for answer in [Self.dc1Answer, Self.dc2Answer] {
            for index in answer.indices {
                for value: UInt8 in [0x00, 0x3F, 0x40, 0x7F, 0x80, 0x84, 0x85, 0xC0, 0xFF] {
                    var changed = answer
                    changed[index] = value
                    _ = try? LDAPPing.response(changed, messageID: 7)
                }
            }
        }
    }

    @Test func aCompressionLoopEnds() {
        var netlogon = [UInt8](repeating: 0, count: 24)
        netlogon[0] = 23
        netlogon += [0xC0, 24]  // the forest name points at itself
        do {
            _ = try NetlogonResponse(parsing: netlogon)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .malformedNetlogon)
            #expect(error.message.contains("loop"))
        }
    }

    @Test func aNameLongerThan255BytesIsRefused() {
        var netlogon = [UInt8](repeating: 0, count: 24)
        netlogon[0] = 23
        for _ in 0..<5 { netlogon += [63] + [UInt8](repeating: 0x61, count: 63) }
        netlogon += [0]
        #expect(throws: LDAPPingError.self) { try NetlogonResponse(parsing: netlogon) }
    }

    @Test func anOldResponseTypeIsRefused() {
        var netlogon = Self.dc2Netlogon
        netlogon[0] = 19  // NETLOGON_SAM_LOGON_RESPONSE (NtVer 5 without 5EX)
        #expect(throws: LDAPPingError.self) { try NetlogonResponse(parsing: netlogon) }
    }
}
