import Foundation
import Testing

@testable import GMSADaemon

/// The daemon loop's inbox: ticks do not pile up behind a long pass, a stop goes first, and `next()` waits for
/// a poster on another thread.
@Suite struct EventQueueTests {
    @Test func ticksAndRefreshesCoalesceReloadsDoNotAndAStopGoesFirst() {
        let queue = EventQueue()
        for _ in 0..<50 { queue.post(.tick) }
        queue.post(.refresh)
        queue.post(.refresh)
        queue.post(.reload)
        queue.post(.reload)
        queue.post(.stop)
        #expect([queue.next(), queue.next(), queue.next(), queue.next(), queue.next()] == [.stop, .tick, .refresh, .reload, .reload])
    }

    @Test func nextWaitsForAnEventFromAnotherThread() {
        let queue = EventQueue()
        let started = Date()
        Thread.detachNewThread {
            usleep(200_000)
            queue.post(.reload)
        }
        #expect(queue.next() == .reload)
        #expect(Date().timeIntervalSince(started) >= 0.15)
    }
}
