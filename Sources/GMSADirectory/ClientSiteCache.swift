import GMSACore
import Synchronization

/// The host's AD site as the DCs' LDAP pings reported it, kept between passes.
///
/// The daemon asks once and keeps the answer (also "no site" and "no DC answered") for its life; a reload or
/// a `gmsa-keytabd refresh` calls ``forget()`` so the next pass pings again (a host moved to another subnet).
/// `sync` and `check` use a new one each run.
public final class ClientSiteCache: Sendable {
    /// What the last round of pings found.
    public struct Outcome: Sendable, Equatable {
        /// The site, when a DC named one.
        public var site: ClientSite?
        /// Why there is none: the DCs' failures, or "no subnet covers this host".
        public var note: String?
    }

    private let outcome = Mutex<Outcome?>(nil)

    public init() {}

    /// Drops the kept answer: the next pass pings again.
    public func forget() {
        outcome.withLock { $0 = nil }
    }

    /// Keeps `site` (from the configuration); true when it was not kept already.
    func remember(_ site: ClientSite) -> Bool {
        outcome.withLock { kept in
            defer { kept = Outcome(site: site, note: nil) }
            return kept?.site != site
        }
    }

    /// The kept outcome, or that of a new round of pings (then `fresh` is true); `ping` asks one DC.
    func outcome(
        pinging candidates: [DomainController],
        ping: (DomainController) throws(DirectoryError) -> NetlogonResponse
    ) -> (outcome: Outcome, fresh: Bool) {
        if let kept = outcome.withLock({ $0 }) { return (kept, false) }
        var failures: [String] = []
        var found = Outcome(site: nil, note: nil)
        for controller in candidates {
            do {
                let answer = try ping(controller)
                if answer.clientSiteName.isEmpty {
                    found.note = "\(controller.host) says no subnet of the forest covers this host's address"
                } else if !ClientSite.isValidName(answer.clientSiteName) {
                    found.note = "\(controller.host) named a site that cannot be looked up in DNS"
                } else {
                    found.site = ClientSite(name: answer.clientSiteName, source: .ping(controller))
                }
                failures = []
                break
            } catch {
                failures.append(error.message)
            }
        }
        if !failures.isEmpty { found.note = "no DC answered an LDAP ping: " + failures.joined(separator: "; ") }
        if candidates.isEmpty { found.note = "no DC to ping" }
        outcome.withLock { $0 = found }
        return (found, true)
    }
}
