import Foundation
import GMSACore
import GMSATestSupport
import Testing

@testable import GMSAService

/// A discovered account's keytab path is only known once its name is: the template must not lead it onto a
/// protected file.
@Suite struct DiscoveredKeytabTests {
    @Test func aDiscoveredNameThatMakesTheTemplateHitAProtectedFileIsRefused() throws {
        let directory = try TemporaryDirectory()
        let hostKeytab = directory.path + "/krb5.keytab"
        FileManager.default.createFile(atPath: hostKeytab, contents: Data([5, 2]))
        let protected = [hostKeytab: "the host keytab", directory.path + "/state.json": "the daemon's state file"]
        let refusal = AccountTarget.refusal(forDiscovered: directory.path + "/./krb5.keytab", protectedFiles: protected)
        #expect(refusal?.contains("the host keytab") == true)
        // The same file under another name.
        let link = directory.path + "/krb5.keytab.link"
        try FileManager.default.linkItem(atPath: hostKeytab, toPath: link)
        #expect(AccountTarget.refusal(forDiscovered: link, protectedFiles: protected)?.contains("host keytab") == true)
        #expect(AccountTarget.refusal(forDiscovered: directory.path, protectedFiles: protected)?.contains("directory") == true)
        #expect(AccountTarget.refusal(forDiscovered: directory.path + "/msa-web.keytab", protectedFiles: protected) == nil)
    }
}
