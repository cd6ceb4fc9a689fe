import GMSACore
import Testing

@Suite struct DomainControllerTests {
    @Test func aPlainHostNameMeansPort389() throws {
        let controller = try #require(DomainController(parsing: "dc1.company.test"))
        #expect(controller.host == "dc1.company.test")
        #expect(controller.port == 389)
        #expect(controller.description == "dc1.company.test")
        #expect(controller.uri == "ldap://dc1.company.test")
    }

    @Test func hostColonPortGivesThatPort() throws {
        let controller = try #require(DomainController(parsing: "dc1.company.test:3389"))
        #expect(controller.host == "dc1.company.test")
        #expect(controller.port == 3389)
        #expect(controller.description == "dc1.company.test:3389")
        #expect(controller.uri == "ldap://dc1.company.test:3389")
        #expect(DomainController(parsing: "dc1.company.test:389")?.description == "dc1.company.test")
        #expect(DomainController(parsing: "dc1.company.test.:636") == DomainController(host: "dc1.company.test", port: 636))
    }

    @Test(arguments: [
        "", " ", "dc1 .test", "ldap://dc1.company.test", "dc1.company.test/", "dc1:", ":389", "dc1:0", "dc1:65536",
        "dc1:-1", "dc1:+389", "dc1:38a", "dc1:1:2", "[::1]:389", "::1", "dc1:٣٨٩", "admin@dc1", ".",
    ])
    func malformedEntriesAreRefused(_ text: String) {
        #expect(DomainController(parsing: text) == nil)
    }

    @Test func srvRecordsKeepTheirPortsInPriorityOrder() {
        let records = [
            ServiceRecord(target: "dc2.company.test.", port: 3389, priority: 10, weight: 0),
            ServiceRecord(target: "dc1.company.test.", port: 389, priority: 0, weight: 100),
            ServiceRecord(target: "dc3.company.test", port: 1389, priority: 20, weight: 0),
        ]
        let ordered = DomainController.ordered(records, random: { _ in 0 })
        #expect(
            ordered == [
                DomainController(host: "dc1.company.test", port: 389), DomainController(host: "dc2.company.test", port: 3389),
                DomainController(host: "dc3.company.test", port: 1389),
            ])
    }

    @Test func srvDuplicatesCollapseButTheSameHostOnAnotherPortStays() {
        let records = [
            ServiceRecord(target: "dc1.company.test", port: 389, priority: 0, weight: 0),
            ServiceRecord(target: "DC1.company.test", port: 389, priority: 0, weight: 0),
            ServiceRecord(target: "dc1.company.test", port: 3389, priority: 1, weight: 0),
        ]
        #expect(DomainController.ordered(records, random: { _ in 0 }).map(\.description) == ["dc1.company.test", "dc1.company.test:3389"])
    }

    @Test func srvRecordsWithoutServiceAreDropped() {
        // RFC 2782: target "." means the service is not available; port 0 cannot be connected to.
        let records = [
            ServiceRecord(target: ".", port: 389, priority: 0, weight: 0),
            ServiceRecord(target: "", port: 389, priority: 0, weight: 0),
            ServiceRecord(target: "dc1.company.test", port: 0, priority: 0, weight: 0),
            ServiceRecord(target: "dc2.company.test", port: 389, priority: 5, weight: 0),
        ]
        #expect(DomainController.ordered(records, random: { _ in 0 }).map(\.description) == ["dc2.company.test"])
    }
}
