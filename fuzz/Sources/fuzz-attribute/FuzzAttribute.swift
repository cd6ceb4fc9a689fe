import Foundation
import FuzzSupport
import GMSACore

/// Hostile input for ``ManagedPasswordAttribute`` (raw bytes, base64, LDIF), then for the blob parser; and
/// the input itself as a blob, encoded the ways an admin saves it, must decode back to the same bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAttribute(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    checkDecoding(input)
    checkRoundTrip(input)
    return 0
}

func checkDecoding(_ input: [UInt8]) {
    let value: [UInt8]
    do {
        value = try ManagedPasswordAttribute.decode(input)
    } catch {
        fuzzCheck(!error.message.isEmpty, "decoding error with an empty message")
        fuzzCheck(!input.contains(0), "raw input (it holds a NUL) was not passed through")
        return
    }
    if input.contains(0) {
        fuzzCheck(value == input, "raw input (it holds a NUL) came back changed")
    } else {
        // Base64 turns 4 characters into at most 3 bytes.
        fuzzCheck(value.count <= input.count / 4 * 3 + 3, "\(input.count) bytes of text decoded to \(value.count) bytes")
    }
    // Whatever came out goes to the parser, which either parses it or says why not.
    do {
        _ = try ManagedPasswordBlob(parsing: value)
    } catch {
        fuzzCheck(!error.message.isEmpty, "blob error \(error.code) has an empty message")
    }
}

/// The input as a blob, saved as plain base64 or as `ldapsearch` LDIF, folded at a width and with line ends
/// taken from its first bytes.
func checkRoundTrip(_ blob: [UInt8]) {
    guard blob.count >= 2 else { return }
    let asLDIF = blob[0] & 1 != 0
    let newline = blob[0] & 2 != 0 ? "\r\n" : "\n"
    let name = blob[0] & 4 != 0 ? "msds-managedpassword" : "msDS-ManagedPassword"
    let width = 1 + Int(blob[1] % 96)
    let base64 = Data(blob).base64EncodedString()
    var chunks: [Substring] = []
    var rest = Substring(base64)
    while !rest.isEmpty {
        chunks.append(rest.prefix(width))
        rest = rest.dropFirst(width)
    }
    let text: String
    if asLDIF {
        // ldapsearch folds at 76 columns: a continuation line starts with one space.
        text = ["# extended LDIF", "dn: CN=msa-web,CN=Managed Service Accounts,DC=company,DC=test", "msDS-KeyVersionNumber: 3",
                "\(name):: \(chunks.first ?? "")"]
            .joined(separator: newline) + chunks.dropFirst().map { newline + " " + $0 }.joined()
            + newline + newline + "# search result" + newline
    } else {
        text = chunks.joined(separator: newline) + newline
    }
    let decoded: [UInt8]
    do {
        decoded = try ManagedPasswordAttribute.decode(Array(text.utf8))
    } catch {
        fuzzCheck(false, "a \(blob.count)-byte blob as \(asLDIF ? "LDIF" : "base64") (width \(width)) failed: \(error.message)")
        return
    }
    fuzzCheck(decoded == blob, "a \(blob.count)-byte blob as \(asLDIF ? "LDIF" : "base64") (width \(width)) came back as \(decoded.count) other bytes")
}
