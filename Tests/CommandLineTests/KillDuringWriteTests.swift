import Foundation
import GMSACore
import GMSAKerberos
import GMSAService
import GMSATestSupport
import Testing

/// `kill -9` at random moments of a keytab write: the keytab is always exactly the old or the new one, and
/// the next write removes every temporary directory (with its partial keytab) the killed writers left.
@Suite struct KillDuringWriteTests {
    @Test func aKilledWriterLeavesTheOldOrTheNewKeytabAndTheNextWriteCleansUp() throws {
        let directory = try TemporaryDirectory()
        let vector = KnownAnswerVectors.shared.blobs[0]
        let blob = directory.file("blob.bin")
        FileManager.default.createFile(atPath: blob, contents: Data(vector.bytes))
        let keytab = directory.file("keytabs/web.keytab")
        try FileManager.default.createDirectory(atPath: directory.file("keytabs"), withIntermediateDirectories: false)
        func derive(kvno: Int, into keytab: String) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ProgramRun.gmsaKeytabd)
            process.arguments = [
                "derive", "--blob", blob, "--account", "msa-web$", "--realm", "COMPANY.TEST", "--kvno", "\(kvno)", "--keytab", keytab,
                "--spn", "HTTP/web.company.test", "--spn", "HTTP/web",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        // The keytabs each kvno gives, written without interruption: every state of the target must be one of them.
        let context = try KerberosContext()
        var references: [[KeytabEntry]] = []
        // How long an uninterrupted write takes here: the kills land within that time, so most of them hit a
        // writer mid-way whether the machine is busy (slow writers) or idle (a fixed 0–150 ms let an idle
        // machine's writers finish first, and too few were killed).
        var longest: Duration = .zero
        for kvno in 2...4 {
            let started = ContinuousClock.now
            let reference = try derive(kvno: kvno, into: directory.file("reference-\(kvno).keytab"))
            reference.waitUntilExit()
            longest = max(longest, ContinuousClock.now - started)
            try #require(reference.terminationStatus == 0)
            references.append(try KeytabReader(context: context).read(directory.file("reference-\(kvno).keytab")).entries)
        }
        let first = try derive(kvno: 2, into: keytab)
        first.waitUntilExit()
        try #require(first.terminationStatus == 0)

        var killed = 0
        var torn = 0
        for round in 0..<150 {
            let process = try derive(kvno: 3 + round % 2, into: keytab)
            usleep(UInt32.random(in: 0...max(1_000, longest.sleepMicroseconds)))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killed += 1
            }
            process.waitUntilExit()
            // Old or new, never anything between.
            let entries = (try? KeytabReader(context: context).read(keytab).entries) ?? []
            if !references.contains(where: { entries.hasSameEntries(as: $0) }) { torn += 1 }
        }
        #expect(torn == 0, "\(torn) torn keytabs in 150 rounds")
        #expect(killed > 10, "the rounds must really kill writers mid-way (\(killed) killed)")

        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.file("keytabs")).filter { $0.hasPrefix(".gmsa-keytabd.") }
        print("kill -9 rounds: 150, killed \(killed), torn \(torn), leftovers before the next write \(leftovers.count)")
        let last = try derive(kvno: 9, into: keytab)
        last.waitUntilExit()
        #expect(last.terminationStatus == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("keytabs")) == ["web.keytab"], "leftovers after the next write")
    }
}
