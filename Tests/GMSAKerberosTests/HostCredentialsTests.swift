import Foundation
import GMSACore
import GMSATestSupport
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

    /// A keytab with keys for `principal` (the key bytes do not matter here).
    func keytab(for principal: String, in directory: TemporaryDirectory) throws -> String {
        let path = directory.file("host.keytab")
        let key = KerberosKey(encryptionType: .aes256CTSHMACSHA196, bytes: SecretBytes(repeatElement(7, count: 32)))
        _ = try KeytabWriter(context: try KerberosContext()).write([KeytabEntry(principal: principal, keyVersion: 2, key: key)], to: path)
        return path
    }

    /// A host that is not joined authenticates as a domain user: a name without `$`, taken as the keytab spells
    /// it, whatever its case and the realm's (AD compares both case-insensitively; libkrb5's keytab lookup does not).
    @Test func aUserPrincipalIsTakenAsTheKeytabSpellsIt() throws {
        let directory = try TemporaryDirectory()
        let path = try keytab(for: "gmsa-reader@COMPANY.TEST", in: directory)
        let context = try KerberosContext()
        for asked in ["gmsa-reader@COMPANY.TEST", "GMSA-Reader@company.test", "gmsa-reader@Company.Test"] {
            let credentials = try HostCredentials(context: context, keytab: path, principal: asked, realm: "COMPANY.TEST")
            #expect(credentials.principal == "gmsa-reader@COMPANY.TEST")
        }
        // Another name stays as given; the AS request reports it (below).
        let other = try HostCredentials(context: context, keytab: path, principal: "nobody-here@COMPANY.TEST", realm: "COMPANY.TEST")
        #expect(other.principal == "nobody-here@COMPANY.TEST")
        let missing = try HostCredentials(
            context: context, keytab: directory.file("absent.keytab"), principal: "GMSA-Reader@COMPANY.TEST", realm: "COMPANY.TEST")
        #expect(missing.principal == "GMSA-Reader@COMPANY.TEST")
    }

    /// A `[host] principal` the keytab has no key for fails before any KDC is asked, naming what the keytab holds.
    @Test func aPrincipalTheKeytabDoesNotHoldIsNamedWithWhatItHolds() throws {
        let directory = try TemporaryDirectory()
        let path = try keytab(for: "gmsa-reader@COMPANY.TEST", in: directory)
        let credentials = try HostCredentials(
            context: try KerberosContext(), keytab: path, principal: "nobody-here@COMPANY.TEST", realm: "COMPANY.TEST")
        let error = try #require(throws: KerberosError.self) { try credentials.refresh() }
        #expect(error.message.contains("cannot get Kerberos credentials for nobody-here@COMPANY.TEST: the host keytab \(path) has no key for it (it holds gmsa-reader@COMPANY.TEST)"))
        #expect(error.message.contains("set [host] principal"))
    }

    /// Without `[host] principal`, a keytab that holds no machine account (a domain user's) is refused with what it
    /// holds and what to set.
    @Test func aUserKeytabNeedsThePrincipalSet() throws {
        let directory = try TemporaryDirectory()
        let path = try keytab(for: "gmsa-reader@COMPANY.TEST", in: directory)
        let error = try #require(throws: KerberosError.self) {
            try HostCredentials(context: try KerberosContext(), keytab: path, principal: nil, realm: "COMPANY.TEST")
        }
        #expect(error.message.contains("has no machine account entry (NAME$@COMPANY.TEST) (it holds gmsa-reader@COMPANY.TEST)"))
        #expect(error.message.contains("set [host] principal"))
    }
}
