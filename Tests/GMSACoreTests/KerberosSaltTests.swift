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

    @Test(arguments: ["", "$", "a b", "web@corp", "abcdefghijklmnopqrstu", "x/y", "a$b", "a$\u{0301}b", "a\u{06DD}$b", "a\r\nb"])
    func rejectsInvalidNames(name: String) {
        #expect(throws: ServiceAccountName.InvalidName.self) { try ServiceAccountName(name) }
    }

    /// U+06DD is a prepended mark: as a Character it joins the `$` after it. Found by fuzz/ (fuzz-blob).
    @Test func aPrependedMarkDoesNotSwallowTheDollarSign() throws {
        let name = try ServiceAccountName("msa\u{06DD}")
        #expect(name.samAccountName.unicodeScalars.last == "$")
        #expect(name.baseName == "msa\u{06DD}")
        #expect(try ServiceAccountName("msa\u{06DD}$") == name)
        #expect(KerberosSalt.computerAccount(name, realm: "A.TEST") == "A.TESThostmsa\u{06DD}.a.test")
    }
}
