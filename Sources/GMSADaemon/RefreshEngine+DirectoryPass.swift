import GMSACore
import GMSADirectory
import GMSAKerberos
import GMSAService
import Logging

/// The pass against the directory: one connection (site first, failing over), then either a full pass (every
/// account looked up, discovery refreshed) or the due accounts read and the due probes made; each outcome to the
/// journal, `on_change` started for written keytabs.
extension RefreshEngine {
    func readDirectory(fullPass: Bool, dueFetch: [AccountTarget], dueProbe: [AccountTarget], now: Timestamp) {
        startTicket?.wait()
        let domain: DomainConnection
        do {
            domain = try DomainConnection.open(
                configuration: configuration, context: context, statistics: statistics, sites: sites, rotation: rotation)
        } catch {
            if rotation.lastPassWasCutShort {
                logger.notice(
                    "\(error.message)", metadata: [JournalField.messageID: "\(JournalField.MessageID.passBudgetSpent)"])
                return
            }
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
        let learned = domain.session.readOnly.learned
        if !learned.isEmpty {
            logger.notice(
                "\(learned.map(\.description).joined(separator: ", ")) answered an LDAP ping as a read-only DC (RODC), which holds no gMSA passwords: passed over from now on; this pass uses \(server)",
                metadata: [JournalField.domainController: "\(server)"])
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
            ticketCaches.record(report, state: &state)
            let before = previousState[report.account]?.keyVersion
            if report.outcome == .current, let before, let now = state[report.account]?.keyVersion, now > before {
                events.logRolloverConfirmed(report, keyVersion: now, server: server)
            } else {
                log(report, server: server)
            }
            if report.outcome == .written { runChangeCommand(for: report.account) }
            if let warning = report.rc4Warning { events.logRC4Only(warning, for: report) }
            if let replaced = report.keysReplaced { events.logKeysReplaced(replaced, for: report, server: server) }
        }
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
}
