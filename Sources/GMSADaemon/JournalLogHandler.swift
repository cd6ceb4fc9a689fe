import CSystemd
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A swift-log handler that writes structured entries to journald through `sd_journal_sendv`.
///
/// Each entry carries `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, the code location, and every metadata
/// value as an upper-case field (``JournalField``), so `journalctl GMSA_ACCOUNT=msa-web$` works.
/// (`sd_journal_send` is variadic and cannot be called from Swift; `sd_journal_sendv` takes an iovec array.)
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let identifier: String

    public init(identifier: String = "gmsa-keytabd", logLevel: Logger.Level = .info) {
        self.identifier = identifier
        self.logLevel = logLevel
    }

    /// The path journald listens on; `sd_journal_sendv` always sends there.
    public static let socketPath = "/run/systemd/journal/socket"

    /// Whether a journal is there to receive entries.
    public static var isAvailable: Bool { access(socketPath, W_OK) == 0 }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(Self.priority(event.level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
        ]
        for (key, value) in Self.merge(metadata, metadataProvider, event) {
            fields.append("\(JournalField.name(for: key))=\(value)")
        }
        Self.send(fields)
    }

    /// Handler, provider and event metadata, later ones winning, sorted by key.
    static func merge(
        _ metadata: Logger.Metadata,
        _ provider: Logger.MetadataProvider?,
        _ event: LogEvent
    ) -> [(key: String, value: Logger.Metadata.Value)] {
        var merged = metadata
        if let provided = provider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        return merged.sorted { $0.key < $1.key }
    }

    /// Sends `FIELD=value` strings as one journal entry.
    static func send(_ fields: [String]) {
        var buffers = fields.map { Array($0.utf8) }
        var vectors: [iovec] = []
        vectors.reserveCapacity(buffers.count)
        for index in buffers.indices {
            buffers[index].withUnsafeMutableBytes { bytes in
                vectors.append(iovec(iov_base: bytes.baseAddress, iov_len: bytes.count))
            }
        }
        // The arrays are not mutated or moved while the iovecs point into them.
        withExtendedLifetime(buffers) {
            _ = sd_journal_sendv(vectors, Int32(vectors.count))
        }
    }

    /// syslog priorities: 2 critical … 7 debug.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
