#if canImport(Glibc)
import Glibc
#endif

/// Bytes that must never be printed: a password, a blob or a key.
///
/// The storage is zeroed when the last reference goes away. `description` and `debugDescription` show only
/// the length, so a secret that reaches a log line, an error or a test failure message reveals nothing.
/// Equality compares in constant time.
public final class SecretBytes: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<UInt8>

    /// Copies `bytes` into zeroing storage. The caller stays responsible for its own copy.
    public init(_ bytes: some Collection<UInt8>) {
        storage = .allocate(capacity: bytes.count)
        _ = storage.initialize(from: bytes)
    }

    /// Builds a secret of `count` bytes by letting `body` fill a zeroed buffer in place.
    public init(count: Int, fill body: (UnsafeMutableBufferPointer<UInt8>) throws -> Void) rethrows {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: 0)
        // On a throw the object is fully initialised, so deinit wipes and frees the storage (freeing it here
        // as well was a double free).
        try body(storage)
    }

    deinit {
        SecretBytes.wipe(storage)
        storage.deallocate()
    }

    /// The number of bytes.
    public var count: Int { storage.count }

    /// Gives `body` read access to the bytes without copying them.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(storage))
    }

    /// `explicit_bzero`: unlike plain stores right before `deallocate`, the compiler may not drop it.
    private static func wipe(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        explicit_bzero(base, buffer.count)
    }

    /// `explicit_bzero` for scratch memory that holds secret bytes outside a `SecretBytes`.
    public static func zero(_ base: UnsafeMutableRawPointer, _ count: Int) {
        guard count > 0 else { return }
        explicit_bzero(base, count)
    }
}

extension SecretBytes: Equatable {
    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<lhs.count {
            difference |= lhs.storage[index] ^ rhs.storage[index]
        }
        return difference == 0
    }
}

extension SecretBytes: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { "<secret: \(count) bytes>" }
    public var debugDescription: String { description }
}
