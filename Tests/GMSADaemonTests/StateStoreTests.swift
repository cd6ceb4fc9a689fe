import Foundation
import GMSACore
import GMSAService
import GMSATestSupport
import Testing

/// The state file is replaced atomically through `state.json.tmp` alone: a killed save leaves nothing that
/// piles up, and a failed one (a full disk in `lab/crash-test.sh`) keeps the old file and says why.
@Suite struct StateStoreTests {
    let directory: TemporaryDirectory
    let store: StateStore

    init() throws {
        directory = try TemporaryDirectory()
        store = StateStore(path: directory.file("state.json"))
    }

    func state(kvno: UInt32) throws -> DaemonState {
        var state = DaemonState()
        var account = AccountState(keytab: directory.file("msa-web.keytab"))
        account.keyVersion = kvno
        state[try ServiceAccountName("msa-web$")] = account
        return state
    }

    @Test func aSaveLeavesTheStateFileAndNothingElse() throws {
        try store.save(try state(kvno: 1))
        try store.save(try state(kvno: 2))
        #expect(try directory.contents() == ["state.json"])
        let loaded = store.load()
        #expect(loaded.warning == nil)
        #expect(loaded.state == (try state(kvno: 2)))
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
        #expect(attributes[.posixPermissions] as? Int == 0o644)
    }

    @Test func theTemporaryAKilledSaveLeftIsReusedAndGone() throws {
        let temporary = directory.file("state.json.tmp")
        try Data(#"{"version": 1, "accou"#.utf8).write(to: URL(fileURLWithPath: temporary))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: temporary)
        try store.save(try state(kvno: 3))
        #expect(try directory.contents() == ["state.json"])
        #expect(store.load().state == (try state(kvno: 3)))
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
        #expect(attributes[.posixPermissions] as? Int == 0o644)
    }

    @Test func aFailedSaveKeepsTheOldFileAndSaysWhy() throws {
        try store.save(try state(kvno: 1))
        let before = try Data(contentsOf: URL(fileURLWithPath: store.path))
        // The temporary cannot be created: open(2) fails as it would with ENOSPC on a full disk.
        try FileManager.default.createDirectory(atPath: directory.file("state.json.tmp"), withIntermediateDirectories: false)
        let error = #expect(throws: StateStore.Failure.self) { try store.save(try state(kvno: 2)) }
        #expect(error?.message.contains("cannot save the state file \(store.path)") == true)
        #expect(error?.message.contains("Is a directory") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: store.path)) == before)
    }
}
