import GMSACore

#if canImport(Glibc)
import Glibc
#endif

/// Reads a secret file (or standard input) straight into ``SecretBytes``: no `Data` or `String` copy; the
/// growing read buffer is zeroed before each move and at the end.
enum SecretInput {
    struct Failure: Error {
        let message: String
    }

    /// The whole content of `path` (`-` for standard input).
    static func read(_ path: String) throws(Failure) -> SecretBytes {
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Failure(message: String(cString: strerror(errno))) }
        defer { if descriptor != STDIN_FILENO { close(descriptor) } }

        var capacity = 16 * 1024
        var buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
        var count = 0
        defer {
            SecretBytes.zero(buffer, capacity)
            buffer.deallocate()
        }
        while true {
            if count == capacity {
                let larger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 1)
                larger.copyMemory(from: buffer, byteCount: count)
                SecretBytes.zero(buffer, capacity)
                buffer.deallocate()
                buffer = larger
                capacity *= 2
            }
            let got = Glibc.read(descriptor, buffer + count, capacity - count)
            if got < 0 {
                if errno == EINTR { continue }
                throw Failure(message: String(cString: strerror(errno)))
            }
            if got == 0 { break }
            count += got
        }
        let content = buffer
        return SecretBytes(count: count) { output in
            if let base = output.baseAddress { UnsafeMutableRawPointer(base).copyMemory(from: content, byteCount: count) }
        }
    }
}
