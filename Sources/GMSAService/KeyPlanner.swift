import GMSACore
import GMSAKerberos

/// Why one account could not be brought up to date; the other accounts go on.
public struct AccountFailure: Error, Sendable {
    public var outcome: AccountReport.Outcome
    public var detail: String

    public init(_ outcome: AccountReport.Outcome, _ detail: String) {
        self.outcome = outcome
        self.detail = detail
    }
}

/// The keys an account's keytab should get, from the first read of the account.
public struct KeyPlan: Sendable {
    public var report: AccountReport
    public var entries: [KeytabEntry]
    /// The key versions in use or about to be (K, and K+1 inside the window); the rest is retained.
    public var currentKeyVersions: Set<UInt32>
    /// The kvno the first read showed (confirmed by a second read before anything is written).
    public var seenKeyVersion: UInt32
    public var queryInterval: Duration
    public var insideWindow: Bool
    public var servicePrincipalNames: [String]
    public var passwordLastSet: Int64?
    public var membershipFingerprint: String?
}

/// Turns what the directory says about an account into the keytab entries it should have: checks the values
/// from the directory (missing password, kvno out of range, malformed blob become an ``AccountFailure``, never
/// a trap), lays out principals × key versions × encryption types and derives the keys through libkrb5.
public struct KeyPlanner {
    let realm: String
    let context: KerberosContext

    public init(realm: String, context: KerberosContext) {
        self.realm = realm
        self.context = context
    }

    /// The plan for `target` from `account` (`nil`: no such gMSA under `base`).
    public func plan(
        _ target: AccountTarget,
        _ account: ManagedAccount?,
        hostPrincipal: String,
        base: String
    ) throws(AccountFailure) -> KeyPlan {
        guard let account else {
            throw AccountFailure(.notFound, "no gMSA with sAMAccountName \(target.name) under \(base)")
        }
        guard let blobBytes = account.passwordBlob else {
            throw AccountFailure(
                .notReadable,
                "the DC withheld msDS-ManagedPassword: this host (\(hostPrincipal)) is not in "
                    + "msDS-GroupMSAMembership of \(account.distinguishedName) (add it, or a group it is in, "
                    + "with Set-ADServiceAccount -PrincipalsAllowedToRetrieveManagedPassword)")
        }
        guard let kvno = account.keyVersion else {
            throw AccountFailure(.failed, "msDS-KeyVersionNumber of \(account.distinguishedName) is not readable")
        }
        guard KeytabLayout.validKeyVersions.contains(kvno) else {
            throw AccountFailure(
                .failed,
                "msDS-KeyVersionNumber \(kvno) of \(account.distinguishedName) is out of range "
                    + "(\(KeytabLayout.validKeyVersions.lowerBound)…\(KeytabLayout.validKeyVersions.upperBound))")
        }
        let blob: ManagedPasswordBlob
        do {
            blob = try blobBytes.withUnsafeBytes { raw throws(ManagedPasswordBlobError) in try ManagedPasswordBlob(parsing: raw) }
        } catch {
            throw AccountFailure(.failed, error.forAccount(target.name.samAccountName).description)
        }
        let types = target.settings.encryptionTypes ?? EncryptionType.allowed(bySupportedEncryptionTypes: account.supportedEncryptionTypes)
        let layout = KeytabLayout(
            account: target.name, realm: realm,
            servicePrincipalNames: account.servicePrincipalNames + target.settings.extraPrincipals,
            keyVersions: KeytabLayout.keyVersions(from: blob, currentKeyVersion: kvno),
            encryptionTypes: types)
        let entries: [KeytabEntry]
        do {
            entries = try context.entries(for: layout)
        } catch {
            throw AccountFailure(.failed, error.message)
        }
        var report = AccountReport(
            account: target.name, keytab: target.keytab, outcome: .current,
            keyVersions: layout.keyVersions.map(\.number), principals: layout.principals, encryptionTypes: types,
            nextPasswordChange: blob.queryPasswordInterval)
        report.stagedNextKey = blob.isInsideChangeWindow && blob.previousPassword != nil
        let currentCount = report.stagedNextKey ? 2 : 1
        return KeyPlan(
            report: report, entries: entries, currentKeyVersions: Set(layout.keyVersions.prefix(currentCount).map(\.number)),
            seenKeyVersion: kvno, queryInterval: blob.queryPasswordInterval,
            insideWindow: blob.isInsideChangeWindow, servicePrincipalNames: account.servicePrincipalNames,
            passwordLastSet: account.passwordLastSet, membershipFingerprint: account.membershipFingerprint)
    }
}
