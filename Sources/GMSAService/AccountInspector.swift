import GMSACore
import GMSADirectory
import GMSAKerberos

/// What `check` shows for each account: the directory's view and whether its keytab holds the keys it should.
/// Writes nothing.
public struct AccountInspector {
    /// One account's inspection.
    public struct Inspection {
        public enum KeytabState: Sendable { case current, outdated, missing, notApplicable }
        public var report: AccountReport
        public var account: ManagedAccount?
        public var keytabState: KeytabState
    }

    public let configuration: Configuration
    let context: KerberosContext

    public init(configuration: Configuration, context: KerberosContext) {
        self.configuration = configuration
        self.context = context
    }

    /// Looks at every account as a sync would, without writing anything; also returns the discovered gMSAs this
    /// host may not read.
    public func inspect(
        _ directory: ManagedAccountDirectory,
        hostPrincipal: String
    ) throws(DirectoryError) -> (inspections: [Inspection], unreadable: [ManagedAccount]) {
        let writer = KeytabWriter(context: context)
        let planner = KeyPlanner(realm: configuration.domain.realm, context: context)
        let (accounts, unreadable) = try AccountLookup(configuration: configuration).survey(directory)
        let inspections = accounts.map { target, account in
            do throws(AccountFailure) {
                if let refusal = target.refusal { throw AccountFailure(.failed, refusal) }
                let plan = try planner.derivedPlan(target, account, hostPrincipal: hostPrincipal, base: directory.base)
                let existing = (try? KeytabReader(context: context).read(target.keytab).entries) ?? []
                let freshPresent = plan.entries.allSatisfy(existing.contains)
                let state: Inspection.KeytabState =
                    freshPresent && writer.isCurrent(existing, at: target.keytab, options: target.fileOptions)
                    ? .current : (FileManagerLite.exists(target.keytab) ? .outdated : .missing)
                return Inspection(report: plan.report, account: account, keytabState: state)
            } catch {
                var report = AccountReport(account: target.name, keytab: target.keytab, outcome: error.outcome)
                report.detail = error.detail
                return Inspection(report: report, account: account, keytabState: .notApplicable)
            }
        }
        return (inspections, unreadable)
    }
}
