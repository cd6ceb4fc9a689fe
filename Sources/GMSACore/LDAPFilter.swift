/// Building blocks for LDAP search filters (RFC 4515).
public enum LDAPFilter {
    /// Escapes a value for use inside a filter: `*`, `(`, `)`, `\` and NUL become `\2a`, `\28`, `\29`, `\5c`, `\00`.
    public static func escape(_ value: String) -> String {
        var result = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "*": result += "\\2a"
            case "(": result += "\\28"
            case ")": result += "\\29"
            case "\\": result += "\\5c"
            case "\0": result += "\\00"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// `(&(objectClass=msDS-GroupManagedServiceAccount)(|(sAMAccountName=a$)(sAMAccountName=b$)…))`.
    public static func managedAccounts(named names: [ServiceAccountName]) -> String {
        let alternatives = names.map { "(sAMAccountName=\(escape($0.samAccountName)))" }.joined()
        let choice = names.count == 1 ? alternatives : "(|\(alternatives))"
        return "(&(objectClass=msDS-GroupManagedServiceAccount)\(choice))"
    }

    /// Every gMSA.
    public static let allManagedAccounts = "(objectClass=msDS-GroupManagedServiceAccount)"
}
