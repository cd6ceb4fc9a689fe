import GMSACore
import GMSADaemon
import InMemoryLogging
import Logging
import Testing

@Suite struct NameServiceWaitTests {
    /// A clock that only `sleep` moves: a minute of waiting takes microseconds.
    final class FakeClock: @unchecked Sendable {
        var now = ContinuousClock.now
        var sleeps: [Duration] = []
    }

    let log = InMemoryLogHandler()
    let clock = FakeClock()

    static let path = "/etc/gmsa-keytabd/gmsa-keytabd.toml"
    static let text = """
        [domain]
        realm = "A.TEST"
        [[account]]
        name = "msa-web$"
        keytab = "/k"
        owner = "www-data"
        group = "web-admins"
        """

    /// A loader whose group `web-admins` exists from `groupAppearsAfter` on the fake clock; nil: never.
    func loader(groupAppearsAfter: Duration?) -> ConfigurationLoader {
        let clock = clock
        let started = clock.now
        return ConfigurationLoader(
            userID: { $0 == "www-data" ? 33 : nil },
            groupID: { name in
                guard name == "web-admins", let after = groupAppearsAfter, clock.now - started >= after else { return nil }
                return 2001
            })
    }

    func wait(statuses: @escaping (String) -> Void) -> NameServiceWait {
        let clock = clock
        return NameServiceWait(
            logger: Logger(label: "test") { [log] _ in log }, status: statuses,
            now: { clock.now },
            sleep: { duration in
                clock.sleeps.append(duration)
                clock.now += duration
            })
    }

    @Test func waitsForANameThatResolvesLateThenStarts() throws {
        let loader = loader(groupAppearsAfter: .seconds(7))
        var statuses: [String] = []
        let configuration = try wait { statuses.append($0) }.load { () throws(ConfigurationError) in
            try loader.parse(Self.text, path: Self.path)
        }
        #expect(configuration.accounts[0].settings.group == 2001)
        #expect(clock.sleeps == Array(repeating: .seconds(1), count: 7), "one cheap retry a second")
        #expect(statuses == ["waiting for user/group names to resolve: group 'web-admins' (account msa-web$)"])
        #expect(log.entries.map(\.level) == [.notice, .notice], "one notice for the wait, not one per retry")
        #expect(
            log.entries.first?.message.description
                == "waiting up to 60 s for user and group names to resolve: group 'web-admins' (account msa-web$); is sssd or winbind up?")
        #expect(log.entries.last?.message.description == "user and group names resolved after 7 s; starting")
    }

    @Test func givesUpAfterSixtySecondsWithTheUsualError() throws {
        let loader = loader(groupAppearsAfter: nil)
        var statuses: [String] = []
        do {
            _ = try wait { statuses.append($0) }.load { () throws(ConfigurationError) in try loader.parse(Self.text, path: Self.path) }
            Issue.record("the configuration was accepted without its group")
        } catch {
            #expect(
                error.description
                    == "\(Self.path):7: account[1].group: no group 'web-admins' on this host (check: getent group web-admins) (still unknown after 60 s)")
        }
        #expect(clock.sleeps.reduce(.zero, +) == .seconds(60))
        #expect(statuses.count == 1)
    }

    @Test func anyOtherErrorEndsAtOnce() throws {
        let loader = loader(groupAppearsAfter: .seconds(1))
        let broken = Self.text + "\nmode = \"0644\"\n"
        do {
            _ = try wait { _ in }.load { () throws(ConfigurationError) in try loader.parse(broken, path: Self.path) }
            Issue.record("a world-readable mode was accepted")
        } catch {
            #expect(error.key == "account[1].mode")
            #expect(!error.description.contains("still unknown"))
        }
        #expect(clock.sleeps.isEmpty)
        #expect(log.entries.isEmpty)
    }

    @Test func aValidFileLoadsWithoutAWord() throws {
        let loader = loader(groupAppearsAfter: .zero)
        _ = try wait { _ in Issue.record("no status expected") }.load { () throws(ConfigurationError) in
            try loader.parse(Self.text, path: Self.path)
        }
        #expect(clock.sleeps.isEmpty)
        #expect(log.entries.isEmpty)
    }
}
