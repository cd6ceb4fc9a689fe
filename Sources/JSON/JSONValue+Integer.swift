/// Integers as `.number` literals: written in decimal, read back exactly or not at all.
extension JSONValue {
    /// A `.number` with the decimal text of `value`: `-12`, `18446744073709551615`.
    public static func integer<T: FixedWidthInteger>(_ value: T) -> JSONValue {
        .number(String(value))
    }

    /// The exact integer of a `.number` written as one and in range of `T`; nil otherwise.
    ///
    /// Only `-?(0|[1-9][0-9]*)` qualifies: `1.0`, `1e2` and `01` are nil, as is a value out of range (however
    /// many digits it has: the arithmetic reports overflow instead of trapping) and every case but `.number`.
    /// `-0` is 0, for unsigned types too.
    public func integer<T: FixedWidthInteger>(as type: T.Type) -> T? {
        guard case .number(let literal) = self, let ten = T(exactly: 10) else { return nil }
        var digits = literal.utf8[...]
        let isNegative = digits.first == UInt8(ascii: "-")
        if isNegative { digits = digits.dropFirst() }
        guard let first = digits.first, first != UInt8(ascii: "0") || digits.count == 1 else { return nil }
        var result: T = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            let digit = T(truncatingIfNeeded: byte &- UInt8(ascii: "0"))
            let (shifted, shiftOverflow) = result.multipliedReportingOverflow(by: ten)
            // Negative numbers are built downwards, so T.min, whose magnitude T cannot hold, is reached exactly.
            let (next, addOverflow) =
                isNegative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !shiftOverflow && !addOverflow else { return nil }
            result = next
        }
        return result
    }
}
