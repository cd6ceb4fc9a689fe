/// What the daemon remembers about one account between passes and across restarts (the state file).
///
/// Holds key version numbers and times, never keys: the retained old keys themselves live in the keytab.
public struct AccountState: Sendable, Equatable {
    /// The keytab file this state belongs to.
    public var keytab: String
    /// The account's kvno as last confirmed by the directory.
    public var keyVersion: UInt32?
    /// Key versions in the keytab now, newest first.
    public var keytabKeyVersions: [UInt32] = []
    /// Old key versions kept in the keytab, and until when.
    public var retainedUntil: [UInt32: Timestamp] = [:]
    /// When the current password expires, from the last blob read.
    public var passwordExpiry: Timestamp?
    /// The next scheduled blob read.
    public var nextFetch: Timestamp?
    /// The next cheap probe.
    public var nextProbe: Timestamp?
    public var lastSuccess: Timestamp?
    public var lastAttempt: Timestamp?
    /// The last failure's message; `nil` after a success.
    public var lastError: String?
    public var consecutiveFailures = 0
    /// What the last probe or fetch saw, to notice an administrator's changes.
    public var servicePrincipalNames: [String] = []
    public var passwordLastSet: Int64?
    public var membershipFingerprint: String?
    /// The keytab as the daemon last wrote or checked it; a different file on disk means something else broke
    /// it, and the account is read again to repair it.
    public var keytabFingerprint: KeytabFingerprint?
    /// A keyed fingerprint of what the keytab's keys were derived from (never the keys or the password: see
    /// `KerberosContext.fingerprint(of:key:)`); a read that gives the same, with the keytab untouched, needs no
    /// key derivation.
    public var keysFingerprint: String?
    /// The account's `objectGUID` at the last success: another one means the account was deleted and created
    /// again under the same name, and the keytab's keys belong to the old account.
    public var objectGUID: String?
    /// A kvno the directory kept showing with a password other than the keytab's key of that kvno at the last
    /// failed read, and the keyed fingerprint of that password (docs/protocol.md, "When the directory wins"):
    /// the next read that shows the same again replaces the keytab's key.
    public var disputedKeyVersion: UInt32?
    public var disputedKeysFingerprint: String?
    /// The account's ticket cache, when it has one and the daemon has kept it (``TicketCacheState``).
    public var ticketCache: TicketCacheState?

    public init(keytab: String) {
        self.keytab = keytab
    }

    /// The earliest moment something is due for this account.
    public var nextDeadline: Timestamp? {
        ([nextFetch, nextProbe] + retainedUntil.values.map { Optional($0) }).compactMap { $0 }.min()
    }
}

/// The whole state file: one ``AccountState`` per account, keyed by `sAMAccountName`.
public struct DaemonState: Sendable, Equatable {
    public static let currentVersion = 1
    public var version = DaemonState.currentVersion
    public var accounts: [String: AccountState] = [:]
    /// The DC the last pass that reached the directory used, and the site that ordered the DCs; for `status`.
    public var directory: DirectoryUse?

    public init() {}

    /// The entry of `account`, found as AD compares names: an entry saved as `msa-web$` is the entry of a
    /// configured `MSA-Web`. Setting it replaces an entry saved under another spelling of the same name.
    public subscript(account: ServiceAccountName) -> AccountState? {
        get { key(of: account).flatMap { accounts[$0] } }
        set {
            if let saved = key(of: account), saved != account.samAccountName { accounts[saved] = nil }
            accounts[account.samAccountName] = newValue
        }
    }

    /// The key under which `account`'s entry is saved (its own spelling first, then any other spelling of it).
    public func key(of account: ServiceAccountName) -> String? {
        if accounts[account.samAccountName] != nil { return account.samAccountName }
        return accounts.keys.first { account.isNamed($0) }
    }

    /// Drops the entries of accounts not in `handled` (no longer configured nor discovered), except while an old
    /// key they track is still within its retention period at `now`. Names are compared as AD compares them.
    public mutating func prune(keeping handled: Set<ServiceAccountName>, now: Timestamp) {
        let names = Set(handled.map(\.comparisonKey))
        accounts = accounts.filter { name, entry in
            names.contains(ServiceAccountName.comparisonKey(of: name)) || entry.retainedUntil.values.contains { $0 > now }
        }
    }
}

/// Which DC a pass used and why it came first: what `status` shows of the directory.
public struct DirectoryUse: Sendable, Equatable {
    /// The DC's host name (and `:port` when not 389).
    public var domainController: String
    /// The host's site, when one ordered the DCs.
    public var site: String?
    /// Where the site came from (`[domain] site`, `dc1.company.test's answer to an LDAP ping`), or why there is
    /// none (`[domain] servers is set: its order is used`).
    public var siteSource: String?
    /// When the pass connected.
    public var connected: Timestamp

    public init(domainController: String, site: String?, siteSource: String?, connected: Timestamp) {
        self.domainController = domainController
        self.site = site
        self.siteSource = siteSource
        self.connected = connected
    }
}
