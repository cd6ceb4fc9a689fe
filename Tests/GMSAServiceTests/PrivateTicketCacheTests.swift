import Foundation
import GMSATestSupport
import Testing

@testable import GMSAService

/// What a `run-as` killed with SIGKILL leaves (its directory and cache) is removed by the next `run-as`, and
/// nothing of a `run-as` still running is touched.
@Suite struct PrivateTicketCacheTests {
    let parent: TemporaryDirectory

    init() throws {
        parent = try TemporaryDirectory()
    }

    /// A `run-as.*` directory with a cache in it, its times `age` seconds back.
    func leftover(_ name: String, age: Int) -> String {
        let path = parent.file(name)
        mkdir(path, 0o711)
        FileManager.default.createFile(atPath: path + "/ccache", contents: Data("ticket".utf8))
        var times = [timeval(tv_sec: time(nil) - age, tv_usec: 0), timeval(tv_sec: time(nil) - age, tv_usec: 0)]
        utimes(path, &times)
        return path
    }

    @Test func theCachesOfKilledRunAsProcessesAreRemovedAndLiveOnesKept() throws {
        let killed = leftover("run-as.msa-app.aaaaaa", age: 3600)
        let running = leftover("run-as.msa-app.bbbbbb", age: 3600)
        let lock = open(running, O_RDONLY | O_DIRECTORY)
        defer { close(lock) }
        #expect(flock(lock, LOCK_EX) == 0)
        let starting = leftover("run-as.msa-app.cccccc", age: 0)
        let other = leftover("other.dddddd", age: 3600)

        #expect(PrivateTicketCache.removeStale(in: parent.path) == 1)
        #expect(!FileManager.default.fileExists(atPath: killed))
        #expect(FileManager.default.fileExists(atPath: running + "/ccache"), "its run-as holds the lock")
        #expect(FileManager.default.fileExists(atPath: starting + "/ccache"), "younger than a minute: being set up")
        #expect(FileManager.default.fileExists(atPath: other + "/ccache"), "not a run-as directory")
    }
}
