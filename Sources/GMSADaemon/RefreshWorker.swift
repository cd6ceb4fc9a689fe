import GMSACore
import GMSAService

/// Owns the ``RefreshEngine`` on a dedicated thread, so its blocking LDAP and Kerberos calls never occupy
/// the cooperative thread pool.
public actor RefreshWorker {
    private let executor: ThreadExecutor
    private let engine: RefreshEngine

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    public init(engine: sending RefreshEngine) {
        self.executor = ThreadExecutor(name: "gmsa-refresh")
        self.engine = engine
    }

    /// How long the next pass may block before it counts as hung.
    public var maximumPassDuration: Duration {
        RefreshEngine.maximumPassDuration(for: engine.configuration)
    }

    /// Runs whatever is due; returns the status line.
    public func tick() -> String {
        engine.tick(now: Timestamp.now, monotonic: .now)
    }

    public func reload(_ configuration: Configuration) -> String {
        engine.reload(configuration)
        return engine.tick(now: Timestamp.now, monotonic: .now)
    }

    /// Takes the accounts from the refresh request file (written by `gmsa-keytabd refresh`) and reads them now.
    public func refreshRequested() -> String {
        let request = RefreshRequest(stateDirectory: engine.configuration.daemon.stateDirectory)
        engine.requestRefresh(request.take())
        return engine.tick(now: Timestamp.now, monotonic: .now)
    }
}
