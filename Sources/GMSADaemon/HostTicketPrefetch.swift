import Dispatch
import GMSAKerberos
import GMSAService

/// The host's first ticket, asked for on a thread of its own while the daemon starts (loads its state, makes its
/// fingerprint key, writes its pid file): the KDC's answer takes about 10 ms of the time to the first keytab.
/// It is the first DC's LDAP ticket when `[domain] servers` names it, else a TGT (as ``DomainConnection`` asks).
/// The first pass waits for it (``wait()``); a failure is met again, and reported, by that pass.
final class HostTicketPrefetch: @unchecked Sendable {
    // Unchecked: `credentials` is used by the prefetch thread only until `done` is signalled, and by the
    // engine only after wait() has returned.
    private let credentials: HostCredentials
    private let done = DispatchSemaphore(value: 0)
    private var finished = false

    init(_ credentials: HostCredentials, expecting host: String?) {
        self.credentials = credentials
        DetachedThread.start(name: "gmsa-host-tkt") { [self] in
            self.credentials.prefetch(expecting: host)
            self.done.signal()
        }
    }

    /// Returns once the prefetch is over (at once after the first call).
    func wait() {
        guard !finished else { return }
        done.wait()
        finished = true
    }
}
