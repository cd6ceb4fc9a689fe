import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A swift-log handler that writes structured entries to journald, in its native protocol (``JournalDatagram``).
///
/// Each entry carries `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, the code location, and every metadata
/// value as an upper-case field (``JournalField``), so `journalctl GMSA_ACCOUNT=msa-web$` works.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let identifier: String

    public init(identifier: String = "gmsa-keytabd", logLevel: Logger.Level = .info) {
        self.identifier = identifier
        self.logLevel = logLevel
    }

    /// The path journald listens on for native entries.
    public static let socketPath = "/run/systemd/journal/socket"
    static let socketAddress = UnixDatagram.Address(path: socketPath)

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

    /// Sends `FIELD=value` strings as one journal entry; false when journald did not take it.
    ///
    /// An entry larger than the socket's send buffer cannot be sent as one datagram; like `sd_journal_sendv`,
    /// the buffer is first raised to 8 MiB (as far as `net.core.wmem_max` lets it). An entry still too large
    /// (no message of the daemon's comes near) is sent again with every value cut to 4 KiB.
    @discardableResult
    static func send(_ fields: [String]) -> Bool {
        guard let address = socketAddress else { return false }
        if UnixDatagram.send(JournalDatagram.encode(fields), to: address, bufferSize: 8 << 20) { return true }
        let shortened = fields.map { $0.utf8.count > 4096 ? String(decoding: $0.utf8.prefix(4096), as: UTF8.self) + "…" : $0 }
        return shortened != fields && UnixDatagram.send(JournalDatagram.encode(shortened), to: address, bufferSize: 8 << 20)
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
