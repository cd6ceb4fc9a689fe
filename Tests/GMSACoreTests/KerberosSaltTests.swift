import GMSACore
import GMSATestSupport
import Testing

@Suite struct KerberosSaltTests {
    @Test func matchesPublishedSalts() throws {
        for vector in KnownAnswerVectors.shared.salts {
            let account = try ServiceAccountName(vector.account)
            #expect(KerberosSalt.computerAccount(account, realm: vector.realm) == vector.salt, "\(vector.account)")
        }
    }

    @Test func usesTheComputerRuleForAGMSA() throws {
        let account = try ServiceAccountName("MSA-Svc1$")
        #expect(KerberosSalt.computerAccount(account, realm: "company.test") == "COMPANY.TESThostmsa-svc1.company.test")
    }
}

@Suite struct ServiceAccountNameTests {
    @Test func addsTheDollarSign() throws {
        #expect(try ServiceAccountName("msa-web").samAccountName == "msa-web$")
        #expect(try ServiceAccountName("msa-web$").samAccountName == "msa-web$")
        #expect(try ServiceAccountName("msa-web").principal(realm: "company.test") == "msa-web$@COMPANY.TEST")
    }

    @Test(arguments: ["", "$", "a b", "web@corp", "abcdefghijklmnopqrstu", "x/y", "a$b"])
    func rejectsInvalidNames(name: String) {
        #expect(throws: ServiceAccountName.InvalidName.self) { try ServiceAccountName(name) }
    }
}
