import GMSACore
import GMSAService
import Logging

/// How an account's `on_change` command shows in the journal: each line it writes, then how it ended.
///
/// Output lines are `on_change: <line>` with `GMSA_ACCOUNT=` and `GMSA_HOOK_STREAM=stdout|stderr`; standard
/// output at info, standard error at warning (as a command's diagnostics go there). The end is the line the
/// daemon has always logged: `<account>: on_change command finished: exit status 0` (info), or
/// `<account>: on_change command <argv> failed: <result>` (warning), with `GMSA_ACCOUNT=` and `ON_CHANGE=`.
public struct ChangeCommandLog: Sendable {
    public let account: ServiceAccountName
    public let arguments: [String]
    let logger: Logger

    public init(account: ServiceAccountName, arguments: [String], logger: Logger) {
        self.account = account
        self.arguments = arguments
        self.logger = logger
    }

    /// For ``ChangeCommand/start(output:)``: called from the command's reading thread (swift-log handlers may be).
    public var sink: ChangeCommandOutput.Sink {
        { [self] stream, event in output(stream, event) }
    }

    public func output(_ stream: ChangeCommandOutput.Stream, _ event: ChangeCommandOutput.Event) {
        let metadata: Logger.Metadata = [JournalField.account: "\(account)", JournalField.hookStream: "\(stream.rawValue)"]
        let level: Logger.Level = stream == .standardOutput ? .info : .warning
        switch event {
        case .line(let text):
            logger.log(level: level, "on_change: \(text)", metadata: metadata)
        case .cutLine(let text):
            logger.log(level: level, "on_change: \(text) [line cut at \(ChangeCommandOutput.lineLimit) bytes]", metadata: metadata)
        case .truncated:
            logger.warning(
                "on_change: output truncated after \(ChangeCommandOutput.totalLimit) bytes; the rest is not logged", metadata: metadata)
        }
    }

    public func result(_ result: ChangeCommand.Result) {
        let metadata: Logger.Metadata = [JournalField.account: "\(account)", "ON_CHANGE": "\(arguments.joined(separator: " "))"]
        if result == .exited(0) {
            logger.info("\(account): on_change command finished: \(result)", metadata: metadata)
        } else {
            logger.warning("\(account): on_change command \(arguments.joined(separator: " ")) failed: \(result)", metadata: metadata)
        }
    }
}
