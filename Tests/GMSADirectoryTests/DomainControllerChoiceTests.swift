import GMSACore
import LDAPPing
import Testing

@testable import GMSADirectory

/// The order of DCs for a pass, with fake DNS and fake LDAP pings.
@Suite struct DomainControllerChoiceTests {
    let dc1 = DomainController(host: "dc1.company.test")
    let dc2 = DomainController(host: "dc2.company.test")
    let dc3 = DomainController(host: "dc3.company.test")

    /// DNS: the domain-wide list dc1, dc2, dc3 (by priority); Site2 has dc2, Default-First-Site-Name dc1.
    func lookup(_ name: String) throws(DirectoryError) -> [ServiceRecord] {
        switch name {
        case "_ldap._tcp.dc._msdcs.company.test":
            [("dc1", 0), ("dc2", 10), ("dc3", 20)].map { ServiceRecord(target: "\($0.0).company.test.", port: 389, priority: $0.1, weight: 0) }
        case "_ldap._tcp.Site2._sites.dc._msdcs.company.test": [ServiceRecord(target: "dc2.company.test.", port: 389, priority: 0, weight: 0)]
        case "_ldap._tcp.Default-First-Site-Name._sites.dc._msdcs.company.test":
            [ServiceRecord(target: "dc1.company.test.", port: 389, priority: 0, weight: 0)]
        default: []
        }
    }

    func answer(site: String, flags: UInt32 = 0) -> NetlogonResponse {
        var netlogon: [UInt8] = [23] + [UInt8](repeating: 0, count: 23) + [0, 0, 0, 0, 0, 0]
        netlogon.replaceSubrange(4..<8, with: withUnsafeBytes(of: flags.littleEndian) { Array($0) })
        netlogon += [0, UInt8(site.utf8.count)] + Array(site.utf8) + [0]
        return try! NetlogonResponse(parsing: netlogon)
    }

    func domain(site: String? = nil, servers: [String] = []) -> Configuration.Domain {
        var text = "[domain]\nrealm = \"COMPANY.TEST\"\n"
        if let site { text += "site = \"\(site)\"\n" }
        if !servers.isEmpty { text += "servers = [\(servers.map { "\"\($0)\"" }.joined(separator: ", "))]\n" }
        return try! ConfigurationLoader(userID: { _ in nil }, groupID: { _ in nil }).parse(text, path: "/etc/x.toml").domain
    }

    @Test func thePingedSitesDCsComeFirst() throws {
        var pinged: [String] = []
        let choice = try DomainControllerChoice.choose(
            for: domain(), sites: ClientSiteCache(),
            ping: { controller, name throws(DirectoryError) in
                pinged.append("\(controller.host) \(name)")
                return answer(site: "Site2")
            },
            lookup: lookup)
        #expect(pinged == ["dc1.company.test company.test"])
        #expect(choice.controllers == [dc2, dc1, dc3])
        #expect(choice.site == ClientSite(name: "Site2", source: .ping(dc1)))
        #expect(choice.siteControllers == [dc2])
        #expect(choice.siteIsFresh)
        #expect(choice.summary == "site Site2 (from dc1.company.test's answer to an LDAP ping); its DCs first: dc2.company.test")
    }

    @Test func theSiteIsKeptUntilForgotten() throws {
        let sites = ClientSiteCache()
        var pings = 0
        let ping = { (_: DomainController, _: String) throws(DirectoryError) -> NetlogonResponse in
            pings += 1
            return answer(site: "Site2")
        }
        _ = try DomainControllerChoice.choose(for: domain(), sites: sites, ping: ping, lookup: lookup)
        // Not logged yet (the first connection failed, say): still fresh, not pinged again.
        let retry = try DomainControllerChoice.choose(for: domain(), sites: sites, ping: ping, lookup: lookup)
        #expect(retry.siteIsFresh)
        sites.markReported()
        let second = try DomainControllerChoice.choose(for: domain(), sites: sites, ping: ping, lookup: lookup)
        #expect(pings == 1)
        #expect(!second.siteIsFresh)
        #expect(second.controllers == [dc2, dc1, dc3])
        sites.forget()
        let third = try DomainControllerChoice.choose(for: domain(), sites: sites, ping: ping, lookup: lookup)
        #expect(pings == 2)
        #expect(third.siteIsFresh)
    }

    /// After a pass that could use none of the site's DCs: the next choice pings again; the same site found
    /// again is not news, another site is.
    @Test func aRecheckPingsAgainAndReportsOnlyAChangedSite() throws {
        let sites = ClientSiteCache()
        var pings = 0
        var site = "Site2"
        let ping = { (_: DomainController, _: String) throws(DirectoryError) -> NetlogonResponse in
            pings += 1
            return answer(site: site)
        }
        _ = try DomainControllerChoice.choose(for: domain(), sites: sites, ping: ping, lookup: lookup)
        sites.markReported()
        sites.recheck()
        let same = try DomainControllerChoice.choose(for: domain(), sites: sites, ping: ping, lookup: lookup)
        #expect(pings == 2)
        #expect(!same.siteIsFresh)
        #expect(same.controllers == [dc2, dc1, dc3])
        // Kept again until the next recheck.
        _ = try DomainControllerChoice.choose(for: domain(), sites: sites, ping: ping, lookup: lookup)
        #expect(pings == 2)
        site = "Default-First-Site-Name"
        sites.recheck()
        let moved = try DomainControllerChoice.choose(for: domain(), sites: sites, ping: ping, lookup: lookup)
        #expect(pings == 3)
        #expect(moved.siteIsFresh)
        #expect(moved.site?.name == "Default-First-Site-Name")
        #expect(moved.controllers == [dc1, dc2, dc3])
    }

    @Test func unansweredPingsLeaveTheDomainWideOrderAfterThreeDCs() throws {
        var pinged: [DomainController] = []
        let choice = try DomainControllerChoice.choose(
            for: domain(), sites: ClientSiteCache(),
            ping: { controller, _ throws(DirectoryError) in
                pinged.append(controller)
                throw DirectoryError(.unavailable, "LDAP ping to \(controller.host): no answer")
            },
            lookup: lookup)
        #expect(pinged == [dc1, dc2, dc3])
        #expect(choice.controllers == [dc1, dc2, dc3])
        #expect(choice.site == nil)
        #expect(choice.note?.hasPrefix("no DC answered an LDAP ping: ") == true)
    }

    @Test func aSecondDCIsPingedWhenTheFirstDoesNotAnswer() throws {
        let choice = try DomainControllerChoice.choose(
            for: domain(), sites: ClientSiteCache(),
            ping: { controller, _ throws(DirectoryError) in
                guard controller != dc1 else { throw DirectoryError(.unavailable, "down") }
                return answer(site: "Site2")
            },
            lookup: lookup)
        #expect(choice.site == ClientSite(name: "Site2", source: .ping(dc2)))
        #expect(choice.note == nil)
    }

    @Test func noSubnetForTheHostMeansNoSite() throws {
        let choice = try DomainControllerChoice.choose(
            for: domain(), sites: ClientSiteCache(), ping: { _, _ throws(DirectoryError) in answer(site: "") }, lookup: lookup)
        #expect(choice.site == nil)
        #expect(choice.controllers == [dc1, dc2, dc3])
        #expect(choice.note == "dc1.company.test says no subnet of the forest covers this host's address")
    }

    @Test func aConfiguredSiteIsNotPinged() throws {
        let sites = ClientSiteCache()
        let refuse = { (_: DomainController, _: String) throws(DirectoryError) -> NetlogonResponse in
            Issue.record("pinged")
            throw DirectoryError(.unavailable, "no")
        }
        let choice = try DomainControllerChoice.choose(
            for: domain(site: "Default-First-Site-Name"), sites: sites, ping: refuse, lookup: lookup)
        #expect(choice.controllers == [dc1, dc2, dc3])
        #expect(choice.siteControllers == [dc1])
        #expect(choice.site?.source == .configured)
        #expect(choice.siteIsFresh)
        sites.markReported()
        let again = try DomainControllerChoice.choose(
            for: domain(site: "Default-First-Site-Name"), sites: sites, ping: refuse, lookup: lookup)
        #expect(!again.siteIsFresh)
    }

    @Test func configuredServersWinOverEverySiteRule() throws {
        let choice = try DomainControllerChoice.choose(
            for: domain(site: "Site2", servers: ["dc3.company.test", "dc1.company.test:3389"]), sites: ClientSiteCache(),
            ping: { _, _ throws(DirectoryError) in
                Issue.record("pinged")
                return answer(site: "Site2")
            },
            lookup: { name throws(DirectoryError) in
                Issue.record("looked up \(name)")
                return []
            })
        #expect(choice.controllers == [dc3, DomainController(host: "dc1.company.test", port: 3389)])
        #expect(choice.site == nil)
    }

    @Test func aSiteWithoutSRVRecordsKeepsTheDomainWideOrder() throws {
        let choice = try DomainControllerChoice.choose(
            for: domain(site: "Elsewhere"), sites: ClientSiteCache(), ping: { _, _ throws(DirectoryError) in answer(site: "x") },
            lookup: lookup)
        #expect(choice.controllers == [dc1, dc2, dc3])
        #expect(choice.note == "DNS has no SRV records for _ldap._tcp.Elsewhere._sites.dc._msdcs.company.test")
    }

    /// Site2 as a branch office has it: an RODC (in no domain-wide record, as MS-ADTS 6.3.2.3 registers it), a
    /// stray record, then dc2. Only dc2 counts for the site.
    @Test func aSitesRecordsCountOnlyForDCsOfTheDomainWideList() throws {
        let rodc = DomainController(host: "rodc.company.test")
        let stray = DomainController(host: "DC1.company.test", port: 3389)
        var site: [ServiceRecord] = [
            ServiceRecord(target: "rodc.company.test.", port: 389, priority: 0, weight: 0),
            ServiceRecord(target: "DC1.company.test.", port: 3389, priority: 1, weight: 0),
            ServiceRecord(target: "DC2.company.test.", port: 389, priority: 2, weight: 0),
        ]
        let records = { (name: String) throws(DirectoryError) -> [ServiceRecord] in
            name == "_ldap._tcp.Site2._sites.dc._msdcs.company.test" ? site : try lookup(name)
        }
        let choice = try DomainControllerChoice.choose(for: domain(site: "Site2"), sites: ClientSiteCache(), lookup: records)
        #expect(choice.controllers == [DomainController(host: "DC2.company.test"), dc1, dc3])
        #expect(choice.ignoredSiteControllers == [rodc, stray])
        #expect(
            choice.summary
                == "site Site2 (from [domain] site); its DCs first: DC2.company.test; ignored (in the site's SRV records "
                + "only, not in the domain-wide list): rodc.company.test, DC1.company.test:3389")

        site.removeLast()
        let rodcOnly = try DomainControllerChoice.choose(for: domain(site: "Site2"), sites: ClientSiteCache(), lookup: records)
        #expect(rodcOnly.controllers == [dc1, dc2, dc3])
        #expect(rodcOnly.siteControllers.isEmpty)
        #expect(
            rodcOnly.note == "none of the DCs in the SRV records for _ldap._tcp.Site2._sites.dc._msdcs.company.test is in the domain-wide list")
    }

    /// A DC's writable flag is asked once and kept, also across ``ClientSiteCache/forget()``; an unanswered ping
    /// keeps nothing.
    @Test func aReadOnlyDCIsPingedOnce() {
        let sites = ClientSiteCache()
        let rodc = DomainController(host: "RODC.company.test")
        var pings: [String] = []
        var answers: [String: UInt32] = ["rodc.company.test": 0xafc, "dc1.company.test": 0x1d37d]
        let ping = { (controller: DomainController) throws(DirectoryError) -> NetlogonResponse in
            pings.append(controller.host)
            guard let flags = answers[controller.host.lowercased()] else { throw DirectoryError(.unavailable, "no answer") }
            return answer(site: "Site2", flags: flags)
        }
        #expect(sites.isReadOnly(rodc, ping: ping).map { [$0.readOnly, $0.learned] } == [true, true])
        #expect(sites.isReadOnly(dc1, ping: ping).map { [$0.readOnly, $0.learned] } == [false, true])
        #expect(sites.isReadOnly(dc2, ping: ping) == nil)
        sites.forget()
        answers["dc2.company.test"] = 0x1d3fc
        #expect(sites.isReadOnly(DomainController(host: "rodc.company.test", port: 3389), ping: ping).map { [$0.readOnly, $0.learned] } == [true, false])
        #expect(sites.isReadOnly(dc2, ping: ping).map { [$0.readOnly, $0.learned] } == [false, true])
        #expect(pings == ["RODC.company.test", "dc1.company.test", "dc2.company.test", "dc2.company.test"])
    }
}
