import GMSACore
import GMSAService
import Logging

/// The accounts' `on_change` commands: started without waiting, polled every tick, killed past their timeout.
/// One command per account at a time; a keytab that changes again while its command runs starts it once more
/// when the running one has ended.
final class ChangeCommandRunner {
    private let logger: Logger
    private var running: [(log: ChangeCommandLog, command: ChangeCommand.Running)] = []
    /// Accounts whose keytab changed again while their command ran, with the latest start's arguments and
    /// timeout: started once the running one has ended.
    private var waiting: [ServiceAccountName: (arguments: [String], timeout: Duration)] = [:]

    init(logger: Logger) {
        self.logger = logger
    }

    /// Commands still running.
    var runningCount: Int { running.count }

    /// Starts `arguments` for `account` now, or once its previous command has ended.
    func start(_ arguments: [String], for account: ServiceAccountName, timeout: Duration) {
        if running.contains(where: { $0.log.account == account }) {
            waiting[account] = (arguments, timeout)
            return
        }
        let log = ChangeCommandLog(account: account, arguments: arguments, logger: logger)
        switch ChangeCommand(arguments: arguments, timeout: timeout).start(output: log.sink) {
        case .success(let command):
            running.append((log, command))
        case .failure(let failure):
            log.result(.couldNotStart(failure.reason))
        }
    }

    /// Reports the commands that ended, kills those past their timeout, and starts the ones that waited.
    func poll(monotonic: ContinuousClock.Instant) {
        guard !running.isEmpty else { return }
        var stillRunning: [(log: ChangeCommandLog, command: ChangeCommand.Running)] = []
        var ended: [ServiceAccountName] = []
        for entry in running {
            if let result = entry.command.poll(now: monotonic) {
                entry.log.result(result)
                ended.append(entry.log.account)
            } else {
                stillRunning.append(entry)
            }
        }
        running = stillRunning
        for account in ended {
            if let next = waiting.removeValue(forKey: account) {
                start(next.arguments, for: account, timeout: next.timeout)
            }
        }
    }
}
