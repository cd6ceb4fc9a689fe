import GMSACore
import GMSADirectory
import GMSAKerberos
import GMSATestSupport
import Testing

@testable import GMSAService

/// A configured name finds the directory's account in any case; the keytab's principals and salt use the
/// directory's spelling; discovery's exclude list and `refresh ACCOUNT` match without case.
@Suite struct AccountNameCaseTests {
    let context = try! KerberosContext()

    func configuration(_ text: String) throws -> Configuration {
        try ConfigurationLoader(userID: { _ in nil }, groupID: { _ in nil }).parse(text, path: "/etc/gmsa-keytabd/gmsa-keytabd.toml")
    }

    func directoryAccount(_ name: String) throws -> ManagedAccount {
        let blob = BlobBuilder(
            current: BlobBuilder.password(seed: 2), previous: BlobBuilder.password(seed: 1), queryTicks: 72_000 * 10_000_000,
            unchangedTicks: 71_000 * 10_000_000
        ).bytes()
        return ManagedAccount(
            name: try ServiceAccountName(name), distinguishedName: "CN=msa-web,CN=Managed Service Accounts,DC=company,DC=test",
            keyVersion: 2, servicePrincipalNames: ["HTTP/web.company.test"], passwordBlob: SecretBytes(blob))
    }

    @Test func aConfiguredNameInAnotherCaseGetsTheDirectorysSpellingInItsKeytab() throws {
        var settings = Configuration.KeytabSettings(mode: 0o600)
        settings.encryptionTypes = [.aes256CTSHMACSHA196]
        let target = AccountTarget(name: try ServiceAccountName("MSA-Web"), keytab: "/nonexistent/web.keytab", settings: settings, discovered: false)
        // What AccountLookup and KeytabSynchronizer do with a read: the result is keyed by the directory's name.
        let found = [try ServiceAccountName("msa-web$"): try directoryAccount("msa-web$")]
        let account = try #require(found[target.name])
        let plan = try KeyPlanner(realm: "COMPANY.TEST", context: context).derivedPlan(
            target, account, hostPrincipal: "HOST$@COMPANY.TEST", base: "DC=company,DC=test")
        #expect(Set(plan.entries.map(\.principal)) == ["msa-web$@COMPANY.TEST", "HTTP/web.company.test@COMPANY.TEST"])
        #expect(plan.layout.salt == "COMPANY.TESThostmsa-web.company.test")
        #expect(plan.report.account.samAccountName == "MSA-Web$")
        // The keys are those of the directory's spelling.
        let same = try KeyPlanner(realm: "COMPANY.TEST", context: context).derivedPlan(
            AccountTarget(name: account.name, keytab: target.keytab, settings: settings, discovered: false), account,
            hostPrincipal: "HOST$@COMPANY.TEST", base: "DC=company,DC=test")
        #expect(plan.entries == same.entries)
    }

    @Test func discoveryNeitherAddsAConfiguredAccountAgainNorAnExcludedOneInAnotherCase() throws {
        let configuration = try configuration(
            """
            [domain]
            realm = "COMPANY.TEST"
            [[account]]
            name = "MSA-Web"
            keytab = "/var/lib/gmsa-keytabd/web.keytab"
            [discovery]
            keytab = "/var/lib/gmsa-keytabd/{account}.keytab"
            exclude = ["MSA-SVC1"]
            """)
        let discovered = try ["msa-web$", "msa-svc1$", "msa-svc2$"].map(ServiceAccountName.init)
        let targets = AccountTarget.targets(configuration: configuration, readable: discovered)
        #expect(targets.map(\.name.samAccountName) == ["MSA-Web$", "msa-svc2$"])
        // What AccountLookup hands to discovery: the exclude list, minus accounts named in [[account]] blocks.
        let excluded = try #require(configuration.discovery).exclude.subtracting(configuration.accounts.map(\.name))
        #expect(discovered.filter { !excluded.contains($0) }.map(\.samAccountName) == ["msa-web$", "msa-svc2$"])
    }

    @Test func aRefreshRequestNamesAnAccountInAnyCase() throws {
        let directory = try TemporaryDirectory()
        let request = RefreshRequest(stateDirectory: directory.path)
        try request.add([try ServiceAccountName("MSA-WEB")])
        let requested = Set(try #require(request.take()))
        #expect(requested.contains(try ServiceAccountName("msa-web$")))
    }

    @Test func aPlanCarriesTheRC4WarningOfAnAccountWithoutAESTypes() throws {
        let settings = Configuration.KeytabSettings(mode: 0o600)
        let target = AccountTarget(name: try ServiceAccountName("MSA-Web"), keytab: "/nonexistent/web.keytab", settings: settings, discovered: false)
        var account = try directoryAccount("msa-web$")
        let planner = KeyPlanner(realm: "COMPANY.TEST", context: context)
        let unset = try planner.plan(target, account, hostPrincipal: "HOST$@COMPANY.TEST", base: "DC=company,DC=test")
        #expect(unset.report.rc4Warning?.account.samAccountName == "msa-web$")
        #expect(unset.report.rc4Warning?.detail.contains("Set-ADServiceAccount msa-web ") == true)
        #expect(unset.report.encryptionTypes.contains(.rc4HMAC))
        account.supportedEncryptionTypes = 0x18
        let aes = try planner.plan(target, account, hostPrincipal: "HOST$@COMPANY.TEST", base: "DC=company,DC=test")
        #expect(aes.report.rc4Warning == nil)
        #expect(!aes.report.encryptionTypes.contains(.rc4HMAC))
    }
}
