import GMSACore
import GMSAService

#if canImport(Glibc)
import Glibc
#endif

/// `gmsa-keytabd refresh [ACCOUNT...]`: ask the running daemon to read accounts now.
struct RefreshCommand: Subcommand {
    static let spec = CommandSpec(
        name: "refresh",
        abstract: "Ask the running daemon to read accounts now (all when none is named), and wait for the result.",
        discussion: "Writes a request into the state directory and sends SIGUSR1 to the daemon. Exit status: 0 the accounts were read successfully, 1 one failed, 69 no daemon is running, 75 no answer within --wait seconds.",
        options: [
            .config,
            .init("wait", valueName: "seconds", help: "Seconds to wait for the daemon to finish (0: do not wait).", defaultText: "60"),
        ],
        operands: .init(name: "accounts", help: "Accounts to read, e.g. msa-web$ (default: all).")
    )

    let options: ConfigurationOptions
    let names: [ServiceAccountName]
    let wait: Int

    init(_ arguments: ParsedArguments) throws(UsageError) {
        options = ConfigurationOptions(arguments)
        do {
            names = try arguments.operands.map { try ServiceAccountName($0) }
        } catch {
            throw UsageError("\(error)")
        }
        wait = try arguments.integer("wait", as: Int.self) ?? 60
        guard wait >= 0 else { throw UsageError("--wait must be 0 or more seconds") }
    }

    func run() throws {
        let configuration = options.load()
        let request = RefreshRequest(stateDirectory: configuration.daemon.stateDirectory)
        guard let pid = request.runningPID() else {
            exitWithError("no gmsa-keytabd daemon is running (no live pid in \(request.pidFile)); use 'gmsa-keytabd sync' instead", .unavailable)
        }
        let store = StateStore(path: configuration.daemon.stateFile)
        let started = Timestamp.now
        do {
            try request.add(names)
        } catch {
            exitWithError("cannot write \(request.requestFile): \(error)", .cannotCreate)
        }
        guard kill(pid, SIGUSR1) == 0 else {
            exitWithError("cannot signal the daemon (pid \(pid)): \(String(cString: strerror(errno)))", .unavailable)
        }
        print("asked gmsa-keytabd (pid \(pid)) to read \(names.isEmpty ? "every account" : names.map(\.samAccountName).joined(separator: ", "))")
        guard wait > 0 else { return }

        let deadline = started + Double(wait)
        while Timestamp.now < deadline {
            usleep(200_000)
            let state = store.load().state
            // A name asked for in any case finds its entry (`MSA-WEB` finds the entry saved as `msa-web$`).
            let watched = names.isEmpty ? state.accounts.keys.compactMap { try? ServiceAccountName($0) } : names
            let done = !watched.isEmpty && watched.allSatisfy { (state[$0]?.lastAttempt ?? .distantPast) >= started.addingTimeInterval(-1) }
            guard done else { continue }
            var failed = false
            for name in watched.sorted() {
                let account = state[name]
                if let error = account?.lastError {
                    failed = true
                    print("\(name): FAILED: \(error)")
                } else {
                    print("\(name): ok, kvno \(account?.keyVersion.map(String.init) ?? "?") in \(account?.keytab ?? "?")")
                }
            }
            if failed { throw ExitCode.failure }
            return
        }
        exitWithError("the daemon did not finish within \(wait) s; see journalctl -u gmsa-keytabd", ExitCode(75))
    }
}
