import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A swift-log handler for when there is no journal (containers, tests, a terminal): one line per entry on
/// standard error, prefixed with the syslog priority as `<N>` so systemd still files it at the right level
/// if stderr goes to the journal after all. Metadata follows as `FIELD=value` pairs.
public struct StandardErrorLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    public init(logLevel: Logger.Level = .info) {
        self.logLevel = logLevel
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "<\(JournalLogHandler.priority(event.level))>\(event.message)"
        for (key, value) in JournalLogHandler.merge(metadata, metadataProvider, event) where key != JournalField.messageID {
            line += " \(JournalField.name(for: key))=\(value)"
        }
        line += "\n"
        // One write(2) per line, so lines from different threads never interleave.
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
