#if canImport(Glibc)
import Glibc
#endif

/// A property a fuzz target asserts about one input.
///
/// A failed check prints one line to standard error and aborts, which libFuzzer reports as a crash and saves
/// the input as an artifact. The message must describe the property (lengths, codes, counts), never the
/// bytes of a password, blob or key.
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    guard !condition() else { return }
    printError("fuzz property failed: \(message())\n")
    abort()
}

/// Writes `text` to standard error unbuffered (fd 2: the C `stderr` variable is not concurrency-safe).
public func printError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            guard written > 0 else { return }
            offset += written
        }
    }
}
