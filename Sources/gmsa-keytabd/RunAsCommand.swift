import GMSACore
import GMSAKerberos
import GMSAService

#if canImport(Glibc)
import Glibc
#endif

/// `gmsa-keytabd run-as ACCOUNT [--user USER] -- COMMAND [ARGUMENT...]`: COMMAND as a local user, acting as the
/// gMSA through a private ticket cache kept fresh while it runs (the RunAs of Windows, k5start's semantics).
struct RunAsCommand: Subcommand {
    static let spec = CommandSpec(
        name: "run-as",
        abstract: "Run a command as the gMSA: a private ticket cache kept fresh while it runs, as a local user.",
        discussion: """
            Root only. Gets a TGT for ACCOUNT (configured, or found by [discovery]) from the keytab the daemon keeps, \
            writes it to a new private cache owned by USER, sets KRB5CCNAME=FILE:<cache> and runs COMMAND as USER \
            (groups from the group database, HOME, USER and LOGNAME as 'runuser -u' sets them, no capability, \
            no_new_privs) or as root without --user. The cache is renewed on the daemon's schedule while COMMAND \
            runs, and removed with its directory when it ends. SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and \
            SIGUSR2 sent to run-as are passed on to COMMAND.

            Exit status: COMMAND's, or 128 plus the signal that killed it; before COMMAND runs: 64 usage, \
            66 the account's keytab does not exist yet, 67 unknown user or account, 69 no ticket from the KDC, \
            70 libkrb5 failed, 71 COMMAND could not be started, 73 the cache could not be written, 77 not root, \
            78 configuration error; 126 COMMAND cannot be run as USER, 127 COMMAND not found.
            """,
        options: [
            .config,
            .init("user", short: "u", valueName: "user", help: "The local user to run COMMAND as, who owns the cache.", defaultText: "root"),
        ],
        operands: .init(name: "account", help: "The gMSA, e.g. msa-app$, then '--' and the command with its arguments."),
        operandsUsage: "<account> -- <command> [<argument> ...]"
    )

    let options: ConfigurationOptions
    let account: ServiceAccountName
    let userName: String?
    let command: [String]

    init(_ arguments: ParsedArguments) throws(UsageError) {
        options = ConfigurationOptions(arguments)
        userName = arguments.value("user")
        guard let separator = arguments.operandsBeforeSeparator else {
            throw UsageError("put the command after '--': gmsa-keytabd run-as ACCOUNT [--user USER] -- COMMAND [ARGUMENT...]")
        }
        let before = arguments.operands[..<separator]
        guard let name = before.first, before.count == 1 else {
            throw UsageError(before.isEmpty ? "missing the account before '--'" : "one account before '--', not \(before.count)")
        }
        command = Array(arguments.operands[separator...])
        guard !command.isEmpty else { throw UsageError("missing the command after '--'") }
        do {
            account = try ServiceAccountName(name)
        } catch {
            throw UsageError("\(error)")
        }
    }

    func run() throws {
        guard geteuid() == 0 else {
            exitWithError(
                "run-as must run as root: it reads \(account)'s keys and changes to the command's user; "
                    + "use sudo, or a unit without User= (run-as --user USER drops to USER)", .noPermission)
        }
        // Before anything can send them: a SIGTERM while the ticket is fetched waits, and is passed on.
        let mask = SupervisedCommand.blockSignals()
        let configuration = options.load()
        let target = try resolveTarget(configuration)
        let user: LocalUser?
        do {
            user = try userName.map { name throws(LocalUser.LookupError) in try LocalUser.named(name) }
        } catch {
            exitWithError("\(error)", .noUser)
        }
        var status = stat()
        guard stat(target.keytab, &status) == 0 else {
            exitWithError(
                "\(account) has no keys on this host yet (\(target.keytab): \(String(cString: strerror(errno)))); "
                    + "start the daemon (systemctl start gmsa-keytabd) or run 'gmsa-keytabd sync' first", .noInput)
        }
        let context: KerberosContext
        do {
            context = try KerberosContext()
        } catch {
            exitWithError(error.message, .softwareError)
        }
        let cache: PrivateTicketCache
        do {
            cache = try PrivateTicketCache(
                account: account, realm: configuration.domain.realm, keytab: target.keytab,
                stateFile: configuration.daemon.stateFile, user: user, context: context)
        } catch {
            exitWithError(error.message, .cannotCreate)
        }
        if cache.stale > 0 {
            printToStandardError(
                "gmsa-keytabd: removed \(cache.stale) private ticket cache\(cache.stale == 1 ? "" : "s") left by run-as "
                    + "processes that were killed")
        }
        let spread = HostIdentity.current.map { RefreshSpread(host: $0, account: account).ticket } ?? 0.5
        var freshener = TicketCacheFreshener(source: cache, spread: spread)
        // From here on every way out removes the cache.
        func leave(_ message: String?, _ code: Int32) -> Never {
            var source = freshener.source
            if let warning = source.remove() { printToStandardError("gmsa-keytabd: warning: \(warning)") }
            if let message { printToStandardError("gmsa-keytabd: error: \(message)") }
            exit(code)
        }
        do {
            try freshener.start()
        } catch let error as KerberosError {
            // A system error is the cache's write; the others the KDC's or the keytab's.
            if case .system = error.code { leave("\(error)", ExitCode.cannotCreate.rawValue) }
            leave("\(error)", ExitCode.unavailable.rawValue)
        } catch {
            leave("\(error)", ExitCode.unavailable.rawValue)
        }
        if let signal = Self.pendingForwardedSignal() {
            leave("signal \(signal) arrived before \(command[0]) started; not started", 128 + signal)
        }
        let environment: [String]
        if let user {
            let definitions = FileContents.read(path: "/etc/login.defs").map { String(decoding: $0, as: UTF8.self) }
            environment = LoginEnvironment.build(
                inherited: Self.inheritedEnvironment(), user: user, ticketCache: freshener.source.path,
                loginDefinitions: (try? definitions.get()) ?? "")
        } else {
            environment = LoginEnvironment.keepingCaller(inherited: Self.inheritedEnvironment(), ticketCache: freshener.source.path)
        }
        let child: SupervisedCommand
        do {
            child = try SupervisedCommand.start(command[0], arguments: command, environment: environment, user: user, mask: mask)
        } catch {
            leave(error.description, 71)
        }
        let termination = child.wait(firstDue: freshener.nextDue(now: Timestamp.now)) {
            let (outcome, next) = freshener.refresh(now: Timestamp.now)
            switch outcome {
            case .failed(let message, let retry):
                printToStandardError(
                    "gmsa-keytabd: warning: run-as \(account): cannot refresh the ticket cache \(freshener.source.path): "
                        + "\(message); next try at \(retry)")
            case .acquired(_, let renewalFailure?):
                printToStandardError("gmsa-keytabd: warning: run-as \(account): \(renewalFailure); got a new ticket instead")
            case .acquired, .renewed:
                break
            }
            return next
        }
        leave(nil, termination.shellStatus)
    }

    /// The account as the daemon keeps it: a configured one, or one [discovery] would keep; exits when neither.
    func resolveTarget(_ configuration: Configuration) throws -> AccountTarget {
        guard let target = AccountTarget.targets(configuration: configuration, readable: [account]).first(where: { $0.name == account })
        else {
            let discovery = configuration.discovery == nil ? "[discovery] is off" : "[discovery] excludes it"
            exitWithError(
                "\(account) is not configured in \(options.config) (no [[account]] block names it, and \(discovery)); "
                    + "add it and let the daemon write its keys", .noUser)
        }
        if let refusal = target.refusal { exitWithError("\(account): \(refusal)", .configurationError) }
        return target
    }

    /// The first forwarded signal already pending (sent while the ticket was fetched), if any.
    static func pendingForwardedSignal() -> Int32? {
        var pending = sigset_t()
        sigpending(&pending)
        return SupervisedCommand.forwardedSignals.first { sigismember(&pending, $0) == 1 }
    }

    /// run-as's own environment, `NAME=value` strings in order.
    static func inheritedEnvironment() -> [String] {
        var entries: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            entries.append(String(cString: entry))
            pointer += 1
        }
        return entries
    }
}
