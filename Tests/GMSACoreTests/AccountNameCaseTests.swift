import GMSACore
import Testing

/// sAMAccountNames compare as AD compares them, without case, wherever the daemon matches one name with
/// another: configured, discovered, excluded, state entries. The spelling itself is kept.
@Suite struct AccountNameCaseTests {
    func name(_ text: String) throws -> ServiceAccountName { try ServiceAccountName(text) }

    @Test func namesDifferingOnlyInCaseAreOneAccountAndKeepTheirSpelling() throws {
        let configured = try name("MSA-Web")
        let directory = try name("msa-web$")
        #expect(configured == directory)
        #expect(configured.hashValue == directory.hashValue)
        #expect(!(configured < directory) && !(directory < configured))
        #expect(configured.samAccountName == "MSA-Web$")
        #expect(directory.samAccountName == "msa-web$")
        #expect(Set([configured, directory]).count == 1)
        #expect([directory: 1][configured] == 1)
        #expect(try name("msa-web") != name("msa-web2"))
    }

    @Test func theComparisonKeyUpperCasesEachScalarOnItsOwn() throws {
        // ASCII letters (written lower case in the key), then the simple uppercase mapping beyond ASCII.
        #expect(ServiceAccountName.comparisonKey(of: "MSA-Web$") == "msa-web$")
        #expect(try name("ÄRGER") == name("ärger"))
        #expect(try name("ΣΥΣ") == name("συς"))  // final sigma upper-cases to Σ as well
        #expect(try name("ı") == name("I"))  // dotless i upper-cases to I, as in Windows and Samba
        #expect(try name("straße") != name("STRASSE"))  // ß's uppercase is two scalars: no simple mapping
        #expect(try name("msa_a") < name("msab"))  // sorted as they read, as before
    }

    @Test func isNamedComparesAStoredSpellingWithoutCase() throws {
        let account = try name("MSA-Web")
        #expect(account.isNamed("msa-web$"))
        #expect(account.isNamed("MSA-WEB$"))
        #expect(!account.isNamed("msa-web"))
        #expect(!account.isNamed("msa-webx$"))
        #expect(try name("ärger").isNamed("ÄRGER$"))
    }

    @Test func aStateEntrySavedInOneSpellingIsFoundInAnother() throws {
        var state = DaemonState()
        var entry = AccountState(keytab: "/var/lib/gmsa-keytabd/msa-web.keytab")
        entry.keyVersion = 3
        state[try name("msa-web$")] = entry
        #expect(state[try name("MSA-Web")]?.keyVersion == 3)
        #expect(state.key(of: try name("MSA-WEB")) == "msa-web$")
        // Writing it under the configured spelling replaces the entry, never adds a second one.
        entry.keyVersion = 4
        state[try name("MSA-Web")] = entry
        #expect(state.accounts.keys.sorted() == ["MSA-Web$"])
        #expect(state[try name("msa-web")]?.keyVersion == 4)
    }

    @Test func pruningKeepsAnEntrySavedInAnotherSpelling() throws {
        var state = DaemonState()
        state.accounts["msa-web$"] = AccountState(keytab: "/k1")
        state.accounts["msa-old$"] = AccountState(keytab: "/k2")
        state.prune(keeping: [try name("MSA-Web")], now: Timestamp(timeIntervalSince1970: 1_000))
        #expect(state.accounts.keys.sorted() == ["msa-web$"])
    }
}
