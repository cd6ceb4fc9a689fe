import GMSACore
import GMSAService
import Logging

/// Notices keytabs that something else broke: a `stat` per account and tick against the fingerprint recorded at
/// the last write (no keys are kept in memory: the repair reads the account again), and state recorded for
/// another keytab path.
///
/// An account it flags is made due now; ``repairs`` remembers what happened to its keytab until the write that
/// repairs it is logged.
struct KeytabWatch {
    let logger: Logger
    /// Accounts being read again because something else broke their keytab, and what happened to it
    /// ("deleted", "given other permissions", …).
    private(set) var repairs: [ServiceAccountName: String] = [:]

    init(logger: Logger) {
        self.logger = logger
    }

    /// Checks each target's keytab; makes broken ones due through `schedule`.
    mutating func check(_ targets: [AccountTarget], state: inout DaemonState, schedule: RefreshSchedule, now: Timestamp) {
        for target in targets {
            guard var accountState = state[target.name] else { continue }
            if accountState.keytab != target.keytab {
                logger.info(
                    "\(target.name): the state file tracked \(accountState.keytab), the configuration says \(target.keytab); reading it now",
                    metadata: [JournalField.account: "\(target.name)", JournalField.keytab: "\(target.keytab)"])
                accountState = AccountState(keytab: target.keytab)
                state[target.name] = accountState
                continue
            }
            guard let recorded = accountState.keytabFingerprint else { continue }
            let onDisk = KeytabFingerprint(path: target.keytab)
            guard let change = KeytabFingerprint.change(from: recorded, to: onDisk) else { continue }
            var message = "\(target.name): keytab \(target.keytab) was \(change) by something else; reading the account again to repair it"
            let contentLost = !recorded.hasSameContent(as: onDisk)
            if contentLost, !accountState.retainedUntil.isEmpty {
                let lost = accountState.retainedUntil.keys.sorted(by: >).map(String.init).joined(separator: ", ")
                message += "; retained old kvno \(lost) were only in that file and are gone (tickets under them fail until they expire)"
            }
            logger.warning(
                "\(message)", metadata: [JournalField.account: "\(target.name)", JournalField.keytab: "\(target.keytab)"])
            repairs[target.name] = change
            schedule.recordKeytabBroken(in: &accountState, now: now)
            state[target.name] = accountState
        }
    }

    /// What happened to `account`'s keytab, once: the write that repaired it takes it.
    mutating func takeRepair(of account: ServiceAccountName) -> String? {
        repairs.removeValue(forKey: account)
    }
}
