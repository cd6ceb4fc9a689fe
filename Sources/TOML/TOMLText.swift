/// How TOML writes text: a basic string, and a key (bare when it can be, else quoted), e.g. to name a key in an
/// error the way the file spells it (`[""]`'s key is `""`, not nothing).
public enum TOMLText {
    /// `text` as a TOML basic string: in double quotes, `"` and `\` escaped, control characters as `\uXXXX`.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// `key` as TOML writes it: bare when it is ASCII letters, digits, `_` and `-` only (and not empty), else
    /// ``quoted(_:)``.
    public static func key(_ key: String) -> String {
        !key.isEmpty && key.utf8.allSatisfy(Byte.isBare) ? key : quoted(key)
    }
}
