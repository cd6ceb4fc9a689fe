import Foundation
import GMSACore
import GMSADirectory
import GMSAKerberos
import GMSATestSupport
import Testing

@testable import GMSAService

/// The planner and the kvno confirmer with canned directory answers: every value from the directory, however
/// hostile, ends in a per-account result, never a trap.
@Suite struct KeyPlanningTests {
    let name = try! ServiceAccountName("msa-web$")
    let context = try! KerberosContext()
    var target: AccountTarget {
        var settings = Configuration.KeytabSettings(mode: 0o600)
        settings.encryptionTypes = [.aes256CTSHMACSHA196]
        return AccountTarget(name: name, keytab: "/nonexistent/msa-web.keytab", settings: settings, discovered: false)
    }

    func account(kvno: UInt32?, insideWindow: Bool = false, blob: [UInt8]? = nil) -> ManagedAccount {
        let query: UInt64 = insideWindow ? 120 * 10_000_000 : 72_000 * 10_000_000
        let bytes =
            blob
            ?? BlobBuilder(
                current: BlobBuilder.password(seed: 2), previous: BlobBuilder.password(seed: 1), queryTicks: query,
                unchangedTicks: insideWindow ? 0 : query - 300 * 10_000_000
            ).bytes()
        return ManagedAccount(
            name: name, distinguishedName: "CN=msa-web,CN=Managed Service Accounts,DC=company,DC=test", keyVersion: kvno,
            servicePrincipalNames: ["HTTP/web.company.test"], passwordBlob: SecretBytes(bytes))
    }

    func plan(_ account: ManagedAccount?) throws(AccountFailure) -> KeyPlan {
        try KeyPlanner(realm: "COMPANY.TEST", context: context).derivedPlan(target, account, hostPrincipal: "HOST$@COMPANY.TEST", base: "DC=company,DC=test")
    }

    @Test func aNormalReadPlansKAndKMinusOneWithOnlyKCurrent() throws {
        let plan = try plan(account(kvno: 7))
        #expect(Set(plan.entries.map(\.keyVersion)) == [7, 6])
        #expect(plan.currentKeyVersions == [7])
        #expect(Set(plan.entries.map(\.principal)) == ["msa-web$@COMPANY.TEST", "HTTP/web.company.test@COMPANY.TEST"])
        #expect(!plan.report.stagedNextKey)
    }

    @Test func insideTheWindowTheNextKeyIsStagedAtKPlusOne() throws {
        let plan = try plan(account(kvno: 7, insideWindow: true))
        #expect(plan.currentKeyVersions == [8, 7])
        #expect(plan.report.stagedNextKey)
    }

    @Test(arguments: [UInt32(0), UInt32.max])
    func aKvnoOutOfRangeIsAnAccountFailureNotATrap(kvno: UInt32) {
        #expect {
            try plan(account(kvno: kvno, insideWindow: true))
        } throws: { error in
            (error as? AccountFailure)?.detail.contains("out of range") == true
        }
    }

    @Test func aMissingPasswordIsNotReadableAndAMissingAccountIsNotFound() {
        var withheld = account(kvno: 3)
        withheld.passwordBlob = nil
        #expect(throws: AccountFailure.self) { try plan(withheld) }
        do {
            _ = try plan(withheld)
        } catch {
            #expect(error.outcome == .notReadable)
        }
        do {
            _ = try plan(nil)
        } catch {
            #expect(error.outcome == .notFound)
        }
    }

    @Test func aMalformedBlobIsAFailureNamingTheAccount() {
        do {
            _ = try plan(account(kvno: 3, blob: [1, 0, 0, 0, 99, 0, 0, 0]))
            Issue.record("a truncated blob was accepted")
        } catch {
            #expect(error.outcome == .failed)
            #expect(error.detail.contains("msa-web"))
        }
    }

    // MARK: The kvno confirmer

    func candidate(kvno: UInt32 = 7, existing: [KeytabEntry] = []) throws -> KeyVersionConfirmer.Candidate {
        KeyVersionConfirmer.Candidate(name: name, plan: try plan(account(kvno: kvno)), existing: existing)
    }

    @Test func theRereadKvnoMovesEveryPlannedVersion() throws {
        // The reply that caused the rollover still showed 7; the second search shows 8.
        let confirmer = KeyVersionConfirmer(sleep: { _ in }) { _ throws(DirectoryError) in [name: 8] }
        let result = confirmer.confirm([try candidate(kvno: 7)])[name]
        guard case .confirmed(let kvno, let entries, let current) = result else {
            Issue.record("not confirmed: \(String(describing: result))")
            return
        }
        #expect(kvno == 8)
        #expect(current == [8])
        #expect(Set(entries.map(\.keyVersion)) == [8, 7])
    }

    @Test(arguments: [UInt32(0), UInt32.max, UInt32(1)])
    func aHostileRereadKvnoIsAFailureNotATrap(kvno: UInt32) throws {
        // From 7 (K−1 = 6) to 1 would put the previous key at 0; 0 and UInt32.max are out of range themselves.
        let confirmer = KeyVersionConfirmer(sleep: { _ in }) { _ throws(DirectoryError) in [name: kvno] }
        let result = confirmer.confirm([try candidate(kvno: 7)])[name]
        guard case .failed(let detail) = result else {
            Issue.record("accepted kvno \(kvno)")
            return
        }
        #expect(detail.contains("out of range"))
    }

    @Test func aKvnoThatStillLabelsTheOldKeyIsAskedAgainThenGivenUp() throws {
        let old = try plan(account(kvno: 7))
        // The keytab has kvno 7 with other keys (the previous password's), the DC keeps answering 7.
        let existing = old.entries.filter { $0.keyVersion == 6 }.map {
            KeytabEntry(principal: $0.principal, keyVersion: 7, key: $0.key)
        }
        var asked = 0
        var slept: [Duration] = []
        let confirmer = KeyVersionConfirmer(attempts: 4, delay: .milliseconds(750), sleep: { slept.append($0) }) {
            _ throws(DirectoryError) in
            asked += 1
            return [name: 7]
        }
        let result = confirmer.confirm([try candidate(kvno: 7, existing: existing)])[name]
        #expect(asked == 4)
        #expect(slept == Array(repeating: .milliseconds(750), count: 3), "bounded: 2.25 s in all")
        // Given up for this pass; the same kvno over every re-read is a dispute the next pass settles
        // (KeyVersionDisputeTests).
        guard case .disputed(let dispute, let detail) = result else {
            Issue.record("a contradicting kvno was confirmed")
            return
        }
        #expect(dispute.keyVersion == 7)
        #expect(detail.contains("still shows kvno 7"))
    }

    @Test func aContradictionThatClearsIsConfirmedOnTheNextAttempt() throws {
        let old = try plan(account(kvno: 7))
        let existing = old.entries.filter { $0.keyVersion == 6 }.map {
            KeytabEntry(principal: $0.principal, keyVersion: 7, key: $0.key)
        }
        var answers: [UInt32] = [7, 8]
        let confirmer = KeyVersionConfirmer(sleep: { _ in }) { _ throws(DirectoryError) in [name: answers.removeFirst()] }
        guard case .confirmed(let kvno, _, _) = confirmer.confirm([try candidate(kvno: 7, existing: existing)])[name] else {
            Issue.record("not confirmed after the DC caught up")
            return
        }
        #expect(kvno == 8)
    }

    @Test func aDirectoryErrorOrADeletedAccountFailsTheAccountWithTheReason() throws {
        let down = KeyVersionConfirmer(sleep: { _ in }) { _ throws(DirectoryError) in
            throw DirectoryError(.unavailable, "dc1.company.test: Can't contact LDAP server")
        }
        guard case .failed(let detail) = down.confirm([try candidate()])[name] else {
            Issue.record("no failure")
            return
        }
        #expect(detail.contains("cannot re-read msDS-KeyVersionNumber") && detail.contains("dc1.company.test"))
        let gone = KeyVersionConfirmer(sleep: { _ in }) { _ throws(DirectoryError) in [:] }
        guard case .failed(let reason) = gone.confirm([try candidate()])[name] else {
            Issue.record("no failure")
            return
        }
        #expect(reason.contains("deleted"))
    }
}
