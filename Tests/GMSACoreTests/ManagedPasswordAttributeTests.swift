import Foundation
import GMSACore
import GMSATestSupport
import Testing

@Suite struct ManagedPasswordAttributeTests {
    let blob = KnownAnswerVectors.shared.blobs[1].bytes

    @Test func passesRawBytesThrough() throws {
        #expect(try ManagedPasswordAttribute.decode(blob) == blob)
    }

    @Test func decodesPlainBase64WithNewlines() throws {
        let text = Data(blob).base64EncodedString(options: .lineLength64Characters) + "\n"
        #expect(try ManagedPasswordAttribute.decode(Array(text.utf8)) == blob)
    }

    @Test func decodesFoldedLDIFFromLdapsearch() throws {
        let base64 = Data(blob).base64EncodedString()
        let first = base64.prefix(50)
        let rest = base64.dropFirst(50)
        let ldif = """
            # extended LDIF
            dn: CN=msa-web,CN=Managed Service Accounts,DC=company,DC=test
            msDS-KeyVersionNumber: 3
            msDS-ManagedPassword:: \(first)
             \(rest)

            # search result
            """
        #expect(try ManagedPasswordAttribute.decode(Array(ldif.utf8)) == blob)
    }

    @Test func rejectsTextThatIsNotBase64() {
        #expect(throws: ManagedPasswordAttribute.DecodingError.self) {
            try ManagedPasswordAttribute.decode(Array("not base64 at all!".utf8))
        }
        #expect(throws: ManagedPasswordAttribute.DecodingError.self) {
            try ManagedPasswordAttribute.decode(Array("dn: CN=x\nmsDS-KeyVersionNumber: 3\n".utf8))
        }
        #expect(throws: ManagedPasswordAttribute.DecodingError.self) {
            try ManagedPasswordAttribute.decode([0xFF, 0xFE, 0x41])
        }
    }

    @Test func handsBinaryInputToTheBlobParser() throws {
        // A corrupt raw blob is still recognised as raw, so the parser can say precisely what is wrong.
        var corrupt = blob
        corrupt[0] = 2
        #expect(try ManagedPasswordAttribute.decode(corrupt) == corrupt)
    }
}

@Suite struct ManagedPasswordAttributeEdgeTests {
    let blob = KnownAnswerVectors.shared.blobs[1].bytes

    @Test func decodesCRLFFoldedLDIFIntoSecretBytes() throws {
        let base64 = Data(blob).base64EncodedString()
        let ldif = "dn: CN=msa-web,DC=company,DC=test\r\nMSDS-MANAGEDPASSWORD :: \(base64.prefix(10))\r\n \(base64.dropFirst(10))\r\n\r\n"
        let decoded = try ManagedPasswordAttribute.decode(SecretBytes(Array(ldif.utf8)))
        #expect(decoded == SecretBytes(blob))
    }

    @Test func theRawInputIsPassedOnAsTheSameBuffer() throws {
        let input = SecretBytes(blob)
        #expect(try ManagedPasswordAttribute.decode(input) === input)
    }

    @Test func otherAttributesWithBase64ValuesAreIgnored() throws {
        let base64 = Data(blob).base64EncodedString()
        let ldif = "dn:: Q049eA==\nmsDS-ManagedPasswordId:: AQID\nmsDS-ManagedPassword:: \(base64)\n"
        #expect(try ManagedPasswordAttribute.decode(Array(ldif.utf8)) == blob)
    }

    @Test(arguments: ["QUJD", "QUI=", "QQ=="])
    func paddingIsHonoured(_ text: String) throws {
        #expect(try ManagedPasswordAttribute.decode(Array(text.utf8)) == [UInt8](Data(base64Encoded: text)!))
    }

    @Test(arguments: ["QUJ", "Q=JD", "QU=D", "QUJD====", "QUJ*", "QUJD\u{00E9}"])
    func malformedBase64IsRefused(_ text: String) {
        #expect(throws: ManagedPasswordAttribute.DecodingError.self) {
            try ManagedPasswordAttribute.decode(Array(text.utf8))
        }
    }
}
