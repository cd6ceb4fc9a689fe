import GMSACore
import GMSAService
import Logging

/// How a pass's outcomes show in the journal: one entry per account report, at the level an admin alerts on,
/// with `GMSA_ACCOUNT=`, `KEYTAB=`, `KVNO=`, `DC=`, `NEXT_REFRESH=` and the catalog's `MESSAGE_ID` for the
/// events that have one (systemd/gmsa-keytabd.catalog).
struct RefreshEventLog {
    let logger: Logger
    /// Accounts whose RC4-only warning this daemon run has logged (once per account and run, not per pass).
    private var rc4Warned: Set<ServiceAccountName> = []

    init(logger: Logger) {
        self.logger = logger
    }

    /// One account's outcome. `repaired` is what had happened to the keytab a write just repaired; `nextFetch`
    /// when the account is read next.
    func log(_ report: AccountReport, server: String?, nextFetch: Timestamp?, repaired: String? = nil) {
        var metadata: Logger.Metadata = [
            JournalField.account: "\(report.account)",
            JournalField.keytab: "\(report.keytab)",
        ]
        if let kvno = report.keyVersions.first { metadata[JournalField.keyVersion] = "\(kvno)" }
        if let server { metadata[JournalField.domainController] = "\(server)" }
        if let nextFetch { metadata[JournalField.nextRefresh] = "\(UTCTimestamp.format(nextFetch))" }
        switch report.outcome {
        case .written where report.stagedNextKey:
            metadata[JournalField.messageID] = "\(JournalField.MessageID.rolloverStaged)"
            logger.notice("\(report.account): rollover staged, \(report.line)", metadata: metadata)
        case .written where repaired != nil:
            metadata[JournalField.messageID] = "\(JournalField.MessageID.keytabRepaired)"
            logger.notice("\(report.account): keytab repaired (it was \(repaired ?? "")), \(report.line)", metadata: metadata)
        case .written:
            metadata[JournalField.messageID] = "\(JournalField.MessageID.keytabUpdated)"
            logger.notice("\(report.account): keytab updated, \(report.line)", metadata: metadata)
        case .current:
            logger.debug("\(report.line)\(report.detail.map { " (\($0))" } ?? "")", metadata: metadata)
        case .notReadable:
            metadata[JournalField.messageID] = "\(JournalField.MessageID.accountNotReadable)"
            logger.warning("\(report.line)", metadata: metadata)
        case .notFound, .failed:
            metadata[JournalField.messageID] = "\(JournalField.MessageID.refreshFailed)"
            logger.error("\(report.line)", metadata: metadata)
        }
    }

    /// The read after a password change found the staged key current: nothing to write, but an admin wants
    /// to see the rollover complete (and through which DC).
    func logRolloverConfirmed(_ report: AccountReport, keyVersion: UInt32, server: String) {
        let metadata: Logger.Metadata = [
            JournalField.account: "\(report.account)", JournalField.keytab: "\(report.keytab)",
            JournalField.keyVersion: "\(keyVersion)", JournalField.domainController: "\(server)",
            JournalField.messageID: "\(JournalField.MessageID.rolloverConfirmed)",
        ]
        logger.notice(
            "\(report.account): rollover confirmed by \(server): kvno \(keyVersion) is current and was already in \(report.keytab)",
            metadata: metadata)
    }

    /// The directory's key took the place of the keytab's under the same kvno: what and why, at warning (tickets
    /// under the replaced key are refused from now on).
    func logKeysReplaced(_ detail: String, for report: AccountReport, server: String) {
        var metadata: Logger.Metadata = [
            JournalField.account: "\(report.account)", JournalField.keytab: "\(report.keytab)",
            JournalField.domainController: "\(server)",
            JournalField.messageID: "\(JournalField.MessageID.keysReplaced)",
        ]
        if let kvno = report.keyVersions.first { metadata[JournalField.keyVersion] = "\(kvno)" }
        logger.warning("\(report.account): \(detail)", metadata: metadata)
    }

    /// Once per account and daemon run: the account's tickets are RC4 (``RC4OnlyWarning``).
    mutating func logRC4Only(_ warning: RC4OnlyWarning, for report: AccountReport) {
        guard rc4Warned.insert(report.account).inserted else { return }
        logger.warning(
            "\(report.account): \(warning.detail)",
            metadata: [
                JournalField.account: "\(report.account)", JournalField.messageID: "\(JournalField.MessageID.rc4Only)",
            ])
    }
}
