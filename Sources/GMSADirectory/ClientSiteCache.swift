import GMSACore
import LDAPPing
import Synchronization

/// The host's AD site as the DCs' LDAP pings reported it, kept between passes, and which DCs said they are
/// read-only.
///
/// The daemon asks once and keeps the answer (also "no site" and "no DC answered") for its life; a reload or
/// a `gmsa-keytabd refresh` calls ``forget()`` so the next pass pings again (a host moved to another subnet),
/// and so does a pass that could use none of the site's DCs (``recheck()``). `sync` and `check` use a new one
/// each run. A DC's writable flag (``NetlogonResponse/isWritable``) is kept for the daemon's life (a DC changes
/// between read-only and writable only when it is demoted and promoted again), so a read-only DC costs one
/// ping per daemon life, not a ticket and a bind per pass.
public final class ClientSiteCache: Sendable {
    /// What the last round of pings found.
    public struct Outcome: Sendable, Equatable {
        /// The site, when a DC named one.
        public var site: ClientSite?
        /// Why there is none: the DCs' failures, or "no subnet covers this host".
        public var note: String?
    }

    /// The kept outcome, whether it was reported (logged) yet, and whether the next pass pings again anyway.
    private let kept = Mutex<(outcome: Outcome, reported: Bool, stale: Bool)?>(nil)

    /// Whether each DC that answered a ping is writable, by lowercased host name (pings go to UDP 389 whatever
    /// the LDAP port).
    private let writable = Mutex<[String: Bool]>([:])

    public init() {}

    /// Drops the kept site: the next pass pings again.
    public func forget() {
        kept.withLock { $0 = nil }
    }

    /// Whether `controller` is a read-only DC: from an earlier answer, else from a ping now. `nil` when it did
    /// not answer (the bind then decides; nothing is kept, so the next pass asks again). `learned` is true
    /// when this call pinged.
    func isReadOnly(
        _ controller: DomainController, ping: (DomainController) throws(DirectoryError) -> NetlogonResponse
    ) -> (readOnly: Bool, learned: Bool)? {
        let host = controller.host.lowercased()
        if let known = writable.withLock({ $0[host] }) { return (!known, false) }
        guard let answer = try? ping(controller) else { return nil }
        writable.withLock { $0[host] = answer.isWritable }
        return (!answer.isWritable, true)
    }

    /// Makes the next pass ping again but keeps what was found until then: none of the site's DCs could be
    /// used, and the host may have moved to another site. An answer naming the same site again is not
    /// reported again.
    public func recheck() {
        kept.withLock { $0?.stale = true }
    }

    /// Records that the kept outcome was logged: ``DomainControllerChoice/siteIsFresh`` is false from now on,
    /// until the outcome changes or is forgotten.
    public func markReported() {
        kept.withLock { $0?.reported = true }
    }

    /// Keeps `site` (from the configuration); true when it is new or not reported yet.
    func remember(_ site: ClientSite) -> Bool {
        kept.withLock { kept in
            if let current = kept, current.outcome.site == site {
                kept?.stale = false
                return !current.reported
            }
            kept = (Outcome(site: site, note: nil), false, false)
            return true
        }
    }

    /// The kept outcome, or that of a new round of pings; `fresh` until it is reported. `ping` asks one DC.
    func outcome(
        pinging candidates: [DomainController],
        ping: (DomainController) throws(DirectoryError) -> NetlogonResponse
    ) -> (outcome: Outcome, fresh: Bool) {
        let previous = kept.withLock { $0 }
        if let previous, !previous.stale { return (previous.outcome, !previous.reported) }
        var failures: [String] = []
        var found = Outcome(site: nil, note: nil)
        for controller in candidates {
            do {
                let answer = try ping(controller)
                writable.withLock { $0[controller.host.lowercased()] = answer.isWritable }
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
        // A new round after recheck() that finds the same site (or again none) has nothing new to report.
        let unchanged = previous.map { $0.reported && $0.outcome.site?.name == found.site?.name } ?? false
        kept.withLock { $0 = (found, unchanged, false) }
        return (found, !unchanged)
    }
}
