import GMSACore
import Synchronization

/// The daemon's ``DomainControllerRotation``, kept between passes: which DCs could not be used lately, and
/// whether the last pass ran out of its budget before it found a DC (the next pass then tries the rest).
///
/// Only the daemon has one: `sync` and `check` try every DC, as an admin waiting for them expects.
public final class DomainControllerRotationCache: Sendable {
    private let kept = Mutex<(rotation: DomainControllerRotation, cutShort: Bool)>((DomainControllerRotation(), false))
    private let origin = ContinuousClock.now

    public init() {}

    /// Whether the last pass stopped for its budget with DCs left untried: they come first in the next pass.
    public var lastPassWasCutShort: Bool {
        kept.withLock { $0.cutShort }
    }

    /// Forgets which DCs failed (a reload, a `gmsa-keytabd refresh`).
    public func forget() {
        kept.withLock { $0 = (DomainControllerRotation(), false) }
    }

    func arranged(_ controllers: [DomainController]) -> [DomainController] {
        let now = Self.milliseconds(since: origin)
        return kept.withLock { $0.rotation.arranged(controllers, now: now) }
    }

    func record(controllers: [DomainController], tried: [DomainController], used: DomainController?, cutShort: Bool) {
        let now = Self.milliseconds(since: origin)
        kept.withLock {
            $0.rotation.record(controllers: controllers, tried: tried, used: used, now: now)
            $0.cutShort = cutShort
        }
    }

    /// Milliseconds of the monotonic clock since `start` (never negative; never traps).
    static func milliseconds(since start: ContinuousClock.Instant) -> Int64 {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        return overflow ? .max : max(0, whole &+ attoseconds / 1_000_000_000_000_000)
    }
}
