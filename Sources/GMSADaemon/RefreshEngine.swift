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
    public private(set) var state: DaemonState
    let context: KerberosContext
    var store: StateStore
    /// The state as last saved: the file is rewritten only when the state differs.
    var savedState: DaemonState?
    let logger: Logger
    let statistics = DirectoryStatistics()
    /// The host's AD site as the LDAP pings found it: kept for the daemon's life, asked again after a reload
    /// or a `refresh`.
    let sites = ClientSiteCache()
    /// Readable accounts found by the last discovery.
    var discovered: [ServiceAccountName] = []
    var lastDiscovery: Timestamp?
    var lastClock: (wall: Timestamp, monotonic: ContinuousClock.Instant)?
    /// Accounts an admin asked to refresh now (`gmsa-keytabd refresh`); empty set = all.
    var requested: Set<ServiceAccountName>?
    var needsFullPass = true
    /// After a failed full pass (no DC, no credentials): when to try again, and how many failed in a row.
    var fullPassRetryAt: Timestamp?
    var fullPassFailures = 0
    /// Accounts being read again because something else broke their keytab, and what happened to it.
    var repairing: [ServiceAccountName: String] = [:]
    /// `on_change` commands still running (polled every tick, never waited for), and accounts whose keytab
    /// changed again while theirs ran (started once it ends).
    var changeCommands: [(log: ChangeCommandLog, running: ChangeCommand.Running)] = []
    var changeCommandsPending: Set<ServiceAccountName> = []
    /// Accounts whose RC4-only warning this daemon run has logged (once per account and run, not per pass).
    var rc4Warned: Set<ServiceAccountName> = []
    let random: @Sendable (ClosedRange<Double>) -> Double

    /// How often discovery runs again to find newly authorized accounts.
    public static let rediscoveryInterval: Double = 86_400
    /// A difference between wall-clock and monotonic time larger than this is a clock step.
    public static let clockStepThreshold: Double = 60

    public init(
        configuration: Configuration,
        logger: Logger,
        random: @escaping @Sendable (ClosedRange<Double>) -> Double = { Double.random(in: $0) }
    ) throws(DaemonError) {
        self.configuration = configuration
        self.logger = logger
        self.random = random
        do {
            context = try KerberosContext()
        } catch {
            throw DaemonError(error.message)
        }
        // The first ticket is asked for while the rest of the start runs; an error here shows again in the first pass.
        startTicket = (try? context.hostCredentials(
            keytab: configuration.host.keytab, principal: configuration.host.principal, realm: configuration.domain.realm
        )).map { HostTicketPrefetch($0, expecting: DomainConnection.expectedController(configuration.domain)?.host) }
        store = StateStore(path: configuration.daemon.stateFile)
        do {
            try store.prepareDirectory()
        } catch {
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
    private let startTicket: HostTicketPrefetch?

    /// Switches to a new configuration: removed accounts stop being refreshed, new ones and ones whose keytab
    /// settings changed are read at once; the others keep their schedule.
    public func reload(_ newConfiguration: Configuration) {
        startTicket?.wait()
        sites.forget()
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
            logger.notice("\(removed): no longer configured; its keytab is left as it is and no longer refreshed",
                metadata: [JournalField.account: "\(removed)"])
        }
    }

    /// How long a pass may block before it counts as hung (and the watchdog may restart the daemon): every LDAP
    /// step is bounded by `[ldap] timeout`, and a pass takes at most a dozen of them in a row (a connection attempt
    /// per DC tried, the bind, the searches, the kvno re-reads), plus two minutes for the KDC and the disk.
    /// 8 min with the default 30 s timeout.
    public static func maximumPassDuration(for configuration: Configuration) -> Duration {
        .seconds(12 * configuration.directory.timeoutSeconds + 120)
    }

    /// Asks for an immediate read of `names` (all accounts when `nil` or empty).
    public func requestRefresh(_ names: [ServiceAccountName]?) {
        startTicket?.wait()
        sites.forget()
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
        detectClockStep(now: now, monotonic: monotonic)
        pollChangeCommands(monotonic: monotonic)
        let refreshAll = requested?.isEmpty == true
        let discoveryDue =
            configuration.discovery != nil && (lastDiscovery.map { now.timeIntervalSince($0) >= Self.rediscoveryInterval } ?? true)
        let fullPassDue = refreshAll || (fullPassRetryAt.map { now >= $0 } ?? true)
        let fullPass = (needsFullPass || discoveryDue) && fullPassDue || refreshAll

        let currentTargets = targets
        watchKeytabs(currentTargets, now: now)
        let schedule = synchronizer.schedule
        let dueFetch = currentTargets.filter {
            schedule.isFetchDue(state[$0.name], now: now, requested: requested?.contains($0.name) == true)
        }
        let dueProbe = currentTargets.filter { target in
            !dueFetch.contains(where: { $0.name == target.name }) && schedule.isProbeDue(state[target.name], now: now)
        }
        requested = nil

        if fullPass || !dueFetch.isEmpty || !dueProbe.isEmpty {
            readDirectory(fullPass: fullPass, dueFetch: dueFetch, dueProbe: dueProbe, now: now)
        }
        for target in targets {
            if let report = synchronizer.prune(target, state: &state, now: now), report.outcome != .current || report.detail != nil {
                log(report, server: nil)
            }
        }
        saveState()
        return statusLine(now: now)
    }

    /// Makes an account due now when its keytab is no longer the file the daemon last wrote (a `stat` per
    /// account and tick; no keys are kept in memory: the repair reads the account again), or when its state was
    /// recorded for another keytab path.
    private func watchKeytabs(_ targets: [AccountTarget], now: Timestamp) {
        for target in targets {
            guard var accountState = state[target.name] else { continue }
            if accountState.keytab != target.keytab {
                logger.info(
                    "\(target.name): the state file tracked \(accountState.keytab), the configuration says \(target.keytab); reading it now",
                    metadata: [JournalField.account: "\(target.name)", JournalField.keytab: "\(target.keytab)"])
                accountState = AccountState(keytab: target.keytab)
                state[target.name] = accountState
                continue
            }
            guard let recorded = accountState.keytabFingerprint else { continue }
            let onDisk = KeytabFingerprint(path: target.keytab)
            guard let change = KeytabFingerprint.change(from: recorded, to: onDisk) else { continue }
            var message = "\(target.name): keytab \(target.keytab) was \(change) by something else; reading the account again to repair it"
            let contentLost = !recorded.hasSameContent(as: onDisk)
            if contentLost, !accountState.retainedUntil.isEmpty {
                let lost = accountState.retainedUntil.keys.sorted(by: >).map(String.init).joined(separator: ", ")
                message += "; retained old kvno \(lost) were only in that file and are gone (tickets under them fail until they expire)"
            }
            logger.warning(
                "\(message)", metadata: [JournalField.account: "\(target.name)", JournalField.keytab: "\(target.keytab)"])
            repairing[target.name] = change
            synchronizer.schedule.recordKeytabBroken(in: &accountState, now: now)
            state[target.name] = accountState
        }
    }

    private func detectClockStep(now: Timestamp, monotonic: ContinuousClock.Instant) {
        defer { lastClock = (now, monotonic) }
        guard let last = lastClock else { return }
        let wall = now.timeIntervalSince(last.wall)
        let elapsed = (monotonic - last.monotonic).seconds
        let step = wall - elapsed
        guard abs(step) > Self.clockStepThreshold else { return }
        logger.notice("the wall clock stepped by \(Int(step)) s (NTP, suspend or a manual change); re-reading every account to re-plan")
        needsFullPass = true
    }

    private func readDirectory(fullPass: Bool, dueFetch: [AccountTarget], dueProbe: [AccountTarget], now: Timestamp) {
        startTicket?.wait()
        let domain: DomainConnection
        do {
            domain = try DomainConnection.open(
                configuration: configuration, context: context, statistics: statistics, sites: sites)
        } catch {
            // One retry instant for the pass and the accounts it failed, so the time shown is the time it happens.
            let retryAt = fullPass ? recordFullPassFailure(now: now) : nil
            let affected = fullPass ? targets : dueFetch + dueProbe
            for target in affected {
                let report = synchronizer.fail(
                    target, AccountFailure(.failed, error.message), retryAt: retryAt, state: &state, now: now)
                log(report, server: nil)
            }
            if affected.isEmpty {
                logger.error("refresh failed: \(error.message)", metadata: [JournalField.messageID: "\(JournalField.MessageID.refreshFailed)"])
            }
            return
        }
        let server = domain.session.connection.server
        let choice = domain.session.choice
        if choice.siteIsFresh {
            var metadata: Logger.Metadata = [JournalField.domainController: "\(server)"]
            if let site = choice.site { metadata[JournalField.site] = "\(site.name)" }
            logger.info("\(choice.summary); this pass uses \(server)", metadata: metadata)
            sites.markReported()
        }
        if domain.siteControllersFailed, let site = choice.site {
            let controllers = choice.siteControllers.map(\.description).joined(separator: ", ")
            logger.notice(
                "none of site \(site.name)'s DCs (\(controllers)) could be used; this pass uses \(server), and the next one asks a DC for this host's site again (it may have moved)",
                metadata: [JournalField.domainController: "\(server)", JournalField.site: "\(site.name)"])
        }
        state.directory = domain.use(at: now)
        let host = domain.credentials.principal
        let previousState = state
        let sync = synchronizer
        var reports: [AccountReport] = []
        if fullPass {
            do {
                let accounts = try AccountLookup(configuration: configuration).accounts(in: domain.directory)
                if configuration.discovery != nil {
                    discovered = accounts.filter { $0.target.discovered }.map(\.target.name)
                    lastDiscovery = now
                }
                reports = sync.update(accounts, from: domain.directory, hostPrincipal: host, state: &state, now: now)
                state.prune(keeping: Set(accounts.map(\.target.name)), now: now)
                needsFullPass = false
                fullPassRetryAt = nil
                fullPassFailures = 0
            } catch {
                let retryAt = recordFullPassFailure(now: now)
                reports = targets.map {
                    sync.fail($0, AccountFailure(.failed, error.message), retryAt: retryAt, state: &state, now: now)
                }
            }
        } else {
            var toFetch = dueFetch
            if !dueProbe.isEmpty {
                toFetch += probe(dueProbe, directory: domain.directory, now: now)
            }
            if !toFetch.isEmpty {
                reports = sync.fetch(toFetch, from: domain.directory, hostPrincipal: host, state: &state, now: now)
            }
        }
        for report in reports {
            let before = previousState[report.account]?.keyVersion
            if report.outcome == .current, let before, let now = state[report.account]?.keyVersion, now > before {
                logRolloverConfirmed(report, keyVersion: now, server: server)
            } else {
                log(report, server: server)
            }
            if report.outcome == .written { runChangeCommand(for: report.account) }
            if let warning = report.rc4Warning { logRC4Only(warning, for: report) }
            if let replaced = report.keysReplaced { logKeysReplaced(replaced, for: report, server: server) }
        }
    }

    /// The directory's key took the place of the keytab's under the same kvno: what and why, at warning (tickets
    /// under the replaced key are refused from now on).
    func logKeysReplaced(_ detail: String, for report: AccountReport, server: String) {
        var metadata: Logger.Metadata = [
            JournalField.account: "\(report.account)", JournalField.keytab: "\(report.keytab)",
            JournalField.domainController: "\(server)",
            JournalField.messageID: "\(JournalField.MessageID.keysReplaced)",
        ]
        if let kvno = report.keyVersions.first { metadata[JournalField.keyVersion] = "\(kvno)" }
        logger.warning("\(report.account): \(detail)", metadata: metadata)
    }

    @discardableResult
    private func recordFullPassFailure(now: Timestamp) -> Timestamp {
        fullPassFailures += 1
        let retryAt = synchronizer.schedule.fullPassRetry(now: now, failures: fullPassFailures)
        fullPassRetryAt = retryAt
        return retryAt
    }

    /// Probes accounts cheaply; returns those whose password, SPNs or kvno changed behind our back.
    private func probe(_ targets: [AccountTarget], directory: ManagedAccountDirectory, now: Timestamp) -> [AccountTarget] {
        let schedule = synchronizer.schedule
        let seen: [ServiceAccountName: ManagedAccount]
        do {
            seen = try directory.probe(targets.map(\.name))
        } catch {
            for target in targets {
                let failure = AccountFailure(.failed, "probe failed: \(error.message)")
                log(synchronizer.fail(target, failure, state: &state, now: now), server: nil)
            }
            return []
        }
        var changed: [AccountTarget] = []
        for target in targets {
            guard var accountState = state[target.name] else { continue }
            guard let account = seen[target.name] else {
                changed.append(target)
                continue
            }
            if schedule.policy.probeNeedsFetch(
                state: accountState, keyVersion: account.keyVersion, servicePrincipalNames: account.servicePrincipalNames,
                passwordLastSet: account.passwordLastSet, membershipFingerprint: account.membershipFingerprint)
            {
                logger.notice(
                    "\(target.name): changed in the directory (kvno, SPNs, password reset or who may read it); reading it now",
                    metadata: [JournalField.account: "\(target.name)"])
                changed.append(target)
            } else {
                schedule.recordUnchangedProbe(for: target.name, in: &accountState, now: now)
                state[target.name] = accountState
            }
        }
        return changed
    }

    /// Starts the account's `on_change` command without waiting for it; if the previous one still runs, this
    /// one starts when it has ended.
    private func runChangeCommand(for account: ServiceAccountName) {
        guard let arguments = configuration.account(named: account)?.onChange else { return }
        if changeCommands.contains(where: { $0.log.account == account }) {
            changeCommandsPending.insert(account)
            return
        }
        let log = ChangeCommandLog(account: account, arguments: arguments, logger: logger)
        switch ChangeCommand(arguments: arguments, timeout: configuration.daemon.onChangeTimeout).start(output: log.sink) {
        case .success(let running):
            changeCommands.append((log, running))
        case .failure(let failure):
            log.result(.couldNotStart(failure.reason))
        }
    }

    /// Reports the `on_change` commands that ended and kills those past their timeout.
    private func pollChangeCommands(monotonic: ContinuousClock.Instant) {
        guard !changeCommands.isEmpty else { return }
        var stillRunning: [(log: ChangeCommandLog, running: ChangeCommand.Running)] = []
        var ended: [ServiceAccountName] = []
        for command in changeCommands {
            if let result = command.running.poll(now: monotonic) {
                command.log.result(result)
                ended.append(command.log.account)
            } else {
                stillRunning.append(command)
            }
        }
        changeCommands = stillRunning
        for account in ended where changeCommandsPending.remove(account) != nil {
            runChangeCommand(for: account)
        }
    }

    /// The read after a password change found the staged key current: nothing to write, but an admin wants
    /// to see the rollover complete (and through which DC).
    private func logRolloverConfirmed(_ report: AccountReport, keyVersion: UInt32, server: String) {
        let metadata: Logger.Metadata = [
            JournalField.account: "\(report.account)", JournalField.keytab: "\(report.keytab)",
            JournalField.keyVersion: "\(keyVersion)", JournalField.domainController: "\(server)",
            JournalField.messageID: "\(JournalField.MessageID.rolloverConfirmed)",
        ]
        logger.notice(
            "\(report.account): rollover confirmed by \(server): kvno \(keyVersion) is current and was already in \(report.keytab)",
            metadata: metadata)
    }

    /// Once per account and daemon run: the account's tickets are RC4 (``RC4OnlyWarning``).
    func logRC4Only(_ warning: RC4OnlyWarning, for report: AccountReport) {
        guard rc4Warned.insert(report.account).inserted else { return }
        logger.warning(
            "\(report.account): \(warning.detail)",
            metadata: [
                JournalField.account: "\(report.account)", JournalField.messageID: "\(JournalField.MessageID.rc4Only)",
            ])
    }

    private func log(_ report: AccountReport, server: String?) {
        var metadata: Logger.Metadata = [
            JournalField.account: "\(report.account)",
            JournalField.keytab: "\(report.keytab)",
        ]
        if let kvno = report.keyVersions.first { metadata[JournalField.keyVersion] = "\(kvno)" }
        if let server { metadata[JournalField.domainController] = "\(server)" }
        if let next = state[report.account]?.nextFetch { metadata[JournalField.nextRefresh] = "\(UTCTimestamp.format(next))" }
        switch report.outcome {
        case .written where report.stagedNextKey:
            metadata[JournalField.messageID] = "\(JournalField.MessageID.rolloverStaged)"
            logger.notice("\(report.account): rollover staged, \(report.line)", metadata: metadata)
        case .written where repairing[report.account] != nil:
            metadata[JournalField.messageID] = "\(JournalField.MessageID.keytabRepaired)"
            let change = repairing.removeValue(forKey: report.account) ?? ""
            logger.notice("\(report.account): keytab repaired (it was \(change)), \(report.line)", metadata: metadata)
        case .written:
            metadata[JournalField.messageID] = "\(JournalField.MessageID.keytabUpdated)"
            logger.notice("\(report.account): keytab updated, \(report.line)", metadata: metadata)
        case .current:
            logger.debug("\(report.line)\(report.detail.map { " (\($0))" } ?? "")", metadata: metadata)
        case .notReadable:
            metadata[JournalField.messageID] = "\(JournalField.MessageID.accountNotReadable)"
            logger.warning("\(report.line)", metadata: metadata)
        case .notFound, .failed:
            metadata[JournalField.messageID] = "\(JournalField.MessageID.refreshFailed)"
            logger.error("\(report.line)", metadata: metadata)
        }
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

    /// `3 accounts current, next change msa-web$ in 12d 3h` or what is failing.
    public func statusLine(now: Timestamp = Timestamp.now) -> String {
        let names = targets.map(\.name)
        if names.isEmpty { return "no accounts configured" }
        let failing = names.filter { state[$0]?.lastError != nil || state[$0]?.lastSuccess == nil }
        let healthy = names.count - failing.count
        var line = failing.isEmpty ? "\(healthy) account(s) current" : "\(healthy) of \(names.count) account(s) current"
        if let next = names.compactMap({ name in state[name]?.passwordExpiry.map { (name, $0) } }).filter({ $0.1 > now }).min(by: { $0.1 < $1.1 }) {
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
