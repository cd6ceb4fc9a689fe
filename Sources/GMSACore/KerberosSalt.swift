/// The Kerberos salt of a gMSA for AES string-to-key.
///
/// A gMSA is a computer object, so MS-KILE 3.1.1.2's computer-account rule applies:
/// `UPPER(realm) + "host" + lower(sAMAccountName without "$") + "." + lower(realm)`. The realm is the
/// domain's DNS name; `dNSHostName` plays no part. A user-style salt fails pre-authentication.
public enum KerberosSalt {
    /// The salt for `account` in `realm`, e.g. `COMPANY.TESThostmsa-svc1.company.test`.
    public static func computerAccount(_ account: ServiceAccountName, realm: String) -> String {
        realm.uppercased() + "host" + account.baseName.lowercased() + "." + realm.lowercased()
    }
}
