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
