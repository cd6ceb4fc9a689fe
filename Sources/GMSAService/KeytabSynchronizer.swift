import GMSACore
import GMSADirectory
import GMSAKerberos

/// One pass over every configured and discovered account: read, derive, write what changed.
///
/// Per gmsa-facts.md §4 the kvno in the reply that carries a new password may be the old one, so for every
/// account whose keytab is not already current the kvno is read again in a second (batched) search before
/// anything is written. An account that fails never stops the others, and its keytab is left as it was.
public struct KeytabSynchronizer {
    public let configuration: Configuration
    let context: KerberosContext

    public init(configuration: Configuration, context: KerberosContext) {
        self.configuration = configuration
        self.context = context
    }

    /// The accounts to handle and what the directory says about each (`nil`: no such gMSA).
    public func lookUp(
        _ directory: ManagedAccountDirectory
    ) throws(DirectoryError) -> [(target: AccountTarget, account: ManagedAccount?)] {
        var known: [ServiceAccountName: ManagedAccount] = [:]
        var discovered: [ManagedAccount] = []
        if configuration.discovery != nil {
            discovered = try directory.discover()
            for account in discovered { known[account.name] = account }
        } else if !configuration.accounts.isEmpty {
            known = try directory.read(configuration.accounts.map(\.name))
        }
        return AccountTarget.targets(configuration: configuration, discovered: discovered).map { ($0, known[$0.name]) }
    }

    /// Runs the pass and reports on every account.
    public func synchronize(_ directory: ManagedAccountDirectory, hostPrincipal: String) -> [AccountReport] {
        let accounts: [(target: AccountTarget, account: ManagedAccount?)]
        do {
            accounts = try lookUp(directory)
        } catch {
            return configuration.accounts.map {
                AccountReport(account: $0.name, keytab: $0.keytab, outcome: .failed, detail: error.message)
            }
        }

        var reports: [AccountReport] = []
        var pending: [(report: AccountReport, entries: [KeytabEntry], options: KeytabFileOptions, seenKeyVersion: UInt32)] = []
        let writer = KeytabWriter(context: context)
        for (target, account) in accounts {
            var report = AccountReport(account: target.name, keytab: target.keytab, outcome: .failed)
            do throws(SyncFailure) {
                let planned = try plan(target, account, hostPrincipal: hostPrincipal, base: directory.base)
                report = planned.report
                let options = KeytabFileOptions(mode: target.settings.mode, owner: target.settings.owner, group: target.settings.group)
                if writer.isCurrent(planned.entries, at: target.keytab, options: options) {
                    report.outcome = .current
                    reports.append(report)
                } else {
                    pending.append((report, planned.entries, options, planned.seenKeyVersion))
                }
            } catch {
                report.outcome = error.outcome
                report.detail = error.detail
                reports.append(report)
            }
        }
        guard !pending.isEmpty else { return reports }

        // The password changed (or the keytab is new): confirm the kvno with a second search.
        let confirmed: [ServiceAccountName: UInt32]
        do {
            confirmed = try directory.keyVersions(pending.map(\.report.account))
        } catch {
            return reports
                + pending.map {
                    var report = $0.report
                    report.outcome = .failed
                    report.detail = "cannot re-read msDS-KeyVersionNumber: \(error.message)"
                    return report
                }
        }
        for (var report, entries, options, seen) in pending {
            guard let kvno = confirmed[report.account] else {
                report.outcome = .failed
                report.detail = "msDS-KeyVersionNumber could not be re-read (the account vanished?)"
                reports.append(report)
                continue
            }
            let shift = Int64(kvno) - Int64(seen)
            let relabeled = entries.map {
                KeytabEntry(principal: $0.principal, keyVersion: UInt32(Int64($0.keyVersion) + shift), key: $0.key)
            }
            report.keyVersions = report.keyVersions.map { UInt32(Int64($0) + shift) }
            do {
                let outcome = try writer.write(relabeled, to: report.keytab, options: options)
                report.outcome = outcome == .written ? .written : .current
            } catch {
                report.outcome = .failed
                report.detail = error.message
            }
            reports.append(report)
        }
        let order = Dictionary(uniqueKeysWithValues: accounts.enumerated().map { ($1.target.name, $0) })
        return reports.sorted { order[$0.account, default: 0] < order[$1.account, default: 0] }
    }

    /// What `check` shows for one account: the directory's view and the keytab's state; nothing is written.
    public struct Inspection {
        public enum KeytabState: Sendable { case current, outdated, missing, notApplicable }
        public var report: AccountReport
        public var account: ManagedAccount?
        public var keytabState: KeytabState
    }

    /// Looks at every account like ``synchronize(_:hostPrincipal:)`` would, without writing anything.
    public func inspect(_ directory: ManagedAccountDirectory, hostPrincipal: String) throws(DirectoryError) -> [Inspection] {
        let writer = KeytabWriter(context: context)
        return try lookUp(directory).map { target, account in
            do throws(SyncFailure) {
                let planned = try plan(target, account, hostPrincipal: hostPrincipal, base: directory.base)
                let options = KeytabFileOptions(mode: target.settings.mode, owner: target.settings.owner, group: target.settings.group)
                let state: Inspection.KeytabState =
                    writer.isCurrent(planned.entries, at: target.keytab, options: options)
                    ? .current : (FileManagerLite.exists(target.keytab) ? .outdated : .missing)
                return Inspection(report: planned.report, account: account, keytabState: state)
            } catch {
                var report = AccountReport(account: target.name, keytab: target.keytab, outcome: error.outcome)
                report.detail = error.detail
                return Inspection(report: report, account: account, keytabState: .notApplicable)
            }
        }
    }

    struct SyncFailure: Error {
        var outcome: AccountReport.Outcome
        var detail: String
    }

    struct Plan {
        var report: AccountReport
        var entries: [KeytabEntry]
        var seenKeyVersion: UInt32
    }

    /// The keytab entries an account should have, from the first read.
    func plan(
        _ target: AccountTarget,
        _ account: ManagedAccount?,
        hostPrincipal: String,
        base: String
    ) throws(SyncFailure) -> Plan {
        guard let account else {
            throw SyncFailure(outcome: .notFound, detail: "no gMSA with sAMAccountName \(target.name) under \(base)")
        }
        guard let blobBytes = account.passwordBlob else {
            throw SyncFailure(
                outcome: .notReadable,
                detail: "the DC withheld msDS-ManagedPassword: this host (\(hostPrincipal)) is not in "
                    + "msDS-GroupMSAMembership of \(account.distinguishedName) (add it, or a group it is in, "
                    + "with Set-ADServiceAccount -PrincipalsAllowedToRetrieveManagedPassword)")
        }
        guard let kvno = account.keyVersion else {
            throw SyncFailure(outcome: .failed, detail: "msDS-KeyVersionNumber of \(account.distinguishedName) is not readable")
        }
        let blob: ManagedPasswordBlob
        do {
            blob = try blobBytes.withUnsafeBytes { raw throws(ManagedPasswordBlobError) in try ManagedPasswordBlob(parsing: raw) }
        } catch {
            throw SyncFailure(outcome: .failed, detail: error.forAccount(target.name.samAccountName).description)
        }
        let types = target.settings.encryptionTypes ?? EncryptionType.allowed(bySupportedEncryptionTypes: account.supportedEncryptionTypes)
        let layout = KeytabLayout(
            account: target.name, realm: configuration.domain.realm,
            servicePrincipalNames: account.servicePrincipalNames + target.settings.extraPrincipals,
            keyVersions: KeytabLayout.keyVersions(from: blob, currentKeyVersion: kvno),
            encryptionTypes: types)
        let entries: [KeytabEntry]
        do {
            entries = try context.entries(for: layout)
        } catch {
            throw SyncFailure(outcome: .failed, detail: error.message)
        }
        let report = AccountReport(
            account: target.name, keytab: target.keytab, outcome: .current,
            keyVersions: layout.keyVersions.map(\.number), principals: layout.principals, encryptionTypes: types,
            nextPasswordChange: blob.queryPasswordInterval)
        return Plan(report: report, entries: entries, seenKeyVersion: kvno)
    }
}
