import Dispatch
import GMSACore
import Synchronization

/// Reads gMSAs from one bound connection.
///
/// Names are looked up in batches (one search per `batchSize` names, OR-ed in one filter); a kvno re-read
/// after a password change is one more batched search.
///
/// The DC computes each gMSA password when it is read (Samba: about 0.4 ms per account), and it works on one
/// connection's requests one after another. A read of passwords that takes more than one batch therefore also
/// uses a second connection to the same DC (``openSecondConnection``), so that a DC with two cores computes
/// two batches at once: the 500 passwords of a host with 500 gMSAs take half the time. Both connections go
/// to the one DC of the pass, and each account is read on one of them.
///
/// Searches that return `msDS-ManagedPassword` are never paged: Samba 4.22 computes the new password for a
/// paged search after expiry but does not store the rollover (kvno and pwdLastSet stay old, and the KDC keeps
/// the old key), while the same search without the paged results control stores it. Batches stay far below
/// any server size limit. Discovery therefore lists gMSA names with a paged search without passwords, then
/// reads them in unpaged batches.
public struct ManagedAccountDirectory {
    /// Attributes read for each gMSA.
    public static let attributes = [
        "sAMAccountName", "msDS-ManagedPassword", "msDS-KeyVersionNumber", "servicePrincipalName",
        "msDS-SupportedEncryptionTypes", "msDS-ManagedPasswordInterval", "pwdLastSet", "msDS-GroupMSAMembership",
        "objectGUID",
    ]

    public let connection: DirectoryConnection
    /// The domain naming context searched, e.g. `DC=company,DC=test`.
    public let base: String
    public var batchSize = 100
    /// Called when ``read(_:)`` returns an account without its password (this host may not read it; not
    /// called by ``discover(excluding:)``). The host's group memberships are those of its ticket: the caller
    /// gets a new one before the next pass.
    public var passwordWithheld: (() -> Void)?
    /// Opens another bound connection to the same DC for a read of passwords that takes more than one batch,
    /// closed when the read ends; `nil` (or a connection that cannot be opened) reads them all on
    /// ``connection``.
    public var openSecondConnection: (() throws(DirectoryError) -> DirectoryConnection)?

    public init(
        connection: DirectoryConnection,
        base: String,
        passwordWithheld: (() -> Void)? = nil,
        openSecondConnection: (() throws(DirectoryError) -> DirectoryConnection)? = nil
    ) {
        self.connection = connection
        self.base = base
        self.passwordWithheld = passwordWithheld
        self.openSecondConnection = openSecondConnection
    }

    /// The accounts named, by name; a name missing from the result has no gMSA in the domain.
    public func read(_ names: [ServiceAccountName]) throws(DirectoryError) -> [ServiceAccountName: ManagedAccount] {
        let found = try accounts(names, attributes: Self.attributes, secretAttributes: ["msDS-ManagedPassword"])
        if let passwordWithheld, found.values.contains(where: { $0.passwordBlob == nil }) { passwordWithheld() }
        return found
    }

    /// Searches for `names` in batches of ``batchSize`` (one OR-filter each) and keys the results by name.
    private func accounts(
        _ names: [ServiceAccountName],
        attributes: [String],
        secretAttributes: Set<String> = []
    ) throws(DirectoryError) -> [ServiceAccountName: ManagedAccount] {
        let size = max(1, batchSize)
        let batches = stride(from: 0, to: names.count, by: size).map { Array(names[$0..<min($0 + size, names.count)]) }
        let search = { (connection: DirectoryConnection, batch: [ServiceAccountName]) throws(DirectoryError) in
            try connection.search(
                base: base, scope: .subtree, filter: LDAPFilter.managedAccounts(named: batch),
                attributes: attributes, secretAttributes: secretAttributes, paged: false)
        }
        var found: [ServiceAccountName: ManagedAccount] = [:]
        if batches.count > 1, !secretAttributes.isEmpty, let openSecondConnection {
            for entries in try Self.searchOnTwoConnections(batches, connection, openSecondConnection, search) {
                for entry in entries {
                    if let account = Self.account(from: entry) { found[account.name] = account }
                }
            }
            return found
        }
        for batch in batches {
            for entry in try search(connection, batch) {
                if let account = Self.account(from: entry) { found[account.name] = account }
            }
        }
        return found
    }

    /// Runs `search` for every batch, on `connection` and, in a second thread, on the connection that
    /// `openSecond` opens; each takes the next batch not yet taken. The results come back in batch order. The
    /// first batch that fails (in batch order) fails the read, and no batch is started after a failure. When
    /// the second connection cannot be opened, `connection` reads every batch.
    static func searchOnTwoConnections<Connection>(
        _ batches: [[ServiceAccountName]],
        _ connection: Connection,
        _ openSecond: @escaping () throws(DirectoryError) -> Connection,
        _ search: @escaping (Connection, [ServiceAccountName]) throws(DirectoryError) -> [DirectoryEntry]
    ) throws(DirectoryError) -> [[DirectoryEntry]] {
        let next = Atomic<Int>(0)
        let failed = Atomic<Bool>(false)
        let results = Mutex<[Result<[DirectoryEntry], DirectoryError>?]>(Array(repeating: nil, count: batches.count))
        let work = { (connection: Connection) in
            while !failed.load(ordering: .acquiring) {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < batches.count else { return }
                let result: Result<[DirectoryEntry], DirectoryError>
                do throws(DirectoryError) {
                    result = .success(try search(connection, batches[index]))
                } catch {
                    result = .failure(error)
                    failed.store(true, ordering: .releasing)
                }
                results.withLock { $0[index] = result }
            }
        }
        // Each connection is used by one of the two workers only (a DirectoryConnection must be owned by one
        // thread at a time), `search` reads nothing mutable, and concurrentPerform returns after both are done.
        let shared = TwoWorkers(work: work, connection: connection, openSecond: openSecond)
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            if worker == 0 {
                shared.work(shared.connection)
            } else if let second = try? shared.openSecond() {
                // Closed (unbound) when this closure lets go of it.
                shared.work(second)
            }
        }
        return try results.withLock { results throws(DirectoryError) in
            var collected: [[DirectoryEntry]] = []
            for result in results {
                switch result {
                case .success(let entries): collected.append(entries)
                case .failure(let error): throw error
                case nil: continue
                }
            }
            return collected
        }
    }

    /// Every gMSA in the domain but the `excluded` ones, readable or not. Excluded accounts are never read: a
    /// password read after expiry makes the DC store the rollover of an account this host was told to leave alone.
    public func discover(excluding excluded: Set<ServiceAccountName> = []) throws(DirectoryError) -> [ManagedAccount] {
        let names = try connection.search(
            base: base, scope: .subtree, filter: LDAPFilter.allManagedAccounts, attributes: ["sAMAccountName"]
        ).compactMap { Self.account(from: $0)?.name }.filter { !excluded.contains($0) }
        // Not `read`: most domains have gMSAs this host may not read, and that is no reason for a new ticket.
        return try accounts(names, attributes: Self.attributes, secretAttributes: ["msDS-ManagedPassword"])
            .values.sorted { $0.name < $1.name }
    }

    /// A cheap look at accounts without their passwords (kvno, SPNs, pwdLastSet), to notice an administrator's
    /// changes between scheduled reads. Reading these does not trigger a rollover on the DC.
    public func probe(_ names: [ServiceAccountName]) throws(DirectoryError) -> [ServiceAccountName: ManagedAccount] {
        try accounts(
            names,
            attributes: ["sAMAccountName", "msDS-KeyVersionNumber", "servicePrincipalName", "pwdLastSet", "msDS-GroupMSAMembership"])
    }

    /// Current `msDS-KeyVersionNumber`s, read without the password so the read does not trigger anything.
    public func keyVersions(_ names: [ServiceAccountName]) throws(DirectoryError) -> [ServiceAccountName: UInt32] {
        try accounts(names, attributes: ["sAMAccountName", "msDS-KeyVersionNumber"]).compactMapValues(\.keyVersion)
    }

    static func account(from entry: DirectoryEntry) -> ManagedAccount? {
        guard let rawName = entry.string("sAMAccountName"), let name = try? ServiceAccountName(rawName) else { return nil }
        return ManagedAccount(
            name: name,
            distinguishedName: entry.distinguishedName,
            keyVersion: entry.integer("msDS-KeyVersionNumber").flatMap(UInt32.init(exactly:)),
            servicePrincipalNames: entry.strings("servicePrincipalName").sorted(),
            supportedEncryptionTypes: entry.integer("msDS-SupportedEncryptionTypes").map { UInt32(truncatingIfNeeded: $0) },
            passwordBlob: entry.secret("msDS-ManagedPassword"),
            passwordIntervalDays: entry.integer("msDS-ManagedPasswordInterval").map { Int($0) },
            passwordLastSet: entry.integer("pwdLastSet"),
            membershipFingerprint: entry.values["msds-groupmsamembership"]?.first.map(ManagedAccount.fingerprint),
            objectGUID: entry.values["objectguid"]?.first.flatMap(ManagedAccount.guidText))
    }
}

/// What the two workers of ``ManagedAccountDirectory/searchOnTwoConnections(_:_:_:_:)`` share; the compiler
/// cannot see that each connection stays with one worker, so the place that makes one says why it is safe.
private struct TwoWorkers<Connection>: @unchecked Sendable {
    let work: (Connection) -> Void
    let connection: Connection
    let openSecond: () throws(DirectoryError) -> Connection
}
