@testable import GMSACore
import Testing

/// Lexical path checks: the normal form used to compare keytab paths with protected files, and length limits.
@Suite struct PathTextTests {
    @Test func normalizedRemovesRepeatedSlashesDotsAndDotDots() {
        #expect(PathText.normalized("/etc/krb5.keytab") == "/etc/krb5.keytab")
        #expect(PathText.normalized("//etc///krb5.keytab") == "/etc/krb5.keytab")
        #expect(PathText.normalized("/etc/./krb5.keytab") == "/etc/krb5.keytab")
        #expect(PathText.normalized("/var/lib/../../etc/krb5.keytab") == "/etc/krb5.keytab")
        #expect(PathText.normalized("/../etc/krb5.keytab/") == "/etc/krb5.keytab")
        #expect(PathText.normalized("/etc/.hidden/..keytab") == "/etc/.hidden/..keytab")
        #expect(PathText.normalized("/") == "/")
    }

    /// The quick check that spares most paths the split agrees with the split on every path of up to 8
    /// characters made of '/', '.' and 'a'.
    @Test func theQuickCheckAgreesWithTheSplitOnEveryShortPath() {
        var paths = [""]
        var disagreements: [String] = []
        for _ in 1...8 {
            paths = paths.flatMap { path in ["/", ".", "a"].map { path + $0 } }
            for path in paths where PathText.isNormalized(path) != (PathText.lexicallyNormalized(path) == path) {
                disagreements.append(path)
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }

    @Test func lengthProblemsNameTheLimit() {
        #expect(PathText.lengthProblem("/etc/krb5.keytab") == nil)
        #expect(PathText.lengthProblem("/" + String(repeating: "a", count: 255)) == nil)
        #expect(PathText.lengthProblem("/" + String(repeating: "a", count: 256))?.contains("component of 256 bytes") == true)
        #expect(PathText.lengthProblem(String(repeating: "/abc", count: 1024))?.contains("4096 bytes long") == true)
    }
}
