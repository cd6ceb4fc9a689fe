import Foundation
import GMSACore
import GMSATestSupport
import Testing

@testable import GMSAService

/// The fingerprint of a keytab on disk includes st_ctime: a root process that rewrites the keytab in place at the
/// same size and restores its mtime does not pass the warm shortcut.
@Suite struct KeytabFingerprintFileTests {
    @Test func aSameSizeRewriteWithItsMtimeRestoredChangesTheFingerprint() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("msa-web.keytab")
        try #require(FileManager.default.createFile(atPath: path, contents: Data([0x05, 0x02, 0xAA, 0xBB, 0xCC, 0xDD])))
        let before = try #require(KeytabFingerprint(path: path))
        #expect(before.changedSeconds != nil)
        var original = stat()
        try #require(lstat(path, &original) == 0)
        // File timestamps come from the kernel's coarse clock: let it tick before the rewrite.
        usleep(50_000)

        // Other bytes, same size, written into the same inode; then the mtime (and atime) put back.
        let descriptor = open(path, O_WRONLY)
        try #require(descriptor >= 0)
        let written = [UInt8]([0x05, 0x02, 0x11, 0x22, 0x33, 0x44]).withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        close(descriptor)
        try #require(written == 6)
        var times = [original.st_atim, original.st_mtim]
        try #require(utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW) == 0)

        let after = try #require(KeytabFingerprint(path: path))
        #expect(after.inode == before.inode && after.size == before.size)
        #expect(after.modifiedSeconds == before.modifiedSeconds && after.modifiedNanoseconds == before.modifiedNanoseconds)
        #expect(after != before, "the warm shortcut compares fingerprints with ==")
        #expect(KeytabFingerprint.change(from: before, to: after) == "changed with its size and modification time kept (its inode change time moved)")
    }
}
