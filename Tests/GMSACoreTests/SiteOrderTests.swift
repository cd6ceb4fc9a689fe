import GMSACore
import Testing

@Suite struct SiteOrderTests {
    let dc1 = DomainController(host: "dc1.company.test")
    let dc2 = DomainController(host: "dc2.company.test")
    let dc3 = DomainController(host: "dc3.company.test")

    @Test func theSitesDCsComeFirstAndEachDCOnce() {
        #expect(DomainController.siteFirst([dc2], then: [dc1, dc2, dc3]) == [dc2, dc1, dc3])
        #expect(
            DomainController.siteFirst([DomainController(host: "DC3.company.test"), dc2], then: [dc1, dc2, dc3])
                == [DomainController(host: "DC3.company.test"), dc2, dc1])
        #expect(DomainController.siteFirst([], then: [dc1, dc2]) == [dc1, dc2])
        // Another port is another DC.
        #expect(DomainController.siteFirst([DomainController(host: "dc1.company.test", port: 3389)], then: [dc1]).count == 2)
    }

    @Test func theSiteServiceName() {
        let site = ClientSite(name: "Site2", source: .configured)
        #expect(site.serviceName(domain: "COMPANY.TEST") == "_ldap._tcp.Site2._sites.dc._msdcs.company.test")
        #expect(site.description == "Site2 (from [domain] site)")
        #expect(ClientSite(name: "Site2", source: .ping(dc1)).description == "Site2 (from dc1.company.test's answer to an LDAP ping)")
    }

    @Test(arguments: ["Default-First-Site-Name", "Site2", "berlin_dc", String(repeating: "a", count: 63)])
    func validSiteNames(_ name: String) {
        #expect(ClientSite.isValidName(name))
    }

    @Test(arguments: ["", "two words", "a.b", "ü", String(repeating: "a", count: 64), "site\0"])
    func invalidSiteNames(_ name: String) {
        #expect(!ClientSite.isValidName(name))
    }
}
