import GMSACore
import GMSAService

/// The daemon's `STATUS=` for systemd: `3 account(s) current, next change msa-web$ in 12d 3h`, or which accounts
/// fail and when they are retried.
enum StatusLine {
    static func text(accounts names: [ServiceAccountName], state: DaemonState, now: Timestamp) -> String {
        if names.isEmpty { return "no accounts configured" }
        let failing = names.filter { state[$0]?.lastError != nil || state[$0]?.lastSuccess == nil }
        let healthy = names.count - failing.count
        var line = failing.isEmpty ? "\(healthy) account(s) current" : "\(healthy) of \(names.count) account(s) current"
        let changes = names.compactMap { name in state[name]?.passwordExpiry.map { (name, $0) } }.filter { $0.1 > now }
        if let next = changes.min(by: { $0.1 < $1.1 }) {
            line += ", next change \(next.0) in \(AccountReport.format(.seconds(next.1.timeIntervalSince(now))))"
        }
        if let first = failing.first {
            line += "; failing: \(failing.map(\.samAccountName).joined(separator: ", "))"
            if let retry = state[first]?.nextFetch, retry > now {
                line += " (retry in \(AccountReport.format(.seconds(retry.timeIntervalSince(now)))))"
            }
        }
        return line
    }
}
