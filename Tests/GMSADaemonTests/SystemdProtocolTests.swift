import Foundation
import Testing

@testable import GMSADaemon

/// The notify and journal protocols, spoken without libsystemd: the bytes, and real datagrams through real
/// sockets. (The daemon against a listener is in DaemonAgainstLabTests; against systemd and journald in
/// lab/host-test.sh.)
@Suite struct SystemdProtocolTests {
    @Test func journalFieldsAreLinesAndMultiLineValuesAreLengthPrefixed() {
        #expect(JournalDatagram.encode(["MESSAGE=hello", "PRIORITY=6"]) == Array("MESSAGE=hello\nPRIORITY=6\n".utf8))
        let multiLine = JournalDatagram.encode(["MESSAGE=a\nb", "KVNO=2"])
        #expect(multiLine == Array("MESSAGE\n".utf8) + [3, 0, 0, 0, 0, 0, 0, 0] + Array("a\nb\nKVNO=2\n".utf8))
        // An `=` in the value belongs to the value; a field without one is not sent.
        #expect(JournalDatagram.encode(["MESSAGE=x=y", "BROKEN"]) == Array("MESSAGE=x=y\n".utf8))
        #expect(JournalDatagram.encode(["MESSAGE="]) == Array("MESSAGE=\n".utf8))
    }

    @Test func theWatchdogIsOnOnlyForAPositiveIntervalMeantForThisProcess() {
        #expect(SystemdNotifier.watchdogInterval(usec: "1000000", pid: nil, ownPID: 42) == .seconds(1))
        #expect(SystemdNotifier.watchdogInterval(usec: "1000000", pid: "42", ownPID: 42) == .seconds(1))
        #expect(SystemdNotifier.watchdogInterval(usec: "1000000", pid: "43", ownPID: 42) == nil)
        #expect(SystemdNotifier.watchdogInterval(usec: "0", pid: nil, ownPID: 42) == nil)
        #expect(SystemdNotifier.watchdogInterval(usec: "-5", pid: nil, ownPID: 42) == nil)
        #expect(SystemdNotifier.watchdogInterval(usec: "1s", pid: nil, ownPID: 42) == nil)
        #expect(SystemdNotifier.watchdogInterval(usec: "18446744073709551615", pid: nil, ownPID: 42) == nil)
        #expect(SystemdNotifier.watchdogInterval(usec: nil, pid: nil, ownPID: 42) == nil)
    }

    @Test func notifySocketNamesArePathsOrAbstractNames() {
        #expect(UnixDatagram.Address(notifySocket: "/run/systemd/notify")?.path == Array("/run/systemd/notify".utf8))
        #expect(UnixDatagram.Address(notifySocket: "@abstract")?.path == [0] + Array("abstract".utf8))
        #expect(UnixDatagram.Address(notifySocket: "@") == nil)
        #expect(UnixDatagram.Address(notifySocket: "relative/path") == nil)
        #expect(UnixDatagram.Address(notifySocket: "vsock:2:1234") == nil)
        #expect(UnixDatagram.Address(notifySocket: "/" + String(repeating: "x", count: 108)) == nil)
    }

    /// A socket bound the way systemd binds its own, and what arrives there.
    final class Listener {
        let fd: Int32

        init(_ address: UnixDatagram.Address) throws {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var storage = sockaddr_un()
            storage.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &storage.sun_path) { $0.copyBytes(from: address.path) }
            let length = socklen_t(MemoryLayout.offset(of: \sockaddr_un.sun_path)! + address.path.count)
            let bound = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            try #require(fd >= 0 && bound == 0, "cannot bind: \(String(cString: strerror(errno)))")
        }

        deinit { close(fd) }

        func receive() -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            let count = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            return count < 0 ? [] : Array(buffer[..<count])
        }
    }

    @Test func datagramsArriveWholeAtPathsAndAbstractNames() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gmsa-notify-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = try #require(UnixDatagram.Address(path: directory + "/notify"))
        let atPath = try Listener(path)
        #expect(UnixDatagram.send(Array("READY=1\nSTATUS=ok".utf8), to: path))
        #expect(atPath.receive() == Array("READY=1\nSTATUS=ok".utf8))

        let abstract = try #require(UnixDatagram.Address(notifySocket: "@gmsa-keytabd-test-\(getpid())"))
        let atName = try Listener(abstract)
        // Larger than the default send buffer (about 208 KiB): needs the raised buffer, as big journal entries do.
        let large = [UInt8](repeating: UInt8(ascii: "x"), count: 300_000)
        #expect(UnixDatagram.send(large, to: abstract, bufferSize: 8 << 20))
        #expect(atName.receive() == large)

        // Nobody listening: false, no crash, no SIGPIPE.
        let nobody = try #require(UnixDatagram.Address(path: directory + "/nobody"))
        #expect(!UnixDatagram.send(Array("WATCHDOG=1".utf8), to: nobody))
    }
}
