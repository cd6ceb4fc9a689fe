import GMSACore
import GMSAKerberos
import GMSAService

#if canImport(Glibc)
import Glibc
#endif

/// What `status` and `check` print about an account's ticket cache: path, principal, expiry, renew-until, and
/// the daemon's next action and when (``TicketCachePlan``), judged as the daemon's keeper judges it.
enum TicketCacheSummary {
    /// The lines (indented by `indent`) and whether the cache needs attention (missing, unusable, expired, or
    /// failing to refresh).
    static func lines(
        _ settings: Configuration.TicketCacheSettings, account: ServiceAccountName, realm: String, keyVersion: UInt32?,
        cache: TicketCacheState?, context: KerberosContext, indent: String, now: Timestamp
    ) -> (lines: [String], healthy: Bool) {
        let principal = account.principal(realm: realm)
        let finding = TicketCacheCheck.examine(
            settings, principal: principal, fingerprint: KeytabFingerprint(path: settings.path),
            operations: KerberosTicketCaches(context: context))
        var lines = ["\(indent)ticket cache: \(settings.path)"]
        var healthy = true
        var status: TicketCacheStatus?
        switch finding {
        case .usable(let info):
            status = TicketCacheStatus(info, keyVersion: cache?.keyVersion)
            let expiry = Timestamp(timeIntervalSince1970: Double(info.expiry))
            let expired = expiry <= now
            if expired { healthy = false }
            lines.append("\(indent)  principal: \(info.client)")
            lines.append("\(indent)  expires: \(StatusCommand.format(expiry, now: now))\(expired ? " EXPIRED" : "")")
            lines.append(
                "\(indent)  renew until: "
                    + (info.renewUntil.map { StatusCommand.format(Timestamp(timeIntervalSince1970: Double($0)), now: now) } ?? "not renewable"))
        case .missing:
            healthy = false
            lines.append("\(indent)  MISSING")
        case .unusable(let why):
            healthy = false
            lines.append("\(indent)  UNUSABLE: \(why)")
        }
        if let withheld = cache?.withheld {
            lines.append("\(indent)  next: not refreshed (\(withheld)); removed once its ticket expires")
        } else if keyVersion == nil {
            lines.append("\(indent)  next: written after the account's first read")
        } else {
            let spread = HostIdentity.current.map { RefreshSpread(host: $0, account: account) } ?? .middle
            let plan = TicketCachePlan.plan(status, keyVersion: keyVersion, spread: spread.ticket, now: now)
            let due = max(plan.due, cache?.retryAt ?? plan.due)
            let why = plan.action == .reacquire ? " (\(TicketCachePlan.reacquireReason(status, keyVersion: keyVersion)))" : ""
            lines.append("\(indent)  next: \(plan.action.summary)\(why) \(due <= now ? "now" : StatusCommand.format(due, now: now))")
        }
        if let error = cache?.lastError {
            healthy = false
            lines.append("\(indent)  last error (\(cache?.consecutiveFailures ?? 0) in a row): \(error)")
        }
        return (lines, healthy)
    }
}
