import CKrb5
import GMSACore

/// Reads keytab files through libkrb5's keytab API.
public struct KeytabReader {
    /// What a keytab file holds.
    public struct Contents: Sendable {
        /// Entries with an encryption type this daemon writes.
        public var entries: [KeytabEntry] = []
        /// Entries of other encryption types (written by something else).
        public var otherEntryCount = 0
    }

    let context: KerberosContext

    public init(context: KerberosContext) {
        self.context = context
    }

    /// Reads every entry of the keytab at `path` (`krb5_kt_start_seq_get` / `krb5_kt_next_entry`).
    ///
    /// libkrb5's keytab code leaves the last entry's key in its frames: the stack is zeroed before this
    /// returns (`gmsa_scrub_stack`).
    public func read(_ path: String) throws(KerberosError) -> Contents {
        defer { gmsa_scrub_stack() }
        var keytab: krb5_keytab?
        var code = krb5_kt_resolve(context.raw, "FILE:\(path)", &keytab)
        guard code == 0, let keytab else {
            throw context.error(code, "cannot open keytab \(path)")
        }
        defer { krb5_kt_close(context.raw, keytab) }

        var cursor: krb5_kt_cursor?
        code = krb5_kt_start_seq_get(context.raw, keytab, &cursor)
        guard code == 0 else {
            throw context.error(code, "cannot read keytab \(path)", check: "check that it exists, is readable and is a keytab file")
        }
        defer { krb5_kt_end_seq_get(context.raw, keytab, &cursor) }

        var contents = Contents()
        while true {
            var entry = krb5_keytab_entry()
            code = krb5_kt_next_entry(context.raw, keytab, &entry, &cursor)
            if code == KRB5_KT_END { break }
            guard code == 0 else {
                throw context.error(code, "cannot read an entry of keytab \(path)", check: "the file may be truncated or not a keytab")
            }
            defer { krb5_kt_free_entry(context.raw, &entry) }
            guard let type = EncryptionType(rawValue: entry.key.enctype) else {
                contents.otherEntryCount += 1
                continue
            }
            let principal = try context.unparse(entry.principal)
            let bytes = SecretBytes(UnsafeBufferPointer(start: entry.key.contents, count: Int(entry.key.length)))
            contents.entries.append(
                KeytabEntry(principal: principal, keyVersion: entry.vno, key: KerberosKey(encryptionType: type, bytes: bytes)))
        }
        return contents
    }
}
