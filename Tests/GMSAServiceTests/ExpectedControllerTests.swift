import Testing

@testable import GMSACore
@testable import GMSAService

/// Which DC's LDAP ticket the host's AS request asks for: only a DC known before DNS and the site are asked.
@Suite struct ExpectedControllerTests {
    func domain(_ servers: [String], site: String? = nil) -> Configuration.Domain {
        Configuration.Domain(realm: "COMPANY.TEST", servers: servers, site: site)
    }

    @Test func theFirstConfiguredServersHostWithoutItsPort() {
        #expect(DomainConnection.expectedController(domain(["dc2.company.test:3389", "dc1.company.test"]))?.host == "dc2.company.test")
        #expect(DomainConnection.expectedController(domain(["dc1.company.test."]))?.host == "dc1.company.test")
    }

    @Test func noneWhenDNSAndTheSiteDecide() {
        #expect(DomainConnection.expectedController(domain([])) == nil)
        #expect(DomainConnection.expectedController(domain([], site: "Site2")) == nil)
    }
}
