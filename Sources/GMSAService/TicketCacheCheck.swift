import GMSACore
import GMSAKerberos

#if canImport(Glibc)
import Glibc
#endif

/// Whether an account's ticket cache on disk is one the daemon would keep: a cache of the account's TGT, with
/// the configured owner and mode. The daemon's keeper, `status` and `check` judge caches the same way.
public enum TicketCacheCheck {
    /// What the cache at the configured path is.
    public enum Finding: Sendable, Equatable {
        /// The account's TGT (possibly expired: its times say), with the right owner and mode.
        case usable(TicketCacheInfo)
        /// No file.
        case missing
        /// A file that must be written anew, and why in words ("damaged: …", "owned by 0:0, not 65534:65534").
        case unusable(String)
    }

    /// Judges the cache at `settings.path` for `principal`; `fingerprint` is the file's `stat` (for its owner and
    /// mode), `nil` when there is none. Owners left unset are the daemon's own user and group.
    public static func examine(
        _ settings: Configuration.TicketCacheSettings, principal: String, fingerprint: KeytabFingerprint?,
        operations: some TicketCacheOperations
    ) -> Finding {
        guard let fingerprint else { return .missing }
        let owner = settings.owner ?? geteuid()
        let group = settings.group ?? getegid()
        if fingerprint.owner != owner || fingerprint.group != group {
            return .unusable("owned by \(fingerprint.owner):\(fingerprint.group), not \(owner):\(group)")
        }
        if fingerprint.mode & 0o7777 != settings.mode {
            return .unusable("mode \(octal(fingerprint.mode & 0o7777)), not \(octal(settings.mode))")
        }
        let info: TicketCacheInfo?
        do {
            info = try operations.inspect(settings.path)
        } catch {
            return .unusable("unreadable: \(error.message)")
        }
        guard let info else { return .missing }
        guard info.isFor(principal) else { return .unusable("holding a ticket of \(info.client), not \(principal)") }
        return .usable(info)
    }

    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

extension TicketCacheStatus {
    /// The schedule's view of a cache's TGT; `keyVersion` is the one the state file remembers for it.
    public init(_ info: TicketCacheInfo, keyVersion: UInt32?) {
        self.init(
            start: Timestamp(timeIntervalSince1970: Double(info.start)),
            expiry: Timestamp(timeIntervalSince1970: Double(info.expiry)),
            renewUntil: info.renewUntil.map { Timestamp(timeIntervalSince1970: Double($0)) }, keyVersion: keyVersion)
    }
}

extension TicketCachePlan.Action {
    /// In words, for logs and `status`: "renew", "re-acquire (…)", "acquire (…)".
    public var summary: String {
        switch self {
        case .acquire(let reason): return "acquire a new ticket (\(reason))"
        case .renew: return "renew"
        case .reacquire: return "re-acquire with the account's keys"
        }
    }
}
