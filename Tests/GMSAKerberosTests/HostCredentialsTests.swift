import Foundation
import Testing

@testable import GMSAKerberos

@Suite struct HostCredentialsTests {
    @Test func aTenHourTicketIsReusedUntilItsLastHour() {
        let start: Int64 = 1_000_000
        let expiry = start + 36_000
        #expect(HostCredentials.isFresh(start: start, expiry: expiry, now: start))
        #expect(HostCredentials.isFresh(start: start, expiry: expiry, now: expiry - 3_601))
        #expect(!HostCredentials.isFresh(start: start, expiry: expiry, now: expiry - 3_600))
        #expect(!HostCredentials.isFresh(start: start, expiry: expiry, now: expiry + 1))
    }

    @Test func aShortTicketKeepsAFiveMinuteMargin() {
        let start: Int64 = 1_000_000
        let expiry = start + 1_200
        #expect(HostCredentials.isFresh(start: start, expiry: expiry, now: expiry - 301))
        #expect(!HostCredentials.isFresh(start: start, expiry: expiry, now: expiry - 300))
        // Never obtained.
        #expect(!HostCredentials.isFresh(start: 0, expiry: 0, now: start))
    }

    /// The DC name an AS request asks for `ldap/<name>` with: lower case, and none for an IPv4 address (no
    /// service has one as its name).
    @Test func aServiceTicketIsAskedForByNameNotByAddress() throws {
        #expect(HostCredentials.serviceHost("DC1.Company.Test") == "dc1.company.test")
        #expect(HostCredentials.serviceHost("10.0.0.5") == nil)
        #expect(HostCredentials.serviceHost("127.0.0.9") == nil)
        #expect(HostCredentials.serviceHost("10.0.0.5.example") == "10.0.0.5.example")
        // Before any ticket, every DC is covered: there is nothing to add to.
        let credentials = try HostCredentials(
            context: try KerberosContext(), keytab: "/nonexistent.keytab", principal: "HOST1$@A.TEST", realm: "A.TEST")
        #expect(credentials.covers("dc1.a.test"))
        try credentials.addServiceTicket(for: "dc1.a.test")
        #expect(credentials.serviceTicketHosts.isEmpty)
    }

    @Test func eachObjectHasItsOwnMemoryCacheAndTheEnvironmentIsLeftAlone() throws {
        let before = ProcessInfo.processInfo.environment["KRB5CCNAME"]
        let context = try KerberosContext()
        let first = try HostCredentials(context: context, keytab: "/nonexistent.keytab", principal: "HOST1$@A.TEST", realm: "A.TEST")
        let second = try HostCredentials(context: context, keytab: "/nonexistent.keytab", principal: "HOST1$@A.TEST", realm: "A.TEST")
        #expect(first.cacheName.hasPrefix("MEMORY:"))
        #expect(first.cacheName != second.cacheName)
        #expect(first.gssCredential() == nil)
        #expect(try first.cachedTickets().isEmpty)
        #expect(ProcessInfo.processInfo.environment["KRB5CCNAME"] == before)
    }

    @Test func theContextKeepsOneHostCredentialsUntilWhatIsAskedForChanges() throws {
        let context = try KerberosContext()
        let first = try context.hostCredentials(keytab: "/k1", principal: "HOST1$@A.TEST", realm: "A.TEST")
        #expect(try context.hostCredentials(keytab: "/k1", principal: "HOST1$@A.TEST", realm: "A.TEST") === first)
        #expect(try context.hostCredentials(keytab: "/k2", principal: "HOST1$@A.TEST", realm: "A.TEST") !== first)
    }
}
