import FuzzSupport
import GMSACore

/// Hostile `msDS-ManagedPassword` values for ``ManagedPasswordBlob``, the UTF-16 munging of every password
/// that parses (checked against the standard library's repairing UTF-16 decoder), and the account-name and
/// salt rules on the same bytes read as text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBlob(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    checkBlob(input)
    checkAccountName(input)
    return 0
}

func checkBlob(_ input: UnsafeBufferPointer<UInt8>) {
    let blob: ManagedPasswordBlob
    do {
        blob = try ManagedPasswordBlob(parsing: input)
    } catch {
        fuzzCheck(!error.message.isEmpty, "blob error \(error.code) has an empty message")
        return
    }
    // A blob that parses is consistent: the header's length is the input's, the passwords (each with its
    // 2-byte terminator) and the two 8-byte intervals fit after the 16-byte header, and no password is empty,
    // odd or holds a NUL code unit.
    let declared = Int(input[4]) | Int(input[5]) << 8 | Int(input[6]) << 16 | Int(input[7]) << 24
    fuzzCheck(declared == input.count, "parsed a blob whose header says \(declared) bytes, \(input.count) read")
    let current = blob.currentPassword.utf16LittleEndian.count
    let previous = blob.previousPassword.map { $0.utf16LittleEndian.count + 2 } ?? 0
    fuzzCheck(
        ManagedPasswordBlob.headerSize + current + 2 + previous + 16 <= input.count,
        "passwords of \(current) and \(previous) bytes and two intervals do not fit a \(input.count)-byte blob")
    for (name, password) in [("current", blob.currentPassword), ("previous", blob.previousPassword)] {
        guard let password else { continue }
        checkPassword(name, password)
    }
    fuzzCheck(
        blob.queryPasswordInterval == ManagedPasswordBlob.duration(ticks: blob.queryPasswordIntervalTicks)
            && blob.unchangedPasswordInterval == ManagedPasswordBlob.duration(ticks: blob.unchangedPasswordIntervalTicks),
        "intervals disagree with their tick counts")
    fuzzCheck(blob.queryPasswordInterval >= .zero && blob.unchangedPasswordInterval >= .zero, "a negative interval")
    fuzzCheck(!blob.description.isEmpty, "empty description")
}

func checkPassword(_ name: String, _ password: ManagedPassword) {
    let units = password.utf16LittleEndian.withUnsafeBytes { raw in
        (0..<raw.count / 2).map { UInt16(raw[2 * $0]) | UInt16(raw[2 * $0 + 1]) << 8 }
    }
    fuzzCheck(!units.isEmpty && password.utf16LittleEndian.count % 2 == 0, "the \(name) password is empty or odd")
    fuzzCheck(!units.contains(0), "the \(name) password holds a NUL code unit")
    // The munging rule, written differently: the standard library's decoder replaces each unpaired
    // surrogate with one U+FFFD; NUL would become U+0001 (a parsed password holds none, but munging takes any).
    let munged = password.mungedUTF8()
    let expected = Array(String(decoding: units.map { $0 == 0 ? 1 : $0 }, as: UTF16.self).utf8)
    let agrees = munged.withUnsafeBytes { raw in raw.elementsEqual(expected) }
    fuzzCheck(agrees, "munged \(name) password (\(munged.count) bytes) differs from the reference (\(expected.count) bytes)")
    fuzzCheck(munged.count <= units.count * 3, "munged \(name) password longer than 3 bytes per code unit")
}

/// The bytes as an account name and realm: validation never traps, and the salt follows MS-KILE's rule.
func checkAccountName(_ input: UnsafeBufferPointer<UInt8>) {
    let text = String(decoding: input.prefix(64), as: UTF8.self)
    let parts = text.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
    guard let name = try? ServiceAccountName(String(parts[0])) else { return }
    // Per scalar: a prepended mark (U+06DD) makes "…\u{06DD}$" one Character.
    fuzzCheck(
        name.samAccountName.unicodeScalars.last == "$" && name.baseName.utf8.count <= 19
            && !name.baseName.unicodeScalars.contains("$"),
        "accepted an invalid account name")
    let realm = parts.count > 1 ? String(parts[1]) : "COMPANY.TEST"
    let salt = KerberosSalt.computerAccount(name, realm: realm)
    fuzzCheck(
        salt == realm.uppercased() + "host" + name.baseName.lowercased() + "." + realm.lowercased(),
        "salt does not follow the computer-account rule")
}
