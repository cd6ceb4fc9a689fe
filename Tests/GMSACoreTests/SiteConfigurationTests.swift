import GMSACore
import Testing

/// `[domain] site` (kept apart from ConfigurationLoaderTests).
@Suite struct SiteConfigurationTests {
    let loader = ConfigurationLoader(userID: { _ in nil }, groupID: { _ in nil })

    @Test func theSiteIsOptional() throws {
        let configuration = try loader.parse("[domain]\nrealm = \"A.TEST\"\n", path: "/etc/x.toml")
        #expect(configuration.domain.site == nil)
        let sited = try loader.parse("[domain]\nrealm = \"A.TEST\"\nsite = \"Site2\"\n", path: "/etc/x.toml")
        #expect(sited.domain.site == "Site2")
    }

    @Test(arguments: ["\"\"", "\"two words\"", "\"a.b\"", "3"])
    func aBadSiteNamesTheKey(_ value: String) throws {
        do {
            _ = try loader.parse("[domain]\nrealm = \"A.TEST\"\nsite = \(value)\n", path: "/etc/x.toml")
            Issue.record("accepted site = \(value)")
        } catch {
            #expect(error.key == "domain.site")
        }
    }
}
