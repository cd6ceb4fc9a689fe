import GMSACore
import GMSAKerberos
import GMSAService

/// `gmsa-keytabd status`: what the daemon last did, from its state file.
struct StatusCommand: Subcommand {
    static let spec = CommandSpec(
        name: "status",
        abstract: "Show the DC and site last used, and each account's kvno, keytab, last success, next read, next password change, ticket cache and last error.",
        discussion: "Reads the state file only; contacts nothing. Exit status: 0 all accounts healthy, 1 an account is failing or was never read, 78 configuration error.",
        options: [.config]
    )

    let options: ConfigurationOptions

    init(_ arguments: ParsedArguments) {
        options = ConfigurationOptions(arguments)
    }

    func run() throws {
        let configuration = options.load()
        let store = StateStore(path: configuration.daemon.stateFile)
        let (state, warning) = store.load()
        if let warning { print("warning: \(warning)") }
        let request = RefreshRequest(stateDirectory: configuration.daemon.stateDirectory)
        print("daemon: " + (request.runningPID().map { "running (pid \($0))" } ?? "not running"))
        let now = Timestamp.now
        if let use = state.directory {
            print("domain controller: \(use.domainController), last connected \(Self.format(use.connected, now: now))")
            if let site = use.site {
                print("site: \(site)" + (use.siteSource.map { " (from \($0))" } ?? ""))
            } else {
                print("site: none (\(use.siteSource ?? "no DC named one"))")
            }
        }
        // Configured accounts, then any others the state knows (discovered ones).
        // Configured names find their entries as AD compares names (an entry saved as `msa-web$` is `MSA-Web`'s).
        var names = configuration.accounts.map(\.name.samAccountName)
        let configured = Set(configuration.accounts.map(\.name))
        names += state.accounts.keys.sorted().filter { key in !configured.contains { $0.isNamed(key) } }
        if names.isEmpty {
            print("no accounts")
            throw ExitCode.failure
        }
        var failing = 0
        let context = try? KerberosContext()
        for name in names {
            guard let account = (try? ServiceAccountName(name)).flatMap({ state[$0] }) ?? state.accounts[name] else {
                print("\(name): never read (start the daemon or run gmsa-keytabd sync)")
                failing += 1
                continue
            }
            let healthy = account.lastError == nil && account.lastSuccess != nil
            if !healthy { failing += 1 }
            print("\(name): \(healthy ? "ok" : "FAILING")")
            if let accountName = try? ServiceAccountName(name), configuration.keytabIsPrivate(for: accountName) {
                print("  keys: \(account.keytab) (root's alone, for the ticket cache)")
            } else {
                print("  keytab: \(account.keytab)")
            }
            print("  kvno: \(account.keyVersion.map(String.init) ?? "?"); in keytab: \(account.keytabKeyVersions.map(String.init).joined(separator: ", "))")
            for (kvno, until) in account.retainedUntil.sorted(by: { $0.key > $1.key }) {
                print("  old kvno \(kvno) kept until \(Self.format(until, now: now))")
            }
            print("  last success: \(account.lastSuccess.map { Self.format($0, now: now) } ?? "never")")
            print("  next read: \(account.nextFetch.map { Self.format($0, now: now) } ?? "-")")
            print("  next password change: \(account.passwordExpiry.map { Self.format($0, now: now) } ?? "unknown")")
            if let error = account.lastError {
                print("  last error (\(account.consecutiveFailures) in a row): \(error)")
            }
            if let accountName = try? ServiceAccountName(name), let context,
                let settings = configuration.ticketCache(for: accountName)
            {
                let summary = TicketCacheSummary.lines(
                    settings, account: accountName, realm: configuration.domain.realm, keyVersion: account.keyVersion,
                    cache: account.ticketCache, context: context, indent: "  ", now: now)
                summary.lines.forEach { print($0) }
                if !summary.healthy && healthy { failing += 1 }
            }
        }
        if failing > 0 { throw ExitCode.failure }
    }

    static func format(_ date: Timestamp, now: Timestamp) -> String {
        let delta = date.timeIntervalSince(now)
        let relative = AccountReport.format(.seconds(abs(delta)))
        return LocalTime.format(epochSeconds: Int64(date.timeIntervalSince1970.rounded(.down)))
            + (delta >= 0 ? " (in \(relative))" : " (\(relative) ago)")
    }
}
