import GMSACore
import Testing

/// `ccache`, `ccache_owner`, `ccache_group` and `ccache_mode`: an account may have a keytab, a cache or both.
@Suite struct TicketCacheConfigurationTests {
    let loader = ConfigurationLoader(
        userID: { ["app": 1001, "root": 0][$0] },
        groupID: { ["app": 1001, "root": 0][$0] })

    func parse(_ text: String) throws(ConfigurationError) -> Configuration {
        try loader.parse("[domain]\nrealm = \"COMPANY.TEST\"\n" + text, path: "/etc/gmsa-keytabd/gmsa-keytabd.toml")
    }

    func error(_ text: String) -> ConfigurationError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func aCacheOnlyAccountKeepsItsKeysUnderTheStateDirectory() throws {
        let configuration = try parse(
            """
            [[account]]
            name = "msa-app"
            ccache = "/run/gmsa-keytabd/msa-app.ccache"
            ccache_owner = "app"
            ccache_group = "app"
            ccache_mode = "0640"
            """)
        let account = try #require(configuration.accounts.first)
        #expect(account.keytab == "/var/lib/gmsa-keytabd/keys/msa-app.keytab")
        #expect(account.keytabIsPrivate)
        #expect(account.settings.mode == 0o600 && account.settings.owner == nil && account.settings.group == nil)
        #expect(account.ticketCache == Configuration.TicketCacheSettings(path: "/run/gmsa-keytabd/msa-app.ccache", mode: 0o640, owner: 1001, group: 1001))
    }

    @Test func anAccountMayHaveBothAndTheCacheDefaultsTo0600AndRoot() throws {
        let configuration = try parse(
            """
            [daemon]
            state_directory = "/srv/gmsa"
            [[account]]
            name = "msa-web$"
            keytab = "/etc/web.keytab"
            ccache = "FILE:/run/gmsa-keytabd/msa-web.ccache"
            """)
        let account = try #require(configuration.accounts.first)
        #expect(account.keytab == "/etc/web.keytab" && !account.keytabIsPrivate)
        #expect(account.ticketCache == Configuration.TicketCacheSettings(path: "/run/gmsa-keytabd/msa-web.ccache"))
        #expect(configuration.daemon.keysDirectory == "/srv/gmsa/keys")
    }

    @Test func anAccountWithNeitherIsRefusedNamingBoth() throws {
        let found = try #require(error("[[account]]\nname = \"msa-app\""))
        #expect(found.key == "account[1]")
        #expect(found.message.hasPrefix("keytab or ccache is required for msa-app$"))
    }

    @Test(arguments: [
        ("ccache_mode = \"0644\"", "account[1].ccache_mode", "at most \"0640\""),
        ("ccache_mode = \"0660\"", "account[1].ccache_mode", "at most \"0640\""),
        ("ccache_mode = \"0700\"", "account[1].ccache_mode", "at most \"0640\""),
        ("ccache_mode = \"rw\"", "account[1].ccache_mode", "not a file mode"),
        ("ccache_owner = \"nobody-here\"", "account[1].ccache_owner", "no user 'nobody-here'"),
    ])
    func badCacheSettingsNameTheKey(line: String, key: String, says: String) throws {
        let found = try #require(error("[[account]]\nname = \"msa-app\"\nccache = \"/run/gmsa-keytabd/a.ccache\"\n\(line)"))
        #expect(found.key == key)
        #expect(found.message.contains(says), "\(found.message)")
    }

    @Test(arguments: [
        ("KEYRING:persistent:0", "'KEYRING:' caches are not supported"),
        ("KCM:", "'KCM:' caches are not supported"),
        ("DIR:/run/gmsa", "'DIR:' caches are not supported"),
        ("run/a.ccache", "must be an absolute file path"),
        ("/run/gmsa-keytabd/", "must be an absolute file path"),
        ("/etc/krb5.keytab", "is the host keytab"),
        ("/etc/gmsa-keytabd/gmsa-keytabd.toml", "is the configuration file"),
        ("/var/lib/gmsa-keytabd/state.json", "is the daemon's state file"),
    ])
    func aCacheMustBeAFileOfItsOwn(path: String, says: String) throws {
        let found = try #require(error("[[account]]\nname = \"msa-app\"\nccache = \"\(path)\""))
        #expect(found.key == "account[1].ccache")
        #expect(found.message.contains(says), "\(found.message)")
    }

    @Test func aCacheCannotBeAKeytabOrAnotherAccountsCache() throws {
        let overKeytab = try #require(
            error(
                """
                [[account]]
                name = "msa-web"
                keytab = "/etc/web.keytab"
                [[account]]
                name = "msa-app"
                ccache = "/etc//web.keytab"
                """))
        #expect(overKeytab.key == "account[2].ccache")
        #expect(overKeytab.message.contains("is already the keytab of msa-web$"))
        let sameCache = try #require(
            error(
                """
                [[account]]
                name = "msa-web"
                ccache = "/run/gmsa-keytabd/x.ccache"
                [[account]]
                name = "msa-app"
                ccache = "/run/gmsa-keytabd/x.ccache"
                """))
        #expect(sameCache.message.contains("is already the ticket cache of msa-web$"))
        let ownKeytab = try #require(
            error("[[account]]\nname = \"msa-web\"\nkeytab = \"/etc/w.keytab\"\nccache = \"/etc/w.keytab\""))
        #expect(ownKeytab.message.contains("is already the keytab of msa-web$"))
        let privateKeys = try #require(
            error(
                """
                [[account]]
                name = "msa-web"
                keytab = "/var/lib/gmsa-keytabd/keys/msa-app.keytab"
                [[account]]
                name = "msa-app"
                ccache = "/run/gmsa-keytabd/msa-app.ccache"
                """))
        #expect(privateKeys.key == "account[2].keytab")
    }

    @Test func pathsTooLongForTheSystemAreRefusedAndTemplatesMeasuredWithTheLongestName() throws {
        // 236 + "{account}" is 245 bytes, under NAME_MAX; with a 20-character name it is 256, over it.
        let long = String(repeating: "a", count: 236)
        let cases = [
            ("[[account]]\nname = \"msa-app\"\nkeytab = \"/k/\(long)aaaaaaaaaaaaaaaaaaaa\"", "account[1].keytab"),
            ("[[account]]\nname = \"msa-app\"\nccache = \"/c/\(long)aaaaaaaaaaaaaaaaaaaa\"", "account[1].ccache"),
            ("[discovery]\nkeytab = \"/k/\(long){account}\"", "discovery.keytab"),
            ("[discovery]\nccache = \"/c/\(long){account}\"", "discovery.ccache"),
        ]
        for (text, key) in cases {
            let found = try #require(error(text), "\(key) accepted")
            #expect(found.key == key)
            #expect(found.message == "the path has a component of 256 bytes; a file name may have at most 255", "\(found.message)")
        }
    }

    @Test func keytabOwnershipOnACacheOnlyAccountIsAMixUp() throws {
        let found = try #require(
            error("[[account]]\nname = \"msa-app\"\nccache = \"/run/gmsa-keytabd/a.ccache\"\nowner = \"app\""))
        #expect(found.key == "account[1].owner")
        #expect(found.message.contains("use ccache_owner"))
        #expect(found.message.contains("/var/lib/gmsa-keytabd/keys"))
    }

    @Test func cacheOwnershipWithoutACacheIsRefused() throws {
        let found = try #require(error("[[account]]\nname = \"msa-web\"\nkeytab = \"/etc/w.keytab\"\nccache_mode = \"0640\""))
        #expect(found.key == "account[1].ccache_mode")
        #expect(found.message.contains("has none"))
    }

    @Test func aConfiguredAccountKeepsItsOwnCacheSettingOverTheDiscoveryTemplate() throws {
        let configuration = try parse(
            """
            [[account]]
            name = "msa-web"
            keytab = "/etc/w.keytab"
            [[account]]
            name = "msa-app"
            ccache = "/run/gmsa-keytabd/app.ccache"
            [discovery]
            keytab = "/var/lib/gmsa-keytabd/{account}.keytab"
            ccache = "/run/gmsa-keytabd/{account}.ccache"
            """)
        #expect(configuration.ticketCache(for: try ServiceAccountName("MSA-WEB")) == nil, "its block sets no ccache")
        #expect(configuration.ticketCache(for: try ServiceAccountName("msa-app"))?.path == "/run/gmsa-keytabd/app.ccache")
        #expect(configuration.ticketCache(for: try ServiceAccountName("msa-job"))?.path == "/run/gmsa-keytabd/msa-job.ccache")
        #expect(configuration.keytabIsPrivate(for: try ServiceAccountName("msa-app")))
        #expect(!configuration.keytabIsPrivate(for: try ServiceAccountName("msa-job")))
    }

    @Test func discoveryTakesACacheTemplateWithOrWithoutKeytabs() throws {
        let cachesOnly = try parse(
            """
            [discovery]
            ccache = "/run/gmsa-keytabd/{account}.ccache"
            ccache_group = "app"
            """)
        let discovery = try #require(cachesOnly.discovery)
        let name = try ServiceAccountName("MSA-Job$")
        #expect(discovery.keytabIsPrivate)
        #expect(discovery.keytab(for: name) == "/var/lib/gmsa-keytabd/keys/MSA-Job.keytab")
        #expect(discovery.ticketCache(for: name) == Configuration.TicketCacheSettings(path: "/run/gmsa-keytabd/MSA-Job.ccache", group: 1001))

        let both = try #require(
            try parse("[discovery]\nkeytab = \"/var/lib/gmsa-keytabd/{account}.keytab\"\nccache = \"/run/c/{account}\"").discovery)
        #expect(!both.keytabIsPrivate && both.ticketCache(for: name)?.path == "/run/c/MSA-Job")

        let noPlaceholder = try #require(error("[discovery]\nccache = \"/run/gmsa-keytabd/all.ccache\""))
        #expect(noPlaceholder.key == "discovery.ccache" && noPlaceholder.message.contains("must contain {account}"))
        let same = try #require(error("[discovery]\nkeytab = \"/k/{account}\"\nccache = \"/k/{account}\""))
        #expect(same.key == "discovery.ccache")
        let neither = try #require(error("[discovery]\nenabled = true"))
        #expect(neither.message.hasPrefix("keytab or ccache is required when discovery is enabled"))
    }
}
