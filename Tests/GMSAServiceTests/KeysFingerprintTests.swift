import Foundation
import GMSACore
import GMSAKerberos
import GMSATestSupport
import Testing

@testable import GMSAService

/// A warm pass derives no key: the state keeps a keyed fingerprint of what the keys came from, never a secret.
@Suite struct KeysFingerprintTests {
    let name = try! ServiceAccountName("msa-web$")
    let context = try! KerberosContext()

    func account(seed: UInt16, kvno: UInt32 = 7) -> ManagedAccount {
        let query: UInt64 = 72_000 * 10_000_000
        let blob = BlobBuilder(
            current: BlobBuilder.password(seed: seed), previous: BlobBuilder.password(seed: seed &- 1), queryTicks: query,
            unchangedTicks: query - 300 * 10_000_000
        ).bytes()
        return ManagedAccount(name: name, distinguishedName: "CN=msa-web", keyVersion: kvno, passwordBlob: SecretBytes(blob))
    }

    func plan(_ account: ManagedAccount, key: SecretBytes?, mode: UInt32 = 0o600) throws -> KeyPlan {
        let target = AccountTarget(name: name, keytab: "/k", settings: .init(mode: mode), discovered: false)
        return try KeyPlanner(realm: "COMPANY.TEST", context: context, fingerprintKey: key).plan(target, account, hostPrincipal: "H$", base: "DC=x")
    }

    @Test func theFingerprintFollowsThePasswordsTheLayoutAndTheHostsKeyOnly() throws {
        let directory = try TemporaryDirectory()
        let key = try #require(FingerprintKey.load(stateDirectory: directory.path))
        let first = try #require(try plan(account(seed: 5), key: key).fingerprint)
        #expect(first.count == 32 && first.allSatisfy(\.isHexDigit))
        #expect(try plan(account(seed: 5), key: key).fingerprint == first, "same read, same fingerprint")
        #expect(try plan(account(seed: 6), key: key).fingerprint != first, "a new password changes it")
        #expect(try plan(account(seed: 5), key: key, mode: 0o640).fingerprint != first, "so does the keytab's mode")
        let otherHost = try TemporaryDirectory()
        let otherKey = try #require(FingerprintKey.load(stateDirectory: otherHost.path))
        #expect(try plan(account(seed: 5), key: otherKey).fingerprint != first, "another host's fingerprint differs")
        #expect(try plan(account(seed: 5), key: nil).fingerprint == nil)
    }

    @Test func theKeyIsMadeOnceWithMode0600AndReused() throws {
        let directory = try TemporaryDirectory()
        let key = try #require(FingerprintKey.load(stateDirectory: directory.path))
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.file("fingerprint.key"))
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect((attributes[.size] as? Int) == FingerprintKey.length)
        #expect(FingerprintKey.load(stateDirectory: directory.path) == key)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["fingerprint.key"], "no temporary file left")
    }

    @Test func anUnchangedReadIsRecognizedOnlyWhenEverythingIsAsLastTime() throws {
        let directory = try TemporaryDirectory()
        let keytab = directory.file("msa-web.keytab")
        FileManager.default.createFile(atPath: keytab, contents: Data([5, 2]))
        let key = try #require(FingerprintKey.load(stateDirectory: directory.path))
        let target = AccountTarget(name: name, keytab: keytab, settings: .init(), discovered: false)
        let plan = try KeyPlanner(realm: "COMPANY.TEST", context: context, fingerprintKey: key)
            .plan(target, account(seed: 5), hostPrincipal: "H$", base: "DC=x")
        let now = Timestamp.now
        var state = AccountState(keytab: keytab)
        state.keyVersion = 7
        state.keysFingerprint = plan.fingerprint
        state.keytabFingerprint = KeytabFingerprint(path: keytab)
        #expect(KeytabSynchronizer.isUnchanged(plan, target: target, since: state, now: now))
        var retainedDue = state
        retainedDue.retainedUntil = [6: now - 1]
        #expect(!KeytabSynchronizer.isUnchanged(plan, target: target, since: retainedDue, now: now), "an old key is due to go")
        var otherKvno = state
        otherKvno.keyVersion = 8
        #expect(!KeytabSynchronizer.isUnchanged(plan, target: target, since: otherKvno, now: now))
        var failed = state
        failed.lastError = "DC down"
        #expect(!KeytabSynchronizer.isUnchanged(plan, target: target, since: failed, now: now))
        try Data([5, 2, 0]).write(to: URL(fileURLWithPath: keytab))
        #expect(!KeytabSynchronizer.isUnchanged(plan, target: target, since: state, now: now), "the keytab file changed")
    }
}
