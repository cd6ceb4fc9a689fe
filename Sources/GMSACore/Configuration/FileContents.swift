import Glibc

/// A whole small file read with `open` and `read`, without Foundation: the configuration, the state file,
/// `/proc` files (whose size `stat` reports as 0).
public enum FileContents {
    /// Why a file could not be read: the C library's text for `errno`, e.g. "No such file or directory".
    public struct ReadError: Error {
        /// `errno`.
        public var number: Int32
        public var message: String
    }

    public static func read(path: String) -> Result<[UInt8], ReadError> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(ReadError(errno: errno)) }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ReadError(errno: errno))
            }
            if count == 0 { return .success(contents) }
            contents.append(contentsOf: chunk[..<count])
        }
    }
}

extension FileContents.ReadError {
    init(errno code: Int32) {
        number = code
        message = String(cString: strerror(code))
    }
}
