import Foundation
import GMSACore
import Testing

/// Configurations that would destroy data, or that the system cannot hold, are refused at load.
@Suite struct ProtectedConfigurationTests {
    /// Pretends /etc/krb5.keytab and /srv/alias.keytab are one file (a hard link), and /srv/dir is a directory.
    let loader = ConfigurationLoader(
        userID: { _ in nil }, groupID: { _ in nil },
        fileIdentity: { path in
            switch path {
            case "/etc/krb5.keytab", "/srv/alias.keytab": .init(device: 8, inode: 1234, isDirectory: false)
            case "/srv/dir": .init(device: 8, inode: 99, isDirectory: true)
            default: nil
            }
        })

    func error(keytab: String, extra: String = "", realm: String = "COMPANY.TEST") throws -> ConfigurationError {
        let text = """
            [domain]
            realm = "\(realm)"
            \(extra)
            [[account]]
            name = "msa-web$"
            keytab = "\(keytab)"
            """
        do {
            _ = try loader.parse(text, path: "/etc/gmsa-keytabd/gmsa-keytabd.toml")
        } catch {
            return error
        }
        Issue.record("accepted keytab \(keytab.prefix(80))")
        throw CancellationError()
    }

    @Test(arguments: [
        ("/etc/krb5.keytab", "host keytab"),
        ("/etc//./krb5.keytab", "host keytab"),
        ("/srv/alias.keytab", "same file as /etc/krb5.keytab"),
        ("/etc/gmsa-keytabd/gmsa-keytabd.toml", "configuration file"),
        ("/var/lib/gmsa-keytabd/state.json", "state file"),
        ("/var/lib/gmsa-keytabd/gmsa-keytabd.pid", "pid file"),
        ("/srv/dir", "is a directory"),
    ])
    func refusesAKeytabThatWouldDestroyAFile(keytab: String, what: String) throws {
        let error = try error(keytab: keytab)
        #expect(error.key == "account[1].keytab", "\(error)")
        #expect(error.line == 6, "\(error)")
        #expect(error.message.contains(what), "\(error)")
    }

    @Test func refusesTheHostKeytabWhereverHostKeytabPointsIt() throws {
        let error = try error(keytab: "/srv/host.keytab", extra: "[host]\nkeytab = \"/srv/host.keytab\"")
        #expect(error.message.contains("host keytab"), "\(error)")
    }

    @Test func refusesTheStateFileOfAnotherStateDirectory() throws {
        let error = try error(keytab: "/srv/state/state.json", extra: "[daemon]\nstate_directory = \"/srv/state/\"")
        #expect(error.message.contains("state file"), "\(error)")
    }

    @Test func acceptsAnOrdinaryKeytab() throws {
        let configuration = try loader.parse(
            "[domain]\nrealm = \"COMPANY.TEST\"\n[[account]]\nname = \"msa-web$\"\nkeytab = \"/srv/web.keytab\"\n",
            path: "/etc/gmsa-keytabd/gmsa-keytabd.toml")
        #expect(configuration.accounts.map(\.keytab) == ["/srv/web.keytab"])
    }

    @Test func refusesPathsTheSystemCannotHold() throws {
        let longName = try error(keytab: "/srv/" + String(repeating: "k", count: 256))
        #expect(longName.message.contains("at most 255"), "\(longName)")
        let longPath = try error(keytab: String(repeating: "/abcdefgh", count: 460))
        #expect(longPath.message.contains("at most 4095"), "\(longPath)")
    }

    @Test(arguments: [
        String(repeating: "A", count: 10_000_000),
        String(repeating: "a", count: 64) + ".TEST",
        Array(repeating: "label", count: 60).joined(separator: "."),
        "-COMPANY.TEST", "COMPANY-.TEST", "COMPANY..TEST", "COMPANY.TEST.", "COMP ANY.TEST", "CÖMPANY.TEST",
    ])
    func refusesARealmThatIsNoDomainName(realm: String) throws {
        let error = try error(keytab: "/srv/web.keytab", realm: realm)
        #expect(error.key == "domain.realm")
        // The message never echoes a huge value back.
        #expect(error.description.utf8.count < 400)
    }

    @Test func acceptsARealmOfLongestLabels() throws {
        let realm = [String(repeating: "a", count: 63), String(repeating: "b", count: 63), "TEST"].joined(separator: ".")
        let configuration = try loader.parse(
            "[domain]\nrealm = \"\(realm)\"\n", path: "/etc/gmsa-keytabd/gmsa-keytabd.toml")
        #expect(configuration.domain.realm == realm.uppercased())
    }
}
