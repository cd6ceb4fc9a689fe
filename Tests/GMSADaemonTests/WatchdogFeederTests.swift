import Foundation
import Synchronization
import Testing

@testable import GMSADaemon

@Suite struct WatchdogFeederTests {
    let second: Int64 = 1_000_000_000

    @Test func aPassIsTrustedUpToItsBoundAndNoLonger() {
        let bound = 480 * second
        #expect(WatchdogFeeder.isAlive(now: 100 * second, passStarted: 0, maximumPass: bound, lastLoop: 0, maximumIdle: 20 * second))
        #expect(WatchdogFeeder.isAlive(now: 480 * second, passStarted: 0, maximumPass: bound, lastLoop: 0, maximumIdle: 20 * second))
        #expect(!WatchdogFeeder.isAlive(now: 481 * second, passStarted: 0, maximumPass: bound, lastLoop: 0, maximumIdle: 20 * second))
    }

    @Test func betweenPassesTheLoopMustComeRound() {
        #expect(WatchdogFeeder.isAlive(now: 30 * second, passStarted: nil, maximumPass: 0, lastLoop: 15 * second, maximumIdle: 20 * second))
        #expect(!WatchdogFeeder.isAlive(now: 36 * second, passStarted: nil, maximumPass: 0, lastLoop: 15 * second, maximumIdle: 20 * second))
    }

    @Test func theFeederPingsDuringABoundedPassThenStopsUntilThePassEnds() {
        final class Count: Sendable { let value = Atomic<Int>(0) }
        let pings = Count()
        let feeder = WatchdogFeeder(interval: .milliseconds(10), maximumIdle: .seconds(10)) {
            pings.value.add(1, ordering: .relaxed)
        }
        defer { feeder.stop() }
        usleep(100_000)
        #expect(pings.value.load(ordering: .relaxed) >= 3, "idle loop: fed")
        feeder.passStarted(maximum: .milliseconds(200))
        usleep(100_000)
        let during = pings.value.load(ordering: .relaxed)
        #expect(during >= 5, "a pass within its bound: still fed")
        usleep(300_000)
        let afterBound = pings.value.load(ordering: .relaxed)
        usleep(200_000)
        #expect(pings.value.load(ordering: .relaxed) == afterBound, "a pass past its bound: no more pings")
        feeder.passEnded()
        usleep(100_000)
        #expect(pings.value.load(ordering: .relaxed) > afterBound, "fed again once the pass ended")
    }
}
