import Foundation
import FuzzSupport
import GMSACore
import GMSAService

/// Hostile state files for ``StateStore/load()``: a file that decodes is kept and what is read survives a
/// save and a second load unchanged; anything else is set aside as `state.json.bad` with a warning, never a
/// trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzState(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    scratch.write(UnsafeRawBufferPointer(start: data, count: size))
    unlink(aside)
    let store = StateStore(path: scratch.path)
    var (state, warning) = store.load()
    if let warning {
        fuzzCheck(!warning.isEmpty && warning.contains(scratch.path), "state warning does not name the file")
        fuzzCheck(access(scratch.path, F_OK) != 0 && access(aside, F_OK) == 0, "a bad state file was not set aside")
        fuzzCheck(state == DaemonState(), "a bad state file did not give an empty state")
        return 0
    }
    fuzzCheck(access(scratch.path, F_OK) == 0, "a good state file was moved")
    do {
        try store.save(state)
    } catch {
        fuzzCheck(false, "cannot save a state just loaded: \(error.message)")
    }
    let (again, secondWarning) = store.load()
    fuzzCheck(secondWarning == nil, "a state the daemon saved does not load: \(secondWarning ?? "")")
    fuzzCheck(again == state, "a state changed through save and load (\(state.accounts.count) accounts)")
    // What the engine does with a loaded state: deadlines, then pruning every account not handled.
    let now = Timestamp(timeIntervalSince1970: 1_790_000_000)
    for account in state.accounts.values {
        if let deadline = account.nextDeadline {
            fuzzCheck(
                [account.nextFetch, account.nextProbe].contains(deadline) || account.retainedUntil.values.contains(deadline),
                "a deadline that is none of the account's times")
        }
    }
    let before = Set(state.accounts.keys)
    state.prune(keeping: [], now: now)
    fuzzCheck(Set(state.accounts.keys).isSubset(of: before), "pruning added accounts")
    return 0
}

let scratch: ScratchFile = {
    let file = ScratchFile(name: "state.json")
    atexit { scratch.remove() }
    return file
}()
let aside = scratch.path + ".bad"
