/// What one account's keytab holds: every principal name × every key version × every encryption type.
///
/// Keys belong to the account, not to a name (docs/protocol.md §3 "Principals"), so the same keys appear under
/// `name$@REALM` and under each SPN.
public struct KeytabLayout: Sendable {
    /// One password and the key version number it has (or will have) in the directory.
    public struct KeyVersion: Sendable {
        public let number: UInt32
        public let password: ManagedPassword

        public init(number: UInt32, password: ManagedPassword) {
            self.number = number
            self.password = password
        }
    }

    public let account: ServiceAccountName
    public let realm: String
    /// Fully qualified principal names, the account's own name first.
    public let principals: [String]
    public let keyVersions: [KeyVersion]
    public let encryptionTypes: [EncryptionType]

    /// A layout for `account` in `realm` with the account principal, then each SPN qualified with the realm.
    public init(
        account: ServiceAccountName,
        realm: String,
        servicePrincipalNames: [String],
        keyVersions: [KeyVersion],
        encryptionTypes: [EncryptionType]
    ) {
        self.account = account
        self.realm = realm.uppercased()
        var names = [account.principal(realm: realm)]
        for spn in servicePrincipalNames {
            let qualified = Self.qualify(spn, realm: realm)
            if !names.contains(qualified) { names.append(qualified) }
        }
        principals = names
        self.keyVersions = keyVersions
        self.encryptionTypes = encryptionTypes
    }

    /// The salt every key of this account is derived with.
    public var salt: String { KerberosSalt.computerAccount(account, realm: realm) }

    /// Key versions for a blob read when the directory showed kvno `currentKeyVersion` (docs/protocol.md §4 "Key versions and the rollover").
    ///
    /// Normally the current password is at K and the previous one, when the blob has it, at K − 1. Inside the
    /// 5 minutes before a change (``ManagedPasswordBlob/isInsideChangeWindow``) the DC already hands out the
    /// next password as "current" and the still-active one as "previous": then they go to K + 1 and K, so the
    /// keytab holds the new key before the KDC starts using it.
    ///
    /// Total for any kvno the directory returns: no arithmetic here can trap. Callers refuse kvnos outside
    /// ``validKeyVersions`` with an error of their own (at `UInt32.max` there is no K + 1 to stage).
    public static func keyVersions(from blob: ManagedPasswordBlob, currentKeyVersion: UInt32) -> [KeyVersion] {
        if blob.isInsideChangeWindow, let active = blob.previousPassword, currentKeyVersion < UInt32.max {
            return [
                KeyVersion(number: currentKeyVersion + 1, password: blob.currentPassword),
                KeyVersion(number: currentKeyVersion, password: active),
            ]
        }
        var versions = [KeyVersion(number: currentKeyVersion, password: blob.currentPassword)]
        if let previous = blob.previousPassword, currentKeyVersion > 1 {
            versions.append(KeyVersion(number: currentKeyVersion - 1, password: previous))
        }
        return versions
    }

    /// The kvnos a keytab can be written for: msDS-KeyVersionNumber starts at 1, and K + 1 must still fit.
    public static let validKeyVersions: ClosedRange<UInt32> = 1...(UInt32.max - 1)

    /// Appends `@REALM` to a service principal name that has no realm of its own.
    public static func qualify(_ name: String, realm: String) -> String {
        var escaped = false
        for character in name {
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "@" {
                return name
            }
        }
        return "\(name)@\(realm.uppercased())"
    }
}
