import GMSACore
import GMSADirectory
import GMSAKerberos
import GMSAService
import Logging

/// The daemon's work, one ``tick(now:monotonic:)`` at a time: which accounts are due, reading them, writing
/// keytabs, dropping expired old keys, saving the state file.
///
/// Synchronous and blocking (libldap, libkrb5): driven by ``RefreshService`` on the daemon's main thread.
public final class RefreshEngine {
    public private(set) var configuration: Configuration
    public internal(set) var state: DaemonState
    let context: KerberosContext
    var store: StateStore
    /// The state as last saved: the file is rewritten only when the state differs.
    var savedState: DaemonState?
    let logger: Logger
    let statistics = DirectoryStatistics()
    /// The host's AD site as the LDAP pings found it: kept for the daemon's life, asked again after a reload
    /// or a `refresh`.
    let sites = ClientSiteCache()
    /// Which DCs could not be used lately, and whether the last pass ran out of its budget for finding one.
    let rotation = DomainControllerRotationCache()
    /// Readable accounts found by the last discovery.
    var discovered: [ServiceAccountName] = []
    var lastDiscovery: Timestamp?
    var clock = ClockStepDetector()
    /// Accounts an admin asked to refresh now (`gmsa-keytabd refresh`); empty set = all.
    var requested: Set<ServiceAccountName>?
    var needsFullPass = true
    /// After a failed full pass (no DC, no credentials): when to try again, and how many failed in a row.
    var fullPassRetryAt: Timestamp?
    var fullPassFailures = 0
    /// Keytabs broken by something else, made due for repair.
    var keytabWatch: KeytabWatch
    /// Keeps the accounts' ticket caches valid.
    var ticketCaches: TicketCacheKeeper
    /// `on_change` commands still running (polled every tick, never waited for).
    let changeCommands: ChangeCommandRunner
    /// The journal entries of each pass's outcomes.
    var events: RefreshEventLog
    let random: @Sendable (ClosedRange<Double>) -> Double

    /// How often discovery runs again to find newly authorized accounts.
    public static let rediscoveryInterval: Double = 86_400

    public init(
        configuration: Configuration,
        logger: Logger,
        random: @escaping @Sendable (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    ) throws(DaemonError) {
        self.configuration = configuration
        self.logger = logger
        self.random = random
        keytabWatch = KeytabWatch(logger: logger)
        changeCommands = ChangeCommandRunner(logger: logger)
        events = RefreshEventLog(logger: logger)
        do {
            context = try KerberosContext()
        } catch {
            throw DaemonError(error.message)
        }
        ticketCaches = TicketCacheKeeper(logger: logger, operations: KerberosTicketCaches(context: context))
        // The first ticket is asked for while the rest of the start runs; an error here shows again in the first pass.
        startTicket = (try? context.hostCredentials(
            keytab: configuration.host.keytab, principal: configuration.host.principal, realm: configuration.domain.realm
        )).map { HostTicketPrefetch($0, expecting: DomainConnection.expectedController(configuration.domain)?.host) }
        store = StateStore(path: configuration.daemon.stateFile)
        do {
            try store.prepareDirectory()
        } catch {
            startTicket?.wait()
            throw DaemonError(error.message)
        }
        // After the state directory exists: the synchronizer keeps its fingerprint key there.
        synchronizer = KeytabSynchronizer(configuration: configuration, context: context, random: random)
        let (loaded, warning) = store.load()
        state = loaded
        savedState = warning == nil ? loaded : nil
        if let warning { logger.warning("\(warning)") }
        removeLeftovers()
    }

    /// A start that fails after the engine exists (the pid file on a full disk) exits the process: the ticket
    /// thread must be out of libkrb5 first, or exit's library destructors run under it (seen as SIGABRT).
    deinit {
        startTicket?.wait()
    }

    /// Removes what writers killed mid-write left in the keytab directories (partial keytabs with real keys).
    /// Writes do it too, before each write in a directory; this covers directories with nothing to write.
    func removeLeftovers() {
        let keytabs = configuration.accounts.map(\.keytab) + (configuration.discovery.map { [$0.keytabTemplate] } ?? [])
        for (directory, removed) in KeytabWriter.removeLeftovers(nextTo: keytabs) {
            logger.notice("removed \(removed) temporary director\(removed == 1 ? "y" : "ies") left by an interrupted keytab write in \(directory)")
        }
    }

    /// Targets as of now: configured accounts plus the last discovery's.
    var targets: [AccountTarget] {
        AccountTarget.targets(configuration: configuration, readable: discovered)
    }

    /// Made anew for each configuration.
    var synchronizer: KeytabSynchronizer
    /// The first ticket, on its way while the daemon starts; waited for before the host's credentials are used.
    let startTicket: HostTicketPrefetch?

    /// Switches to a new configuration: removed accounts stop being refreshed, new ones and ones whose keytab
    /// settings changed are read at once; the others keep their schedule.
    public func reload(_ newConfiguration: Configuration) {
        startTicket?.wait()
        sites.forget()
        rotation.forget()
        let oldTargets = targets
        let before = Set(oldTargets.map(\.name))
        let domainChanged = newConfiguration.domain != configuration.domain || newConfiguration.host != configuration.host
        if newConfiguration.discovery != configuration.discovery || domainChanged { needsFullPass = true }
        configuration = newConfiguration
        if newConfiguration.daemon.stateFile != store.path {
            store = StateStore(path: newConfiguration.daemon.stateFile)
            try? store.prepareDirectory()
            savedState = nil
        }
        synchronizer = KeytabSynchronizer(configuration: newConfiguration, context: context, random: random)
        let newTargets = AccountTarget.targets(configuration: newConfiguration, readable: discovered)
        let after = Set(newTargets.map(\.name))
        for target in newTargets {
            if let old = oldTargets.first(where: { $0.name == target.name }),
                old.keytab != target.keytab || old.settings != target.settings
            {
                requestRefresh([target.name])
            }
        }
        for removed in before.subtracting(after) {
            state[removed] = nil
            logger.notice(
                "\(removed): no longer configured; its keytab is left as it is and no longer refreshed (a ticket cache stays until its ticket expires, then it is removed)",
                metadata: [JournalField.account: "\(removed)"])
        }
    }

    /// How long a pass may block before it counts as hung (and the watchdog may restart the daemon): every LDAP
    /// step is bounded by `[ldap] timeout`, and a pass takes at most a dozen of them in a row (the DCs tried, at most
    /// four timeouts: ``DomainControllerRotation``; the bind, the searches, the kvno re-reads), plus two minutes for
    /// the KDC and the disk.
    /// 8 min with the default 30 s timeout.
    public static func maximumPassDuration(for configuration: Configuration) -> Duration {
        .seconds(12 * configuration.directory.timeoutSeconds + 120)
    }

    /// Asks for an immediate read of `names` (all accounts when `nil` or empty).
    public func requestRefresh(_ names: [ServiceAccountName]?) {
        startTicket?.wait()
        sites.forget()
        rotation.forget()
        // An admin who just added this host to a group that may read a password expects the refresh to see it:
        // the group membership is in the host's ticket, so get a new one.
        try? context.hostCredentials(
            keytab: configuration.host.keytab, principal: configuration.host.principal, realm: configuration.domain.realm
        ).expire()
        let wanted = Set(names ?? [])
        if wanted.isEmpty || requested?.isEmpty == true {
            requested = []
        } else {
            requested = (requested ?? []).union(wanted)
        }
    }

    /// Does whatever is due and returns the status line for systemd.
    @discardableResult
    public func tick(now: Timestamp = Timestamp.now, monotonic: ContinuousClock.Instant = .now) -> String {
        if let step = clock.step(now: now, monotonic: monotonic) {
            logger.notice("the wall clock stepped by \(Int(step)) s (NTP, suspend or a manual change); re-reading every account to re-plan")
            needsFullPass = true
        }
        changeCommands.poll(monotonic: monotonic)
        let refreshAll = requested?.isEmpty == true
        let discoveryDue =
            configuration.discovery != nil && (lastDiscovery.map { now.timeIntervalSince($0) >= Self.rediscoveryInterval } ?? true)
        let fullPassDue = refreshAll || (fullPassRetryAt.map { now >= $0 } ?? true)
        let fullPass = (needsFullPass || discoveryDue) && fullPassDue || refreshAll

        let currentTargets = targets
        let schedule = synchronizer.schedule
        keytabWatch.check(currentTargets, state: &state, schedule: schedule, now: now)
        let dueFetch = currentTargets.filter {
            schedule.isFetchDue(state[$0.name], now: now, requested: requested?.contains($0.name) == true)
        }
        let dueProbe = currentTargets.filter { target in
            !dueFetch.contains(where: { $0.name == target.name }) && schedule.isProbeDue(state[target.name], now: now)
        }
        let asked = requested
        requested = nil

        if fullPass || !dueFetch.isEmpty || !dueProbe.isEmpty {
            readDirectory(fullPass: fullPass, dueFetch: dueFetch, dueProbe: dueProbe, now: now)
            // The next tick goes on with the DCs this pass had no time for, and with what was asked.
            if rotation.lastPassWasCutShort, requested == nil { requested = asked }
        }
        // Targets again: the pass may have discovered accounts.
        let passTargets = targets
        for target in passTargets {
            if let report = synchronizer.prune(target, state: &state, now: now), report.outcome != .current || report.detail != nil {
                log(report, server: nil)
            }
        }
        ticketCaches.keep(
            passTargets, realm: configuration.domain.realm, state: &state, spread: { schedule.spread($0).ticket }, now: now)
        saveState()
        return statusLine(now: now)
    }

    /// One report to the journal, with the account's next read and, for a repairing write, what was repaired.
    func log(_ report: AccountReport, server: String?) {
        let repaired = report.outcome == .written && !report.stagedNextKey ? keytabWatch.takeRepair(of: report.account) : nil
        events.log(report, server: server, nextFetch: state[report.account]?.nextFetch, repaired: repaired)
    }

    /// Starts the account's `on_change` command, if it has one (``ChangeCommandRunner``).
    func runChangeCommand(for account: ServiceAccountName) {
        guard let arguments = configuration.account(named: account)?.onChange else { return }
        changeCommands.start(arguments, for: account, timeout: configuration.daemon.onChangeTimeout)
    }

    private func saveState() {
        guard state != savedState else { return }
        do {
            try store.save(state)
            savedState = state
        } catch {
            logger.error("\(error.message); the schedule will be rebuilt from the keytabs after a restart")
        }
    }

    /// `3 accounts current, next change msa-web$ in 12d 3h` or what is failing (``StatusLine``).
    public func statusLine(now: Timestamp = Timestamp.now) -> String {
        StatusLine.text(accounts: targets.map(\.name), state: state, now: now)
    }

    /// The earliest moment any account needs attention.
    public var nextDeadline: Timestamp? {
        targets.compactMap { state[$0.name]?.nextDeadline }.min()
    }
}

/// A failure that keeps the daemon from starting.
public struct DaemonError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
