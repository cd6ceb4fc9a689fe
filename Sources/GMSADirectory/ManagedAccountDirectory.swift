import GMSACore

/// Reads gMSAs from one bound connection.
///
/// Names are looked up in batches (one search per `batchSize` names, OR-ed in one filter); a kvno re-read
/// after a password change is one more batched search.
///
/// Searches that return `msDS-ManagedPassword` are never paged: Samba 4.22 computes the new password for a
/// paged search after expiry but does not store the rollover (kvno and pwdLastSet stay old, and the KDC keeps
/// the old key), while the same search without the paged results control stores it. Batches stay far below
/// any server size limit. Discovery therefore lists gMSA names with a paged search without passwords, then
/// reads them in unpaged batches.
public struct ManagedAccountDirectory {
    /// Attributes read for each gMSA.
    public static let attributes = [
        "sAMAccountName", "msDS-ManagedPassword", "msDS-KeyVersionNumber", "servicePrincipalName",
        "msDS-SupportedEncryptionTypes", "msDS-ManagedPasswordInterval", "pwdLastSet", "msDS-GroupMSAMembership",
    ]

    public let connection: DirectoryConnection
    /// The domain naming context searched, e.g. `DC=company,DC=test`.
    public let base: String
    public var batchSize = 100
    /// Called when ``read(_:)`` returns an account without its password (this host may not read it; not
    /// called by ``discover(excluding:)``). The host's group memberships are those of its TGT: the caller
    /// gets a new one before the next pass.
    public var passwordWithheld: (() -> Void)?

    public init(connection: DirectoryConnection, base: String, passwordWithheld: (() -> Void)? = nil) {
        self.connection = connection
        self.base = base
        self.passwordWithheld = passwordWithheld
    }

    /// The accounts named, by name; a name missing from the result has no gMSA in the domain.
    public func read(_ names: [ServiceAccountName]) throws(DirectoryError) -> [ServiceAccountName: ManagedAccount] {
        let found = try accounts(names, attributes: Self.attributes, secretAttributes: ["msDS-ManagedPassword"])
        if let passwordWithheld, found.values.contains(where: { $0.passwordBlob == nil }) { passwordWithheld() }
        return found
    }

    /// Searches for `names` in batches of ``batchSize`` (one OR-filter each) and keys the results by name.
    private func accounts(
        _ names: [ServiceAccountName],
        attributes: [String],
        secretAttributes: Set<String> = []
    ) throws(DirectoryError) -> [ServiceAccountName: ManagedAccount] {
        var found: [ServiceAccountName: ManagedAccount] = [:]
        for start in stride(from: 0, to: names.count, by: batchSize) {
            let batch = Array(names[start..<min(start + batchSize, names.count)])
            let entries = try connection.search(
                base: base, scope: .subtree, filter: LDAPFilter.managedAccounts(named: batch),
                attributes: attributes, secretAttributes: secretAttributes, paged: false)
            for entry in entries {
                if let account = Self.account(from: entry) { found[account.name] = account }
            }
        }
        return found
    }

    /// Every gMSA in the domain but the `excluded` ones, readable or not. Excluded accounts are never read: a
    /// password read after expiry makes the DC store the rollover of an account this host was told to leave alone.
    public func discover(excluding excluded: Set<ServiceAccountName> = []) throws(DirectoryError) -> [ManagedAccount] {
        let names = try connection.search(
            base: base, scope: .subtree, filter: LDAPFilter.allManagedAccounts, attributes: ["sAMAccountName"]
        ).compactMap { Self.account(from: $0)?.name }.filter { !excluded.contains($0) }
        // Not `read`: most domains have gMSAs this host may not read, and that is no reason for a new TGT.
        return try accounts(names, attributes: Self.attributes, secretAttributes: ["msDS-ManagedPassword"])
            .values.sorted { $0.name < $1.name }
    }

    /// A cheap look at accounts without their passwords (kvno, SPNs, pwdLastSet), to notice an administrator's
    /// changes between scheduled reads. Reading these does not trigger a rollover on the DC.
    public func probe(_ names: [ServiceAccountName]) throws(DirectoryError) -> [ServiceAccountName: ManagedAccount] {
        try accounts(
            names,
            attributes: ["sAMAccountName", "msDS-KeyVersionNumber", "servicePrincipalName", "pwdLastSet", "msDS-GroupMSAMembership"])
    }

    /// Current `msDS-KeyVersionNumber`s, read without the password so the read does not trigger anything.
    public func keyVersions(_ names: [ServiceAccountName]) throws(DirectoryError) -> [ServiceAccountName: UInt32] {
        try accounts(names, attributes: ["sAMAccountName", "msDS-KeyVersionNumber"]).compactMapValues(\.keyVersion)
    }

    static func account(from entry: DirectoryEntry) -> ManagedAccount? {
        guard let rawName = entry.string("sAMAccountName"), let name = try? ServiceAccountName(rawName) else { return nil }
        return ManagedAccount(
            name: name,
            distinguishedName: entry.distinguishedName,
            keyVersion: entry.integer("msDS-KeyVersionNumber").flatMap(UInt32.init(exactly:)),
            servicePrincipalNames: entry.strings("servicePrincipalName").sorted(),
            supportedEncryptionTypes: entry.integer("msDS-SupportedEncryptionTypes").map { UInt32(truncatingIfNeeded: $0) },
            passwordBlob: entry.secret("msDS-ManagedPassword"),
            passwordIntervalDays: entry.integer("msDS-ManagedPasswordInterval").map { Int($0) },
            passwordLastSet: entry.integer("pwdLastSet"),
            membershipFingerprint: entry.values["msds-groupmsamembership"]?.first.map(ManagedAccount.fingerprint))
    }
}
