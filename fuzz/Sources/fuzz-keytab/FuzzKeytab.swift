import FuzzSupport
import GMSACore
import GMSAKerberos

#if canImport(Glibc)
import Glibc
#endif

/// Hostile keytab files for ``KeytabReader`` through libkrb5: each input is written to a file and read; the
/// reader returns entries or a ``KerberosError`` that names the file. Keys are never printed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKeytab(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    scratch.write(UnsafeRawBufferPointer(start: data, count: size))
    let contents: KeytabReader.Contents
    do {
        contents = try KeytabReader(context: context).read(scratch.path)
    } catch {
        fuzzCheck(!error.message.isEmpty && error.message.contains(scratch.path), "keytab error does not name the file")
        return 0
    }
    fuzzCheck(contents.otherEntryCount >= 0, "negative count of other entries")
    for entry in contents.entries {
        fuzzCheck(!entry.principal.isEmpty, "an entry without a principal name (kvno \(entry.keyVersion))")
    }
    // The writer's "already current" check reads the file the same way: it must agree with the reader.
    if !contents.entries.isEmpty && contents.otherEntryCount == 0 {
        fuzzCheck(
            KeytabWriter(context: context).isCurrent(contents.entries, at: scratch.path),
            "the writer does not recognise the \(contents.entries.count) entries just read")
    }
    return 0
}

/// One context for the process, as the daemon has one per worker; libFuzzer calls the target from one thread.
nonisolated(unsafe) let context: KerberosContext = {
    do {
        return try KerberosContext()
    } catch {
        printError("cannot open a libkrb5 context: \(error)\n")
        exit(2)
    }
}()

let scratch: ScratchFile = {
    let file = ScratchFile(name: "fuzz.keytab")
    atexit { scratch.remove() }
    return file
}()
