import CLDAP
import Foundation
import GMSACore
import GMSAKerberos
import GMSAService
import GMSATestSupport
import Testing

@testable import GMSADirectory

/// What libldap frees after a read of `msDS-ManagedPassword`: the entry's BER buffer (the decoded PDU) no
/// longer yields the password.
@Suite(.enabled(if: Lab.isAvailable, "needs the Samba lab: run under lab/lab.sh"), .serialized)
struct DirectoryWipeAgainstLabTests {
    final class Sightings {
        /// Per entry: whether the attribute could still be read from the message.
        var readable: [Bool] = []
    }

    /// Installs an inspector that tries to read `attribute` from every entry of each result before it is freed.
    func watch(_ connection: DirectoryConnection, for attribute: String) -> Sightings {
        let sightings = Sightings()
        connection.messageInspector = { ldap, result in
            var entry = ldap_first_entry(ldap, result)
            while let current = entry {
                let values = ldap_get_values_len(ldap, current, attribute)
                sightings.readable.append(values != nil)
                if let values { ldap_value_free_len(values) }
                entry = ldap_next_entry(ldap, current)
            }
        }
        return sightings
    }

    @Test func theEntryBufferNoLongerHoldsThePasswordWhenLibldapFreesIt() throws {
        let directory = try TemporaryDirectory()
        let path = Lab.configuration("", in: directory)
        let configuration = try ConfigurationLoader(userID: { _ in 0 }, groupID: { _ in 0 }).load(path: path)
        let domain = try DomainConnection.open(configuration: configuration, context: try KerberosContext(), statistics: DirectoryStatistics())
        let connection = domain.session.connection
        let web = try ServiceAccountName("msa-web$")

        // Control: without secret attributes the inspector does see the values it looks for.
        let plain = watch(connection, for: "sAMAccountName")
        _ = try connection.search(
            base: domain.session.namingContext, scope: .subtree, filter: "(sAMAccountName=msa-web$)", attributes: ["sAMAccountName"],
            paged: false)
        #expect(plain.readable == [true])

        let secret = watch(connection, for: "msDS-ManagedPassword")
        let accounts = try domain.directory.read([web])
        #expect(accounts[web]?.passwordBlob != nil, "the password was copied out before the wipe")
        #expect(!secret.readable.isEmpty)
        #expect(secret.readable.allSatisfy { !$0 }, "\(secret.readable)")
    }
}
