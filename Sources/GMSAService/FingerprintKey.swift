#if canImport(Glibc)
import Glibc
#endif
import GMSACore

/// This host's key for keyed fingerprints (``GMSAKerberos/KerberosContext/fingerprint(of:key:)``): 16 random
/// bytes in `fingerprint.key` beside the state file, mode 0600, made on first use.
///
/// Losing it costs nothing but one key derivation per account (the fingerprints in the state no longer match).
public enum FingerprintKey {
    public static let length = 16

    /// The key of the state directory `directory`, created if missing; `nil` when it can be neither read nor made
    /// (the accounts' keys are then simply derived every time).
    public static func load(stateDirectory directory: String) -> SecretBytes? {
        let path = directory + "/fingerprint.key"
        if let key = read(path) { return key }
        let key = SecretBytes(count: length) { buffer in
            var generator = SystemRandomNumberGenerator()  // getrandom(2)
            for index in buffer.indices { buffer[index] = generator.next() }
        }
        let temporary = path + ".tmp"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        let written = key.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        // link(2), not rename(2): a key another process made first wins, and both then use that one.
        guard written == length, synced, link(temporary, path) == 0 || errno == EEXIST else {
            unlink(temporary)
            return nil
        }
        unlink(temporary)
        return read(path)
    }

    private static func read(_ path: String) -> SecretBytes? {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size == length, status.st_mode & 0o077 == 0 else { return nil }
        var complete = false
        let key = SecretBytes(count: length) { buffer in
            complete = Glibc.read(descriptor, buffer.baseAddress, buffer.count) == length
        }
        return complete ? key : nil
    }
}
