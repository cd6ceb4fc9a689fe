import CKrb5

extension krb5_data {
    /// A copy of the bytes (a principal's realm or name component; nothing secret).
    var bytes: [UInt8] {
        guard length > 0, let data else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: Int(length)))
    }
}
