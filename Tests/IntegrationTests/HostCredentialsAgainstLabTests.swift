import Foundation
import GMSACore
import GMSADirectory
@testable import GMSAKerberos
import GMSAService
import GMSATestSupport
import Testing

/// The host's credentials against the Samba DC: handed to each connection, never through the environment,
/// and one TGT for many passes. Inside the lab `KRB5CCNAME` holds an Administrator TGT: a bind that fell back
/// to the default cache would authenticate as Administrator.
@Suite(.enabled(if: Lab.isAvailable, "needs the Samba lab: run under lab/lab.sh"), .serialized)
struct HostCredentialsAgainstLabTests {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts").path
    static let loader = ConfigurationLoader(userID: { _ in 0 }, groupID: { _ in 0 })

    func configuration(servers: [String]? = nil, in directory: TemporaryDirectory) throws -> Configuration {
        let body = "[[account]]\nname = \"msa-web$\"\nkeytab = \"\(directory.file("msa-web.keytab"))\"\n"
        return try Self.loader.load(path: Lab.configuration(body, servers: servers, in: directory))
    }

    @Test func twoPassesShareOneTGTAndBindAsTheHostWithoutTouchingKRB5CCNAME() throws {
        let directory = try TemporaryDirectory()
        let configuration = try configuration(in: directory)
        let environment = ProcessInfo.processInfo.environment["KRB5CCNAME"]
        let context = try KerberosContext()
        let statistics = DirectoryStatistics()

        let first = try DomainConnection.open(configuration: configuration, context: context, statistics: statistics)
        let firstStart = first.credentials.start
        let web = try ServiceAccountName("msa-web$")
        let firstAccounts = try first.directory.read([web])
        let second = try DomainConnection.open(configuration: configuration, context: context, statistics: statistics)
        let secondAccounts = try second.directory.read([web])

        #expect(!first.reusedTicket)
        #expect(second.reusedTicket)
        #expect(first.credentials === second.credentials)
        #expect(second.credentials.start == firstStart)
        #expect(statistics.ticketSnapshot == (new: 1, reused: 1))
        #expect(statistics.summary.contains("host ticket: 1 new, 1 reused"))
        let tickets = try second.credentials.cachedTickets().map(\.server)
        #expect(tickets.filter { $0.hasPrefix("krbtgt/") }.count == 1, "\(tickets)")
        // GSS-API stored the LDAP service ticket in the host's private cache: the bind used it.
        #expect(tickets.contains { $0.lowercased().hasPrefix("ldap/dc1.company.test") }, "\(tickets)")
        for connection in [first.session.connection, second.session.connection] {
            let name = try #require(connection.authenticatedName)
            #expect(name.lowercased().hasPrefix("linuxhost1$"), "bound as \(name)")
        }
        // The host may read msa-web's password; read on both connections.
        #expect(firstAccounts[web]?.passwordBlob != nil)
        #expect(secondAccounts[web]?.passwordBlob != nil)
        #expect(ProcessInfo.processInfo.environment["KRB5CCNAME"] == environment)
    }

    /// The daemon asks for its first ticket on another thread while it starts (a TGT, or with `[domain] servers`
    /// the first DC's LDAP ticket): the first pass then uses that ticket without another AS request, and counts
    /// it as new; the next pass reuses it.
    @Test(arguments: [nil, "dc1.company.test"])
    func aPrefetchedTicketIsUsedByTheFirstPassAndCountedAsNew(server: String?) throws {
        let directory = try TemporaryDirectory()
        let configuration = try configuration(servers: server.map { [$0] }, in: directory)
        let context = try KerberosContext()
        let statistics = DirectoryStatistics()
        let credentials = try context.hostCredentials(
            keytab: configuration.host.keytab, principal: configuration.host.principal, realm: configuration.domain.realm)
        credentials.prefetch(expecting: DomainConnection.expectedController(configuration.domain)?.host)
        #expect(credentials.serviceTicketHosts == (server.map { [$0] } ?? []))
        let fetchedStart = credentials.start
        #expect(fetchedStart > 0)
        let first = try DomainConnection.open(configuration: configuration, context: context, statistics: statistics)
        #expect(first.credentials === credentials)
        #expect(!first.reusedTicket)
        #expect(first.credentials.start == fetchedStart, "the first pass got no ticket of its own")
        let second = try DomainConnection.open(configuration: configuration, context: context, statistics: statistics)
        #expect(second.reusedTicket)
        #expect(statistics.ticketSnapshot == (new: 1, reused: 1))
        #expect(second.session.connection.authenticatedName?.lowercased().hasPrefix("linuxhost1$") == true)
    }

    /// A prefetch that fails (no KDC for the host keytab's key) leaves the error for the first pass to report.
    @Test func aFailedPrefetchIsReportedByTheFirstPass() throws {
        let directory = try TemporaryDirectory()
        let bad = directory.file("bad.keytab")
        let ktutil = try ProgramRun.run(
            "/usr/bin/ktutil", [],
            input: Data("addent -password -p linuxhost1$@\(Lab.realm) -k 1 -e aes256-cts-hmac-sha1-96\nnot-the-password\nwkt \(bad)\n".utf8))
        try #require(FileManager.default.fileExists(atPath: bad), "\(ktutil.standardError)")
        let body = "[host]\nkeytab = \"\(bad)\"\n[[account]]\nname = \"msa-web$\"\nkeytab = \"\(directory.file("msa-web.keytab"))\"\n"
        var text = try String(contentsOfFile: Lab.configuration(body, in: directory), encoding: .utf8)
        // Lab.configuration wrote the lab's host keytab first; keep only ours.
        text = text.replacingOccurrences(of: "[host]\nkeytab = \"\(Lab.hostKeytab)\"\n", with: "")
        try text.write(toFile: directory.file("gmsa-keytabd.toml"), atomically: true, encoding: .utf8)
        let configuration = try Self.loader.load(path: directory.file("gmsa-keytabd.toml"))
        let context = try KerberosContext()
        try context.hostCredentials(keytab: bad, principal: configuration.host.principal, realm: configuration.domain.realm).prefetch()
        #expect {
            _ = try DomainConnection.open(configuration: configuration, context: context, statistics: DirectoryStatistics())
        } throws: { error in
            "\(error)".contains("host authentication failed") && "\(error)".contains("Preauthentication failed")
        }
    }

    @Test func aReusedTGTThatNoLongerWorksIsReplacedAndTheBindRetried() throws {
        let directory = try TemporaryDirectory()
        let configuration = try configuration(in: directory)
        let context = try KerberosContext()
        let statistics = DirectoryStatistics()
        let first = try DomainConnection.open(configuration: configuration, context: context, statistics: statistics)
        let firstStart = first.credentials.start
        try first.credentials.dropTicketsKeepingTimes()

        let second = try DomainConnection.open(configuration: configuration, context: context, statistics: statistics)
        // Reused (the times said fresh), refused (no ticket behind it), then a new TGT and a bound connection.
        #expect(statistics.ticketSnapshot == (new: 2, reused: 1))
        #expect(!second.reusedTicket)
        #expect(statistics.snapshot.binds == 3)
        #expect(second.credentials.start >= firstStart)
        #expect(try second.credentials.cachedTickets().filter { $0.server.hasPrefix("krbtgt/") }.count == 1)
        #expect(second.session.connection.authenticatedName?.lowercased().hasPrefix("linuxhost1$") == true)
    }

    @Test func aWithheldPasswordMakesTheNextPassGetANewTGT() throws {
        let directory = try TemporaryDirectory()
        let configuration = try configuration(in: directory)
        let context = try KerberosContext()
        let statistics = DirectoryStatistics()
        let web = try ServiceAccountName("msa-web$")
        let denied = try ServiceAccountName("msa-denied$")

        let first = try DomainConnection.open(configuration: configuration, context: context, statistics: statistics)
        _ = try first.directory.read([web])
        let second = try DomainConnection.open(configuration: configuration, context: context, statistics: statistics)
        #expect(second.reusedTicket)
        let read = try second.directory.read([web, denied])
        #expect(read[denied] != nil && read[denied]?.passwordBlob == nil)
        // The host's groups may have changed since its TGT was issued: the next pass asks the KDC again.
        let third = try DomainConnection.open(configuration: configuration, context: context, statistics: statistics)
        #expect(!third.reusedTicket)
        #expect(statistics.ticketSnapshot == (new: 2, reused: 1))
    }

    /// With `[domain] servers`, the AS request asks for the first DC's LDAP ticket itself: the cache holds no
    /// TGT, the bind and a second connection to that DC use the ticket, and the next pass reuses it.
    @Test func withServersTheASRequestGetsTheFirstDCsLDAPTicketInsteadOfATGT() throws {
        let directory = try TemporaryDirectory()
        let configuration = try configuration(servers: ["dc1.company.test"], in: directory)
        let context = try KerberosContext()
        let statistics = DirectoryStatistics()
        let first = try DomainConnection.open(configuration: configuration, context: context, statistics: statistics)
        #expect(first.credentials.serviceTicketHosts == ["dc1.company.test"])
        let tickets = try first.credentials.cachedTickets().map(\.server)
        #expect(tickets == ["ldap/dc1.company.test@\(Lab.realm)"], "no TGT, no TGS-made ticket: \(tickets)")
        let sibling = try first.session.connection.sibling()
        for connection in [first.session.connection, sibling] {
            #expect(connection.authenticatedName?.lowercased().hasPrefix("linuxhost1$") == true, "\(connection.authenticatedName ?? "-")")
            #expect(connection.securityStrength >= 56)
        }
        let web = try ServiceAccountName("msa-web$")
        #expect(try first.directory.read([web])[web]?.passwordBlob != nil)

        let second = try DomainConnection.open(configuration: configuration, context: context, statistics: statistics)
        #expect(second.reusedTicket)
        #expect(statistics.ticketSnapshot == (new: 1, reused: 1))
        #expect(try second.credentials.cachedTickets().count == 1)
    }

    /// A DC's ticket from the AS request does not open another DC: when the first server cannot be used, the
    /// next one's ticket is asked for the same way before it is tried, and both stay in the cache, so the next
    /// pass asks the KDC for nothing. `dc1` (the DC's short name, one of its service names) on a closed port
    /// stands for a DC that is down.
    @Test func whenTheFirstServerCannotBeUsedTheNextGetsItsOwnTicket() throws {
        let directory = try TemporaryDirectory()
        let configuration = try configuration(servers: ["dc1:3999", "dc1.company.test"], in: directory)
        let context = try KerberosContext()
        let statistics = DirectoryStatistics()
        let domain = try DomainConnection.open(configuration: configuration, context: context, statistics: statistics)
        #expect(domain.session.connection.controller == DomainController(host: "dc1.company.test"))
        #expect(domain.credentials.serviceTicketHosts == ["dc1", "dc1.company.test"])
        #expect(statistics.ticketSnapshot == (new: 2, reused: 0), "the short name's ticket, then the full name's")
        let tickets = try domain.credentials.cachedTickets().map(\.server)
        #expect(tickets == ["ldap/dc1@\(Lab.realm)", "ldap/dc1.company.test@\(Lab.realm)"], "\(tickets)")
        #expect(domain.session.connection.authenticatedName?.lowercased().hasPrefix("linuxhost1$") == true)

        let again = try DomainConnection.open(configuration: configuration, context: context, statistics: statistics)
        #expect(again.reusedTicket)
        #expect(again.session.connection.controller == DomainController(host: "dc1.company.test"))
        #expect(statistics.ticketSnapshot == (new: 2, reused: 1), "no KDC request while the first server stays down")
        #expect(try again.credentials.cachedTickets().count == 2)
    }

    /// A first server the KDC knows no service for (an alias, a name not in the directory) costs no failed pass:
    /// the same AS exchange falls back to a TGT, which the next server's bind uses.
    @Test func aServerNameTheKDCDoesNotKnowGetsATGTInstead() throws {
        let directory = try TemporaryDirectory()
        let configuration = try configuration(servers: ["nosuchdc.company.test", "dc1.company.test"], in: directory)
        let statistics = DirectoryStatistics()
        let domain = try DomainConnection.open(configuration: configuration, context: try KerberosContext(), statistics: statistics)
        #expect(domain.session.connection.controller == DomainController(host: "dc1.company.test"))
        #expect(domain.credentials.serviceTicketHosts.isEmpty)
        #expect(statistics.ticketSnapshot == (new: 1, reused: 0))
        #expect(try domain.credentials.cachedTickets().map(\.server).contains("krbtgt/\(Lab.realm)@\(Lab.realm)"))
        #expect(domain.session.connection.authenticatedName?.lowercased().hasPrefix("linuxhost1$") == true)
    }

    /// A read of passwords that takes several batches also goes over a second connection to the DC (so a DC
    /// with two cores computes two batches at once), bound as the host with the same private credentials, and
    /// reads exactly what one connection reads.
    @Test func aPasswordReadOfSeveralBatchesUsesASecondConnectionAsTheHost() throws {
        let directory = try TemporaryDirectory()
        let configuration = try configuration(in: directory)
        let statistics = DirectoryStatistics()
        let domain = try DomainConnection.open(configuration: configuration, context: try KerberosContext(), statistics: statistics)
        let names = try ["msa-web$", "msa-svc1$", "msa-daily$", "msa-group$", "msa-denied$"].map { try ServiceAccountName($0) }
        var opened: [DirectoryConnection] = []
        var split = domain.directory
        split.batchSize = 1
        split.openSecondConnection = { [connection = domain.session.connection] () throws(DirectoryError) in
            let second = try connection.sibling()
            opened.append(second)
            return second
        }
        let splitRead = try split.read(names)
        #expect(statistics.snapshot.connections == 2)
        #expect(statistics.snapshot.binds == 2)
        let second = try #require(opened.first)
        #expect(second.controller == domain.session.connection.controller)
        #expect(second.authenticatedName?.lowercased().hasPrefix("linuxhost1$") == true, "\(second.authenticatedName ?? "-")")
        #expect(second.securityStrength >= 56)

        var single = domain.directory
        single.openSecondConnection = nil
        let singleRead = try single.read(names)
        #expect(statistics.snapshot.connections == 2)
        #expect(Set(splitRead.keys) == Set(names))
        for name in names {
            // The blobs' intervals count down between the reads; the passwords are the same.
            let passwords = try [splitRead, singleRead].map { read in
                try read[name]?.passwordBlob.map { try ManagedPasswordBlob(parsing: $0).currentPassword }
            }
            #expect(passwords[0] == passwords[1], "\(name)")
            #expect(splitRead[name]?.keyVersion == singleRead[name]?.keyVersion, "\(name)")
        }
        #expect(names.dropLast().allSatisfy { splitRead[$0]?.passwordBlob != nil })
        #expect(splitRead[names[4]]?.passwordBlob == nil)
    }

    @Test func aDCOnAnotherPortIsReachedThere() throws {
        let directory = try TemporaryDirectory()
        let port = 3389
        let ready = directory.file("forward.ready")
        let forward = try BackgroundProcess(
            "/usr/bin/python3", ["\(Self.scripts)/tcp-forward.py", "\(port)", "127.0.0.1", "389", ready, "60"],
            outputFile: directory.file("forward.out"))
        defer { withExtendedLifetime(forward) {} }
        let deadline = Date() + 10
        while !FileManager.default.fileExists(atPath: ready), Date() < deadline { usleep(50_000) }
        try #require(FileManager.default.fileExists(atPath: ready), "\(forward.output)")

        let context = try KerberosContext()
        let statistics = DirectoryStatistics()
        let forwarded = try DomainConnection.open(
            configuration: try configuration(servers: ["dc1.company.test:\(port)"], in: directory), context: context,
            statistics: statistics)
        #expect(forwarded.session.connection.controller == DomainController(host: "dc1.company.test", port: port))
        #expect(forwarded.session.connection.securityStrength >= 56)
        let web = try ServiceAccountName("msa-web$")
        #expect(try forwarded.directory.read([web])[web]?.passwordBlob != nil)

        do {
            _ = try DomainConnection.open(
                configuration: try configuration(servers: ["dc1.company.test:3999"], in: directory), context: context,
                statistics: statistics)
            Issue.record("a DC on a closed port was used")
        } catch let error as DomainConnection.Failure {
            #expect(error.message.contains("cannot reach LDAP on dc1.company.test (port 3999)"), "\(error.message)")
        }
    }
}
