import Foundation
import Testing

@testable import GMSACore

/// The state file's JSON (``DaemonState/init(json:)`` and ``DaemonState/json()``): files that gmsa-keytabd 0.2.0
/// wrote with Foundation's JSONEncoder keep loading, what we write loads back equal, and a bad file is refused
/// with the place of the fault.
@Suite struct StateFileFormatTests {
    /// Written by gmsa-keytabd 0.2.0 (JSONEncoder, pretty-printed, sorted keys, escaped slashes), with a retained
    /// key and an error message added the way that encoder wrote them.
    static let writtenBy020 = #"""
        {
          "accounts" : {
            "msa-svc1$" : {
              "consecutiveFailures" : 2,
              "keyVersion" : 3,
              "keysFingerprint" : "2bfcb07f348b44be650cbddedd2145c1",
              "keytab" : "\/var\/tmp\/mem\/w\/keytabs\/msa-svc1.keytab",
              "keytabFingerprint" : {
                "device" : 65024,
                "group" : 0,
                "inode" : 6725672,
                "mode" : 33152,
                "modifiedNanoseconds" : 438533946,
                "modifiedSeconds" : 1795655206,
                "owner" : 0,
                "size" : 210
              },
              "keytabKeyVersions" : [
                3,
                2
              ],
              "lastAttempt" : "2026-11-26T01:06:46Z",
              "lastError" : "dc1.company.test: \"Can't contact LDAP server\"\nretrying",
              "lastSuccess" : "2026-11-26T01:06:46Z",
              "membershipFingerprint" : "8468765ba79052f8",
              "nextFetch" : "2026-12-25T15:55:40Z",
              "nextProbe" : "2026-11-26T02:11:14Z",
              "passwordExpiry" : "2026-12-25T15:59:59Z",
              "passwordLastSet" : 134401279141937240,
              "retainedUntil" : [
                2,
                "2026-11-26T11:06:46Z"
              ],
              "servicePrincipalNames" : [
                "HTTP\/web.company.test"
              ]
            }
          },
          "version" : 1
        }
        """#

    static func time(_ text: String) -> Timestamp { UTCTimestamp.parse(text)! }

    static var expected: DaemonState {
        var account = AccountState(keytab: "/var/tmp/mem/w/keytabs/msa-svc1.keytab")
        account.consecutiveFailures = 2
        account.keyVersion = 3
        account.keysFingerprint = "2bfcb07f348b44be650cbddedd2145c1"
        account.keytabFingerprint = KeytabFingerprint(
            device: 65024, inode: 6_725_672, size: 210, modifiedSeconds: 1_795_655_206, modifiedNanoseconds: 438_533_946, owner: 0,
            group: 0, mode: 33152)
        account.keytabKeyVersions = [3, 2]
        account.lastAttempt = time("2026-11-26T01:06:46Z")
        account.lastError = "dc1.company.test: \"Can't contact LDAP server\"\nretrying"
        account.lastSuccess = time("2026-11-26T01:06:46Z")
        account.membershipFingerprint = "8468765ba79052f8"
        account.nextFetch = time("2026-12-25T15:55:40Z")
        account.nextProbe = time("2026-11-26T02:11:14Z")
        account.passwordExpiry = time("2026-12-25T15:59:59Z")
        account.passwordLastSet = 134_401_279_141_937_240
        account.retainedUntil = [2: time("2026-11-26T11:06:46Z")]
        account.servicePrincipalNames = ["HTTP/web.company.test"]
        var state = DaemonState()
        state.accounts["msa-svc1$"] = account
        return state
    }

    @Test func aFileWrittenByVersion020Loads() throws {
        #expect(try DaemonState(json: Array(Self.writtenBy020.utf8)) == Self.expected)
    }

    @Test func whatIsWrittenLoadsBackEqualInTheSameLayout() throws {
        var state = Self.expected
        var bare = AccountState(keytab: "/k")
        bare.retainedUntil = [7: Self.time("2030-01-01T00:00:00Z"), 5: Self.time("2029-01-01T00:00:00Z")]
        state.accounts["bare$"] = bare
        state.directory = DirectoryUse(
            domainController: "dc2.company.test:3389", site: "Site2", siteSource: "dc1.company.test's answer to an LDAP ping",
            connected: Self.time("2026-11-26T04:23:21Z"))
        let written = state.json()
        #expect(try DaemonState(json: written) == state)
        state.directory?.site = nil
        state.directory?.siteSource = nil
        #expect(try DaemonState(json: state.json()) == state)
        let text = String(decoding: written, as: UTF8.self)
        // The layout 0.2.0 reads: flat retention array in key version order, absent optionals left out.
        #expect(text.contains("\"retainedUntil\": [\n        5,\n        \"2029-01-01T00:00:00Z\",\n        7,"), "\(text)")
        #expect(!text.contains("null"))
        #expect(text.hasSuffix("}\n"))
    }

    @Test func theAccountsIdentityAndADisputedKvnoLoadBack() throws {
        var state = DaemonState()
        var entry = AccountState(keytab: "/k")
        entry.objectGUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
        entry.disputedKeyVersion = 1
        entry.disputedKeysFingerprint = "00112233445566778899aabbccddeeff"
        state.accounts["msa-re$"] = entry
        #expect(try DaemonState(json: state.json()) == state)
        // A file from before these fields loads with none of them (checked above for 0.2.0 too).
        #expect(try DaemonState(json: Array(#"{"version": 1, "accounts": {"a$": {"keytab": "/k"}}}"#.utf8)).accounts["a$"]?.objectGUID == nil)
    }

    @Test func absentOptionalsAndDefaultsLoad() throws {
        let state = try DaemonState(json: Array(#"{"version": 1, "accounts": {"a$": {"keytab": "/k", "nextFetch": null}}}"#.utf8))
        #expect(state.accounts["a$"] == AccountState(keytab: "/k"))
    }

    static func failure(_ text: String) -> String? {
        do {
            _ = try DaemonState(json: Array(text.utf8))
            return nil
        } catch {
            return error.message
        }
    }

    @Test func aBadFileIsRefusedWithThePlaceOfTheFault() {
        let account = #"{"version": 1, "accounts": {"msa-web$": {"keytab": "/k", %@}}}"#
        func with(_ field: String) -> String { account.replacingOccurrences(of: "%@", with: field) }
        #expect(Self.failure(with(#""nextFetch": "tomorrow""#)) == #"accounts["msa-web$"].nextFetch: not a UTC time (YYYY-MM-DDTHH:MM:SSZ)"#)
        #expect(Self.failure(with(#""keyVersion": -1"#)) == #"accounts["msa-web$"].keyVersion: not an integer from 0 to 4294967295"#)
        #expect(Self.failure(with(#""keyVersion": 1.5"#)) == #"accounts["msa-web$"].keyVersion: not an integer from 0 to 4294967295"#)
        #expect(Self.failure(with(#""retainedUntil": [2]"#))?.hasPrefix(#"accounts["msa-web$"].retainedUntil: not an array of alternating"#) == true)
        #expect(Self.failure(with(#""retainedUntil": [2, "2030-01-01T00:00:00Z", 2, "2031-01-01T00:00:00Z"]"#)) != nil)
        #expect(Self.failure(with(#""keytabFingerprint": {"device": 1}"#)) == #"accounts["msa-web$"].keytabFingerprint.inode: missing"#)
        #expect(Self.failure(with(#""servicePrincipalNames": ["a", 1]"#)) == #"accounts["msa-web$"].servicePrincipalNames: not an array of strings"#)
        #expect(Self.failure(#"{"version": 1, "accounts": {"x$": {}}}"#) == #"accounts["x$"].keytab: missing"#)
        #expect(Self.failure(#"{"version": 2, "accounts": {}}"#) == "version 2 is not 1")
        #expect(Self.failure(#"{"accounts": {}}"#) == "version: missing")
        #expect(
            Self.failure(#"{"version": 1, "accounts": {}, "directory": {"domainController": "dc1", "connected": 5}}"#)
                == "directory.connected: not a UTC time (YYYY-MM-DDTHH:MM:SSZ)")
        #expect(Self.failure("[]") == "not a JSON object")
        #expect(Self.failure(#"{"version": 1, "accounts": {}"#)?.hasPrefix("not JSON: line 1, column ") == true)
    }
}
