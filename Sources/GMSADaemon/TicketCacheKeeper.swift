import GMSACore
import GMSAKerberos
import GMSAService
import Logging

/// Keeps each account's ticket cache valid: renewed (TGS, no long-term key) or acquired anew (AS with the
/// account's keys) as ``TicketCachePlan`` says, repaired when something else deleted or damaged it, and, once this
/// host may no longer read the account or the account is no longer handled, left until its ticket expires and
/// then removed.
///
/// Each tick costs a `stat` per cache: a file unchanged since it was last read or written is not read again. The
/// Kerberos calls run in the tick, like the directory pass's, under the watchdog's bound for a pass; once the KDC
/// is unreachable the other due caches of that tick are not tried (each would wait as long), only rescheduled.
/// A cache is first written once the account's keys are (its first read). Nothing here runs `on_change`: that is
/// about the keytab, and a cache's readers pick up each new ticket by themselves.
struct TicketCacheKeeper {
    let logger: Logger
    let operations: any TicketCacheOperations

    /// A cache as last read or written: its `stat` and TGT, and whose it is.
    struct Seen {
        var fingerprint: KeytabFingerprint
        var info: TicketCacheInfo
        var account: ServiceAccountName
    }

    /// The caches this run checked or wrote, by path.
    private(set) var seen: [String: Seen] = [:]
    /// Whether the caches the state file names were looked at (once, at the first tick).
    private var adoptedRecorded = false

    init(logger: Logger, operations: any TicketCacheOperations) {
        self.logger = logger
        self.operations = operations
    }

    /// Notes what a read of the account said about this host's authorization: a cache of an account it may no
    /// longer read (or that is gone) is no longer renewed, and one it may read again is kept again.
    func record(_ report: AccountReport, state: inout DaemonState) {
        guard var account = state[report.account] else { return }
        switch report.outcome {
        case .notReadable, .notFound:
            guard account.ticketCache?.withheld == nil else { return }
            var cache = account.ticketCache ?? TicketCacheState()
            cache.withheld = report.outcome == .notFound ? "the account is gone" : "this host may no longer read the account"
            account.ticketCache = cache
        case .written, .current:
            guard account.ticketCache?.withheld != nil else { return }
            account.ticketCache?.withheld = nil
        case .failed:
            return
        }
        state[report.account] = account
    }

    /// Does what is due for every target's cache and for caches of accounts no longer targets.
    mutating func keep(
        _ targets: [AccountTarget], realm: String, state: inout DaemonState, spread: (ServiceAccountName) -> Double,
        now: Timestamp
    ) {
        var unreachable: KerberosError?
        var kept: Set<String> = []
        for target in targets {
            guard let settings = target.ticketCache, target.refusal == nil else { continue }
            kept.insert(settings.path)
            guard var account = state[target.name], let keyVersion = account.keyVersion, account.keytabFingerprint != nil
            else { continue }
            var cache = account.ticketCache ?? TicketCacheState()
            keep(
                target, settings, principal: target.name.principal(realm: realm), keyVersion: keyVersion, cache: &cache,
                spread: spread(target.name), unreachable: &unreachable, now: now)
            if account.ticketCache != cache {
                account.ticketCache = cache
                state[target.name] = account
            }
        }
        if !adoptedRecorded {
            adoptedRecorded = true
            adoptRecorded(in: state, realm: realm, keeping: kept)
        }
        removeOrphans(keeping: kept, now: now)
    }

    /// Caches the state file names whose account is no longer a target with that cache (its `ccache` removed
    /// while the daemon was stopped): watched like caches this run wrote, so each is removed once its ticket
    /// expires. Only a file that still holds the account's ticket is taken.
    private mutating func adoptRecorded(in state: DaemonState, realm: String, keeping kept: Set<String>) {
        for (name, account) in state.accounts {
            guard let path = account.ticketCache?.path, !kept.contains(path), seen[path] == nil,
                let fingerprint = KeytabFingerprint(path: path), let accountName = try? ServiceAccountName(name),
                let info = try? operations.inspect(path), info.isFor(accountName.principal(realm: realm))
            else { continue }
            seen[path] = Seen(fingerprint: fingerprint, info: info, account: accountName)
        }
    }

    private mutating func keep(
        _ target: AccountTarget, _ settings: Configuration.TicketCacheSettings, principal: String, keyVersion: UInt32,
        cache: inout TicketCacheState, spread: Double, unreachable: inout KerberosError?, now: Timestamp
    ) {
        let path = settings.path
        let fingerprint = KeytabFingerprint(path: path)
        let finding: TicketCacheCheck.Finding
        if let known = seen[path], let fingerprint, known.fingerprint == fingerprint, known.account == target.name {
            finding = .usable(known.info)
        } else {
            finding = TicketCacheCheck.examine(settings, principal: principal, fingerprint: fingerprint, operations: operations)
        }
        let wasSeen = seen[path] != nil
        var current: TicketCacheInfo?
        if case .usable(let info) = finding {
            current = info
            if let fingerprint { seen[path] = Seen(fingerprint: fingerprint, info: info, account: target.name) }
        } else {
            seen[path] = nil
        }

        if let why = cache.withheld {
            let expired = current.map { $0.expiry <= Int64(now.timeIntervalSince1970) } ?? true
            if expired, fingerprint != nil { remove(path, of: target.name, because: "\(why) and its ticket expired") }
            return
        }
        // What happened to a cache this run kept valid, or one found broken: it is repaired.
        let damage: String?
        switch finding {
        case .usable: damage = nil
        case .missing: damage = wasSeen ? "deleted" : nil
        case .unusable(let what): damage = what
        }
        let status = current.map { TicketCacheStatus($0, keyVersion: cache.keyVersion) }
        let plan = TicketCachePlan.plan(status, keyVersion: keyVersion, spread: spread, now: now)
        let due = max(plan.due, cache.retryAt ?? plan.due)
        guard due <= now else { return }
        let options = TicketCacheFileOptions(mode: settings.mode, owner: settings.owner, group: settings.group)
        let expiry = current.map { Timestamp(timeIntervalSince1970: Double($0.expiry)) }
        if let unreachable {
            fail(target.name, path, unreachable, cache: &cache, expiry: expiry, now: now)
            return
        }
        do {
            let info: TicketCacheInfo
            var usedKeyVersion: UInt32?
            if plan.action == .renew, damage == nil {
                do {
                    info = try operations.renew(path, options: options)
                } catch where !error.isKDCUnreachable {
                    // The KDC would not renew it (revoked, past its renew-until): the account's keys give a new one.
                    logger.info(
                        "\(target.name): ticket cache \(path) not renewed (\(error.message)); getting a new ticket",
                        metadata: metadata(target.name, path, expiry: expiry))
                    (info, usedKeyVersion) = try operations.acquire(
                        for: principal, keytab: target.keytab, keyVersion: keyVersion, writingTo: path, options: options)
                }
            } else {
                (info, usedKeyVersion) = try operations.acquire(
                    for: principal, keytab: target.keytab, keyVersion: keyVersion, writingTo: path, options: options)
            }
            if let usedKeyVersion { cache.keyVersion = usedKeyVersion }
            cache.path = path
            cache.consecutiveFailures = 0
            cache.lastError = nil
            // When the KDC took an older key than the directory's (it has not switched yet), the plan makes the
            // next refresh a new AS exchange again, which tries the new key first.
            cache.retryAt = nil
            if let written = KeytabFingerprint(path: path) {
                seen[path] = Seen(fingerprint: written, info: info, account: target.name)
            }
            let next = TicketCachePlan.plan(
                TicketCacheStatus(info, keyVersion: cache.keyVersion), keyVersion: keyVersion, spread: spread, now: now)
            log(
                target.name, path, info: info, keyVersion: usedKeyVersion, plan: plan, damage: damage,
                first: current == nil && !wasSeen && damage == nil, next: next,
                reacquireReason: TicketCachePlan.reacquireReason(status, keyVersion: keyVersion))
        } catch {
            if error.isKDCUnreachable { unreachable = error }
            fail(target.name, path, error, cache: &cache, expiry: expiry, now: now)
        }
    }

    private func fail(
        _ account: ServiceAccountName, _ path: String, _ error: KerberosError, cache: inout TicketCacheState,
        expiry: Timestamp?, now: Timestamp
    ) {
        cache.consecutiveFailures += 1
        cache.lastError = error.message
        let retry = TicketCacheState.retry(afterFailures: cache.consecutiveFailures, now: now, expiry: expiry)
        cache.retryAt = retry
        var metadata = metadata(account, path, expiry: expiry)
        metadata[JournalField.nextRefresh] = "\(UTCTimestamp.format(retry))"
        metadata[JournalField.messageID] = "\(JournalField.MessageID.ticketCacheFailed)"
        let valid = expiry.map { $0 > now } ?? false
        let left = valid ? "its ticket stays valid until \(UTCTimestamp.format(expiry ?? now))" : "it holds no valid ticket"
        let message =
            "\(account): ticket cache \(path) not refreshed (\(cache.consecutiveFailures) in a row): \(error.message); "
            + "\(left); next try \(UTCTimestamp.format(retry))"
        if valid { logger.warning("\(message)", metadata: metadata) } else { logger.error("\(message)", metadata: metadata) }
    }

    private func log(
        _ account: ServiceAccountName, _ path: String, info: TicketCacheInfo, keyVersion: UInt32?, plan: TicketCachePlan,
        damage: String?, first: Bool, next: TicketCachePlan, reacquireReason: String
    ) {
        let expiry = Timestamp(timeIntervalSince1970: Double(info.expiry))
        var metadata = metadata(account, path, expiry: expiry)
        metadata[JournalField.nextRefresh] = "\(UTCTimestamp.format(next.due))"
        if let keyVersion { metadata[JournalField.keyVersion] = "\(keyVersion)" }
        let times =
            "ticket valid until \(UTCTimestamp.format(expiry))"
            + (info.renewUntil.map { ", renewable until \(UTCTimestamp.format(Timestamp(timeIntervalSince1970: Double($0))))" } ?? "")
            + (keyVersion.map { ", from kvno \($0)" } ?? "") + "; next: \(next.action.summary) at \(UTCTimestamp.format(next.due))"
        if let damage {
            metadata[JournalField.messageID] = "\(JournalField.MessageID.ticketCacheRepaired)"
            logger.notice("\(account): ticket cache \(path) repaired (it was \(damage)), \(times)", metadata: metadata)
        } else if keyVersion == nil {
            metadata[JournalField.messageID] = "\(JournalField.MessageID.ticketCacheRenewed)"
            logger.info("\(account): ticket cache \(path) renewed, \(times)", metadata: metadata)
        } else if first {
            metadata[JournalField.messageID] = "\(JournalField.MessageID.ticketCacheAcquired)"
            logger.notice("\(account): ticket cache \(path) written, \(times)", metadata: metadata)
        } else {
            let reason: String
            switch plan.action {
            case .acquire(let why): reason = why
            case .reacquire: reason = reacquireReason
            case .renew: reason = "the KDC would not renew it"
            }
            metadata[JournalField.messageID] = "\(JournalField.MessageID.ticketCacheAcquired)"
            logger.notice("\(account): ticket cache \(path) re-acquired (\(reason)), \(times)", metadata: metadata)
        }
    }

    /// Caches checked earlier whose account is no longer a target (not configured, or discovery no longer finds
    /// it readable): each stays until its ticket expires, then is removed.
    private mutating func removeOrphans(keeping kept: Set<String>, now: Timestamp) {
        for (path, cache) in seen where !kept.contains(path) {
            guard cache.info.expiry <= Int64(now.timeIntervalSince1970) else { continue }
            seen[path] = nil
            // Only the file this run last saw: one written since by someone else is theirs.
            guard KeytabFingerprint(path: path) == cache.fingerprint else { continue }
            remove(path, of: cache.account, because: "the account is no longer configured or readable and its ticket expired")
        }
    }

    private mutating func remove(_ path: String, of account: ServiceAccountName, because reason: String) {
        seen[path] = nil
        var metadata = metadata(account, path, expiry: nil)
        do {
            guard try operations.remove(path) else { return }
            metadata[JournalField.messageID] = "\(JournalField.MessageID.ticketCacheRemoved)"
            logger.notice("\(account): ticket cache \(path) removed: \(reason)", metadata: metadata)
        } catch {
            metadata[JournalField.messageID] = "\(JournalField.MessageID.ticketCacheFailed)"
            logger.error("\(account): ticket cache \(path) not removed (\(reason)): \(error.message)", metadata: metadata)
        }
    }

    private func metadata(_ account: ServiceAccountName, _ path: String, expiry: Timestamp?) -> Logger.Metadata {
        var metadata: Logger.Metadata = [JournalField.account: "\(account)", JournalField.ticketCache: "\(path)"]
        if let expiry { metadata[JournalField.ticketExpires] = "\(UTCTimestamp.format(expiry))" }
        return metadata
    }
}
