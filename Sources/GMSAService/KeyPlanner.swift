import GMSACore
import GMSAKerberos

/// Why one account could not be brought up to date; the other accounts go on.
public struct AccountFailure: Error, Sendable {
    public var outcome: AccountReport.Outcome
    public var detail: String
    /// The failure was on this host (a full disk), not in the domain: retry soon, not with growing backoff.
    public var isLocal = false

    public init(_ outcome: AccountReport.Outcome, _ detail: String, isLocal: Bool = false) {
        self.outcome = outcome
        self.detail = detail
        self.isLocal = isLocal
    }
}

/// The keys an account's keytab should get, from the first read of the account.
public struct KeyPlan: Sendable {
    public var report: AccountReport
    /// Principals × key versions (with their passwords) × encryption types.
    public var layout: KeytabLayout
    /// The derived keys: empty until ``KeyPlanner/derive(_:)``.
    public var entries: [KeytabEntry] = []
    /// A keyed fingerprint of everything the keys are derived from (passwords, their roles, principals,
    /// encryption types, owner and mode): the same fingerprint and kvno as last time mean the same keytab.
    public var fingerprint: String?
    /// The key versions in use or about to be (K, and K+1 inside the window); the rest is retained.
    public var currentKeyVersions: Set<UInt32>
    /// The kvno the first read showed (confirmed by a second read before anything is written).
    public var seenKeyVersion: UInt32
    public var queryInterval: Duration
    public var insideWindow: Bool
    public var servicePrincipalNames: [String]
    public var passwordLastSet: Int64?
    public var membershipFingerprint: String?
    /// The account's `objectGUID`, when the read returned it.
    public var objectGUID: String?
}

/// Turns what the directory says about an account into the keytab entries it should have: checks the values
/// from the directory (missing password, kvno out of range, malformed blob become an ``AccountFailure``, never
/// a trap), lays out principals × key versions × encryption types, fingerprints them, and derives the keys
/// through libkrb5 when they are needed.
public struct KeyPlanner {
    let realm: String
    let context: KerberosContext
    /// This host's fingerprint key (``FingerprintKey``); `nil`: no fingerprints, keys are always derived.
    let fingerprintKey: SecretBytes?

    public init(realm: String, context: KerberosContext, fingerprintKey: SecretBytes? = nil) {
        self.realm = realm
        self.context = context
        self.fingerprintKey = fingerprintKey
    }

    /// The plan with its keys derived (RFC 3962 string-to-key is the costly part of a pass: about 2 ms per
    /// password and AES type).
    public func derive(_ plan: KeyPlan) throws(AccountFailure) -> KeyPlan {
        var derived = plan
        do {
            derived.entries = try context.entries(for: plan.layout)
        } catch {
            throw AccountFailure(.failed, error.message)
        }
        return derived
    }

    /// The plan of `target` from `account` with its keys derived.
    public func derivedPlan(
        _ target: AccountTarget,
        _ account: ManagedAccount?,
        hostPrincipal: String,
        base: String
    ) throws(AccountFailure) -> KeyPlan {
        try derive(plan(target, account, hostPrincipal: hostPrincipal, base: base))
    }

    /// The plan for `target` from `account` (`nil`: no such gMSA under `base`), keys not yet derived.
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
        // The directory's spelling of the name, not the configuration's: AD finds `MSA-Web` for `msa-web$`,
        // but the principal in the keytab is the name as AD stores it.
        let layout = KeytabLayout(
            account: account.name, realm: realm,
            servicePrincipalNames: account.servicePrincipalNames + target.settings.extraPrincipals,
            keyVersions: KeytabLayout.keyVersions(from: blob, currentKeyVersion: kvno),
            encryptionTypes: types)
        var report = AccountReport(
            account: target.name, keytab: target.keytab, outcome: .current,
            keyVersions: layout.keyVersions.map(\.number), principals: layout.principals, encryptionTypes: types,
            nextPasswordChange: blob.queryPasswordInterval)
        report.stagedNextKey = blob.isInsideChangeWindow && blob.previousPassword != nil
        report.rc4Warning = RC4OnlyWarning(
            account: account.name, supportedEncryptionTypes: account.supportedEncryptionTypes, keytabTypes: types)
        let currentCount = report.stagedNextKey ? 2 : 1
        return KeyPlan(
            report: report, layout: layout, fingerprint: fingerprint(layout, target: target, staged: report.stagedNextKey),
            currentKeyVersions: Set(layout.keyVersions.prefix(currentCount).map(\.number)),
            seenKeyVersion: kvno, queryInterval: blob.queryPasswordInterval,
            insideWindow: blob.isInsideChangeWindow, servicePrincipalNames: account.servicePrincipalNames,
            passwordLastSet: account.passwordLastSet, membershipFingerprint: account.membershipFingerprint,
            objectGUID: account.objectGUID)
    }

    /// The keyed fingerprint of a layout's inputs: realm, principals, encryption types, the passwords in their
    /// roles (newest first) and whether the next one is staged, and the file's owner and mode. Key version
    /// numbers are left out: they are compared as they are (a re-read may move them).
    func fingerprint(_ layout: KeytabLayout, target: AccountTarget, staged: Bool) -> String? {
        guard let fingerprintKey else { return nil }
        var text = Array("v1\0\(layout.realm)\0\(layout.principals.joined(separator: "\0"))\0".utf8)
        text += Array(layout.encryptionTypes.map { "\($0.rawValue)" }.joined(separator: ",").utf8)
        let settings = target.settings
        text += Array("\0\(staged)\0\(settings.mode)\0\(settings.owner.map(String.init) ?? "-")\0\(settings.group.map(String.init) ?? "-")\0".utf8)
        let passwordBytes = layout.keyVersions.reduce(0) { $0 + $1.password.utf16LittleEndian.count + 1 }
        let input = SecretBytes(count: text.count + passwordBytes) { buffer in
            var offset = 0
            for byte in text {
                buffer[offset] = byte
                offset += 1
            }
            for version in layout.keyVersions {
                version.password.utf16LittleEndian.withUnsafeBytes { bytes in
                    for byte in bytes {
                        buffer[offset] = byte
                        offset += 1
                    }
                }
                buffer[offset] = 0xFF
                offset += 1
            }
        }
        return try? context.fingerprint(of: input, key: fingerprintKey)
    }
}
