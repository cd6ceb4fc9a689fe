import Foundation
import GMSACore
import Testing

@Suite struct ConfigurationLoaderTests {
    let loader = ConfigurationLoader(
        userID: { ["www-data": 33, "root": 0][$0] },
        groupID: { ["www-data": 33, "root": 0][$0] })

    func parse(_ text: String) throws(ConfigurationError) -> Configuration {
        try loader.parse(text, path: "/etc/gmsa-keytabd/gmsa-keytabd.toml")
    }

    /// The error for `text`, which must be rejected.
    func error(_ text: String) throws -> ConfigurationError {
        do {
            _ = try parse(text)
        } catch {
            return error
        }
        Issue.record("configuration was accepted:\n\(text)")
        throw CancellationError()
    }

    static let shippedExample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../config/gmsa-keytabd.toml").standardized.path

    @Test func theShippedExampleSaysItIsNotConfigured() throws {
        do {
            _ = try loader.load(path: Self.shippedExample)
            Issue.record("the shipped example, with every setting commented out, was accepted")
        } catch {
            #expect(error.key == nil)
            #expect(error.message.hasPrefix("not configured yet: set [domain] realm"))
        }
    }

    @Test func theShippedExampleIsValidOnceItsSettingsAreUncommented() throws {
        // "#key = value" lines are the settings an admin uncomments; "# key = value" lines only show defaults.
        let text = try String(contentsOfFile: Self.shippedExample, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in line.hasPrefix("#") && !line.hasPrefix("# ") && line.count > 1 ? line.dropFirst() : line }
            .joined(separator: "\n")
        let configuration = try loader.parse(text, path: Self.shippedExample)
        #expect(configuration.domain.realm == "COMPANY.TEST")
        #expect(configuration.accounts.map(\.name.samAccountName) == ["msa-web$"])
        #expect(configuration.accounts.first?.keytab == "/var/lib/gmsa-keytabd/msa-web.keytab")
        #expect(configuration.discovery == nil)
    }

    @Test func aMissingRealmInAConfiguredFileNamesTheKey() throws {
        let error = try error(
            """
            [[account]]
            name = "msa-web$"
            keytab = "/var/lib/gmsa-keytabd/msa-web.keytab"
            """)
        #expect(error.key == "domain.realm")
    }

    @Test func appliesDefaults() throws {
        let configuration = try parse(
            """
            [domain]
            realm = "company.test"
            """)
        #expect(configuration.domain.realm == "COMPANY.TEST")
        #expect(configuration.domain.dnsName == "company.test")
        #expect(configuration.domain.servers.isEmpty)
        #expect(configuration.host.keytab == "/etc/krb5.keytab")
        #expect(configuration.host.principal == nil)
        #expect(configuration.directory.timeoutSeconds == 30)
        #expect(configuration.accounts.isEmpty)
    }

    @Test func readsEveryKey() throws {
        let configuration = try parse(
            """
            [domain]
            realm = "COMPANY.TEST"
            servers = ["dc1.company.test", "dc2.company.test"]
            [host]
            keytab = "/etc/krb5.keytab"
            principal = "LINUXHOST1$"
            [ldap]
            timeout = 5
            page_size = 100
            [[account]]
            name = "msa-web"
            keytab = "/var/lib/gmsa-keytabd/web.keytab"
            owner = "www-data"
            group = "www-data"
            mode = "0640"
            enctypes = ["aes256", "aes128"]
            principals = ["HTTP/alias.company.test"]
            [[account]]
            name = "msa-db$"
            keytab = "/var/lib/gmsa-keytabd/db.keytab"
            mode = 0o600
            [discovery]
            enabled = true
            keytab = "/var/lib/gmsa-keytabd/{account}.keytab"
            exclude = ["msa-old"]
            """)
        #expect(configuration.domain.servers == ["dc1.company.test", "dc2.company.test"])
        #expect(configuration.host.principal == "LINUXHOST1$@COMPANY.TEST")
        #expect(configuration.directory.pageSize == 100)
        let web = try #require(configuration.account(named: try ServiceAccountName("msa-web$")))
        #expect(web.settings.owner == 33 && web.settings.group == 33 && web.settings.mode == 0o640)
        #expect(web.settings.encryptionTypes == [.aes256CTSHMACSHA196, .aes128CTSHMACSHA196])
        #expect(web.settings.extraPrincipals == ["HTTP/alias.company.test"])
        #expect(configuration.accounts[1].settings.mode == 0o600)
        #expect(configuration.accounts[1].settings.encryptionTypes == nil)
        let discovery = try #require(configuration.discovery)
        #expect(discovery.keytab(for: try ServiceAccountName("msa-x$")) == "/var/lib/gmsa-keytabd/msa-x.keytab")
        #expect(discovery.exclude == [try ServiceAccountName("msa-old")])
    }

    @Test func twoAccountsWhoseNamesDifferOnlyInCaseAreADuplicate() throws {
        let error = try error(
            """
            [domain]
            realm = "A.TEST"
            [[account]]
            name = "msa-web"
            keytab = "/var/lib/gmsa-keytabd/web.keytab"
            [[account]]
            name = "MSA-WEB"
            keytab = "/var/lib/gmsa-keytabd/WEB.keytab"
            """)
        #expect(error.key == "account[2].name")
        #expect(error.line == 7)
        #expect(
            error.message
                == "MSA-WEB$ is listed twice (account[1].name on line 4 names it as msa-web$; AD compares account names "
                + "without case): keep one [[account]] block")
    }

    @Test func excludeAndAccountLookupsIgnoreCase() throws {
        let configuration = try parse(
            """
            [domain]
            realm = "A.TEST"
            [[account]]
            name = "MSA-Web"
            keytab = "/var/lib/gmsa-keytabd/web.keytab"
            [discovery]
            keytab = "/var/lib/gmsa-keytabd/{account}.keytab"
            exclude = ["MSA-OLD"]
            """)
        #expect(configuration.account(named: try ServiceAccountName("msa-web$"))?.name.samAccountName == "MSA-Web$")
        #expect(try #require(configuration.discovery).exclude.contains(try ServiceAccountName("msa-old$")))
    }

    /// A host that is not joined names a domain user (no `$`): the realm is added as for a machine account, a
    /// principal with a realm is kept as given.
    @Test func aUserPrincipalIsAccepted() throws {
        let user = try parse("[domain]\nrealm = \"company.test\"\n[host]\nkeytab = \"/etc/gmsa-keytabd/gmsa-reader.keytab\"\nprincipal = \"gmsa-reader\"\n")
        #expect(user.host.principal == "gmsa-reader@COMPANY.TEST")
        #expect(user.host.keytab == "/etc/gmsa-keytabd/gmsa-reader.keytab")
        let qualified = try parse("[domain]\nrealm = \"COMPANY.TEST\"\n[host]\nprincipal = \"gmsa-reader@COMPANY.TEST\"\n")
        #expect(qualified.host.principal == "gmsa-reader@COMPANY.TEST")
    }

    @Test func readsDaemonSettingsAndOnChange() throws {
        let configuration = try parse(
            """
            [domain]
            realm = "A.TEST"
            [daemon]
            state_directory = "/var/lib/other"
            retention = "12h"
            probe_interval = "15m"
            on_change_timeout = "20s"
            [[account]]
            name = "msa-web"
            keytab = "/k/web.keytab"
            on_change = ["systemctl", "try-reload-or-restart", "nginx.service"]
            """)
        #expect(configuration.daemon.stateFile == "/var/lib/other/state.json")
        #expect(configuration.daemon.refresh.retention == .seconds(12 * 3600))
        #expect(configuration.daemon.refresh.probeInterval == .seconds(900))
        #expect(configuration.daemon.onChangeTimeout == .seconds(20))
        #expect(configuration.accounts[0].onChange == ["systemctl", "try-reload-or-restart", "nginx.service"])
    }

    @Test func daemonDefaultsCoverATicketLifetimePlusSkew() throws {
        let configuration = try parse("[domain]\nrealm = \"A.TEST\"\n")
        #expect(configuration.daemon.stateDirectory == "/var/lib/gmsa-keytabd")
        #expect(configuration.daemon.refresh.retention == .seconds(10 * 3600 + 5 * 60))
        #expect(configuration.daemon.refresh.probeInterval == .seconds(3600))
    }

    @Test func anUnknownKeyNamesTheKeyAndItsLine() throws {
        let error = try error(
            """
            [domain]
            realm = "COMPANY.TEST"

            [[account]]
            name = "msa-web$"
            keytab = "/k/web.keytab"

            [[account]]
            name = "msa-db$"
            keytab = "/k/db.keytab"
            ownr = "postgres"
            """)
        #expect(error.key == "account[2].ownr")
        #expect(error.line == 11)
        #expect(error.description.hasPrefix("/etc/gmsa-keytabd/gmsa-keytabd.toml:11: account[2].ownr: unknown key"))
    }

    @Test func anUnknownSectionIsAnError() throws {
        let error = try error("[domain]\nrealm = \"A.TEST\"\n[domian]\nrealm = \"B\"\n")
        #expect(error.key == "domian")
        #expect(error.line == 3)
    }

    @Test func aWrongTypeNamesTheKey() throws {
        let error = try error("[domain]\nrealm = \"A.TEST\"\n[ldap]\ntimeout = \"30\"\n")
        #expect(error.key == "ldap.timeout")
        #expect(error.line == 4)
        #expect(error.message.contains("integer"))
    }

    @Test func theRealmIsRequired() throws {
        let error = try error("[host]\nkeytab = \"/etc/krb5.keytab\"\n")
        #expect(error.key == "domain.realm")
        #expect(error.message.contains("required"))
    }

    @Test func serversMayGiveAPort() throws {
        let configuration = try parse("[domain]\nrealm = \"A.TEST\"\nservers = [\"dc1.a.test\", \"dc2.a.test:3389\"]\n")
        #expect(configuration.domain.servers == ["dc1.a.test", "dc2.a.test:3389"])
        for bad in ["ldap://dc1.a.test", "dc1.a.test:0", "dc1.a.test:ldap", "[::1]:389"] {
            let refused = try error("[domain]\nrealm = \"A.TEST\"\nservers = [\"dc1.a.test\", \"\(bad)\"]\n")
            #expect(refused.key == "domain.servers")
            #expect(refused.message.contains("entry 2 '\(bad)' is not a host name with an optional port"), "\(refused.message)")
        }
    }

    @Test func aWrongTypeInAListOrTableIsNamed() throws {
        let list = try error("[domain]\nrealm = \"A.TEST\"\nservers = \"dc1\"\n")
        #expect(list.key == "domain.servers")
        #expect(list.line == 3)
        #expect(list.message.contains("list"))
        let flag = try error("[domain]\nrealm = \"A.TEST\"\n[discovery]\nenabled = \"yes\"\nkeytab = \"/k/{account}\"\n")
        #expect(flag.key == "discovery.enabled")
        #expect(flag.message.contains("true or false"))
    }

    @Test func aSyntaxErrorHasItsLine() throws {
        let error = try error("[domain]\nrealm = \"A.TEST\n")
        #expect(error.line == 2)
        #expect(error.message.contains("syntax error"))
    }

    /// The parser's errors (TOMLParserTests has every kind) keep their line, and the column goes in the message.
    @Test(arguments: [
        ("[.host]\n", 2, "table header needs a name"), ("x = [1,}\n", 8, "'}' where a list"),
        ("x = 1979-05-27T:00\n", 16, "a time is written HH:MM:SS"), ("realm = \"B\"\n", 1, "the key realm is defined twice"),
    ])
    func aSyntaxErrorHasItsLineAndColumn(line: String, column: Int, problem: String) throws {
        let error = try error("[domain]\nrealm = \"A.TEST\"\n" + line)
        #expect(error.line == 3, "\(error)")
        #expect(error.key == nil)
        #expect(error.message.hasPrefix("syntax error (column \(column)): "), "\(error)")
        #expect(error.message.contains(problem), "\(error)")
    }

    @Test func aDateIsAWrongTypeThatSaysSo() throws {
        let error = try error("[domain]\nrealm = 1979-05-27\n")
        #expect(error.key == "domain.realm")
        #expect(error.line == 2)
        #expect(error.message.hasPrefix("wrong type: expected a string in quotes, found a date or time"), "\(error)")
    }

    @Test func unknownKeysInInlineTablesAndDottedKeysAreNamedWithTheirLines() throws {
        let inline = try error("domain = { realm = \"A.TEST\",\n  foo = 1 }\n".replacing(",\n ", with: ","))
        #expect(inline.key == "domain.foo")
        let dotted = try error("domain.realm = \"A.TEST\"\n\nhost.keytabs = \"/k\"\nldap.x = 1\n")
        #expect(dotted.key == "host.keytabs")
        #expect(dotted.line == 3)
        #expect(dotted.message.hasPrefix("unknown key (also unknown: ldap.x)"), "\(dotted)")
    }

    /// Keys that need quotes in TOML are named with them: an empty key is `""`, not nothing (found by fuzz-config).
    @Test func unknownKeysAreNamedAsTOMLWritesThem() throws {
        let empty = try error("[\"\"]\n")
        #expect(empty.key == "\"\"")
        #expect(empty.line == 1)
        let spaced = try error("[domain]\nrealm = \"A.TEST\"\n\"time out\" = 1\n")
        #expect(spaced.key == "domain.\"time out\"")
        #expect(spaced.line == 3)
    }

    @Test func aListEntryOfTheWrongTypeIsNamed() throws {
        let error = try error("[domain]\nrealm = \"A.TEST\"\nservers = [\"dc1\", 2]\n")
        #expect(error.key == "domain.servers")
        #expect(error.line == 3)
        #expect(error.message.contains("entry 2 is an integer"), "\(error)")
    }

    @Test func fileModesMayBeOctalIntegers() throws {
        let configuration = try parse("[domain]\nrealm = \"A.TEST\"\n[[account]]\nname = \"web\"\nkeytab = \"/k\"\nmode = 0o640\n")
        #expect(configuration.accounts[0].settings.mode == 0o640)
    }

    @Test func aMissingFileSaysWhy() throws {
        do {
            _ = try loader.load(path: "/nonexistent/gmsa-keytabd.toml")
            Issue.record("a missing file was loaded")
        } catch {
            #expect(error.message.hasPrefix("cannot read the configuration file (No such file or directory)"), "\(error)")
        }
    }

    @Test func stringsAndCommentsMayHoldBracketsAndColons() throws {
        let configuration = try parse(
            """
            [ domain ]  # the realm: [=}
            realm = "A.TEST"
            servers = [
              "dc1.a.test",  # [.x] 07:00
            ]
            [ "host" ]
            principal = "HOST1$"
            [[account]]
            name = "web"
            keytab = '/k:[}'
            on_change = ["/bin/sh", "-c", \"\"\"a:
            [=}\"\"\"]
            """)
        #expect(configuration.domain.servers == ["dc1.a.test"])
        #expect(configuration.accounts.map(\.keytab) == ["/k:[}"])
        #expect(try error("[domain]\n[]\n").message.contains("syntax error"))
        #expect(try error("\u{FEFF}[=\n").message.contains("table header needs a name"))
        #expect(try error("[domain]\nrealm = \"A.TEST\"\nkey1-2 = -5\n").message.contains("unknown key"))
    }

    @Test(arguments: [
        ("[domain]\nrealm = \"A B\"\n", "domain.realm", "not a realm"),
        ("[domain]\nrealm = \"A.TEST\"\nservers = [\"ldap://dc1\"]\n", "domain.servers", "not a host name"),
        ("[domain]\nrealm = \"A.TEST\"\n[host]\nkeytab = \"krb5.keytab\"\n", "host.keytab", "absolute"),
        ("[domain]\nrealm = \"A.TEST\"\n[ldap]\ntimeout = 0\n", "ldap.timeout", "out of range"),
        ("[domain]\nrealm = \"A.TEST\"\n[[account]]\nkeytab = \"/k\"\n", "account[1]", "name is required"),
        ("[domain]\nrealm = \"A.TEST\"\n[[account]]\nname = \"a b\"\nkeytab = \"/k\"\n", "account[1].name", "not allowed"),
        ("[domain]\nrealm = \"A.TEST\"\n[[account]]\nname = \"web\"\n", "account[1]", "keytab or ccache is required"),
        ("[domain]\nrealm = \"A.TEST\"\n[[account]]\nname = \"web\"\nkeytab = \"/k\"\nmode = \"0999\"\n", "account[1].mode", "not a file mode"),
        ("[domain]\nrealm = \"A.TEST\"\n[[account]]\nname = \"web\"\nkeytab = \"/k\"\nmode = \"0644\"\n", "account[1].mode", "every user"),
        ("[domain]\nrealm = \"A.TEST\"\n[[account]]\nname = \"web\"\nkeytab = \"/k\"\nowner = \"wwwdata\"\n", "account[1].owner", "no user 'wwwdata'"),
        ("[domain]\nrealm = \"A.TEST\"\n[[account]]\nname = \"web\"\nkeytab = \"/k\"\ngroup = \"nogrp\"\n", "account[1].group", "no group 'nogrp'"),
        ("[domain]\nrealm = \"A.TEST\"\n[[account]]\nname = \"web\"\nkeytab = \"/k\"\nenctypes = [\"des\"]\n", "account[1].enctypes", "'des'"),
        ("[domain]\nrealm = \"A.TEST\"\n[[account]]\nname = \"web\"\nkeytab = \"/k\"\n[[account]]\nname = \"web$\"\nkeytab = \"/j\"\n", "account[2].name", "twice"),
        ("[domain]\nrealm = \"A.TEST\"\n[[account]]\nname = \"a\"\nkeytab = \"/k\"\n[[account]]\nname = \"b\"\nkeytab = \"/k\"\n", "account[2].keytab", "already the keytab of a$"),
        ("[domain]\nrealm = \"A.TEST\"\n[discovery]\nenabled = true\n", "discovery", "keytab or ccache is required"),
        ("[domain]\nrealm = \"A.TEST\"\n[daemon]\nretention = \"ten hours\"\n", "daemon.retention", "not a duration"),
        ("[domain]\nrealm = \"A.TEST\"\n[daemon]\nprobe_interval = \"5s\"\n", "daemon.probe_interval", "between 1m and 7d"),
        ("[domain]\nrealm = \"A.TEST\"\n[daemon]\nstate_directory = \"state\"\n", "daemon.state_directory", "absolute"),
        ("[domain]\nrealm = \"A.TEST\"\n[[account]]\nname = \"web\"\nkeytab = \"/k\"\non_change = []\n", "account[1].on_change", "as a list"),
        ("[domain]\nrealm = \"A.TEST\"\n[[account]]\nname = \"web\"\nkeytab = \"/k\"\non_change = \"systemctl reload x\"\n", "account[1].on_change", "list like"),
        ("[domain]\nrealm = \"A.TEST\"\n[discovery]\nkeytab = \"/k/x.keytab\"\n", "discovery.keytab", "{account}"),
    ])
    func rejectsBadValues(text: String, key: String, message: String) throws {
        let error = try error(text)
        #expect(error.key == key, "\(error)")
        #expect(error.description.contains(message), "\(error)")
        #expect(error.line != nil, "\(error)")
    }

    @Test func unknownNamesAreTheirOwnErrorListingEveryName() throws {
        let error = try error(
            """
            [domain]
            realm = "A.TEST"
            [[account]]
            name = "msa-web"
            keytab = "/k"
            owner = "www-data"
            group = "web-admins"
            [[account]]
            name = "msa-db$"
            keytab = "/j"
            owner = "postgres"
            [discovery]
            keytab = "/d/{account}.keytab"
            group = "keytab-readers"
            """)
        #expect(error.code == .unknownNames)
        // The rest of the error is the first name's, worded as before.
        #expect(error.description == "/etc/gmsa-keytabd/gmsa-keytabd.toml:7: account[1].group: no group 'web-admins' on this host (check: getent group web-admins)")
        #expect(error.unknownNames.map(\.description) == [
            "group 'web-admins' (account msa-web$)", "user 'postgres' (account msa-db$)", "group 'keytab-readers' ([discovery])",
        ])
    }

    @Test func anyOtherErrorWinsOverUnknownNames() throws {
        // An unknown name first in the file, a bad mode after it: the mode is what waiting cannot fix.
        let error = try error(
            "[domain]\nrealm = \"A.TEST\"\n[[account]]\nname = \"web\"\nkeytab = \"/k\"\nowner = \"wwwdata\"\n"
                + "[[account]]\nname = \"db\"\nkeytab = \"/j\"\nmode = \"0644\"\n")
        #expect(error.code == .invalid)
        #expect(error.key == "account[2].mode")
        #expect(error.unknownNames.isEmpty)
    }

    @Test func aNumberIsAnIdAndNeverLookedUp() throws {
        let configuration = try parse(
            "[domain]\nrealm = \"A.TEST\"\n[[account]]\nname = \"web\"\nkeytab = \"/k\"\nowner = \"1001\"\ngroup = \"0\"\n")
        #expect(configuration.accounts[0].settings.owner == 1001 && configuration.accounts[0].settings.group == 0)
        // (uid_t)-1 would leave the owner as it is: refused at once, not waited for.
        let error = try error("[domain]\nrealm = \"A.TEST\"\n[[account]]\nname = \"web\"\nkeytab = \"/k\"\nowner = \"4294967295\"\n")
        #expect(error.code == .invalid)
        #expect(error.key == "account[1].owner")
    }
}
