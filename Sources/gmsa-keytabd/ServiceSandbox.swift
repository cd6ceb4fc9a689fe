import GMSAKerberos
import GMSAService

#if canImport(Glibc)
import Glibc
#endif

/// What the installed systemd unit lets the daemon write, for `check`.
///
/// The shipped unit has `ProtectSystem=strict`: inside it, every path is read-only but the unit's `StateDirectory=`
/// (`/var/lib/gmsa-keytabd`) and its `ReadWritePaths=`. `check` runs outside the sandbox, so it asks systemd for
/// the unit's settings and names the drop-in that a keytab directory outside them needs.
struct ServiceSandbox {
    /// Absolute paths the unit may write below.
    let writablePaths: [String]

    static let unit = "gmsa-keytabd.service"

    /// The loaded unit's writable paths, or nil where systemd is not running or does not know the unit.
    static func installed() -> ServiceSandbox? {
        guard access("/run/systemd/system", F_OK) == 0,
            let output = run(
                "/usr/bin/systemctl",
                ["show", unit, "-p", "LoadState", "-p", "ReadWritePaths", "-p", "StateDirectory", "-p", "RuntimeDirectory"])
        else { return nil }
        return parse(show: output)
    }

    /// Parses `systemctl show` output (`Key=value` lines); nil when the unit is not loaded.
    static func parse(show output: String) -> ServiceSandbox? {
        var properties: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            properties[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        guard properties["LoadState"] == "loaded" else { return nil }
        // "-" (ignore if missing) and "+" (outside the root directory) prefixes do not change the path.
        let readWrite = (properties["ReadWritePaths"] ?? "").split(separator: " ").map { String($0.drop(while: { $0 == "-" || $0 == "+" })) }
        let state = (properties["StateDirectory"] ?? "").split(separator: " ").map { "/var/lib/" + $0 }
        let runtime = (properties["RuntimeDirectory"] ?? "").split(separator: " ").map { "/run/" + $0 }
        return ServiceSandbox(writablePaths: (readWrite + state + runtime).filter { $0.hasPrefix("/") })
    }

    /// The directories of `files` the daemon may not write, sorted.
    func blocked(_ files: [String]) -> [String] {
        Set(files.map(KeytabWriter.directory(of:))).sorted().filter { !allowsWriting(in: $0) }
    }

    /// `check`'s lines (every keytab and cache directory writable, or each one that is not and what to add) and
    /// how many directories the daemon may not write.
    func report(keytabs: [String], caches: [String]) -> (lines: [String], blocked: Int) {
        let blocked = blocked(keytabs + caches)
        let cacheDirectories = Set(caches.map(KeytabWriter.directory(of:)))
        guard !blocked.isEmpty else {
            let keytabDirectories = Set(keytabs.map(KeytabWriter.directory(of:))).sorted().joined(separator: ", ")
            let lines =
                ["systemd unit: may write every keytab directory (\(keytabDirectories))"]
                + (caches.isEmpty
                    ? [] : ["systemd unit: may write every ticket cache directory (\(cacheDirectories.sorted().joined(separator: ", ")))"])
            return (lines, 0)
        }
        let lines = blocked.map { directory in
            "systemd unit: CANNOT WRITE \(directory)\(cacheDirectories.contains(directory) ? " (ticket cache)" : ""): "
                + KeytabWriter.readOnlyHint(directory: directory)
        }
        return (lines, blocked.count)
    }

    /// Whether the daemon may write in `directory`.
    func allowsWriting(in directory: String) -> Bool {
        writablePaths.contains { path in
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            return directory == base || directory.hasPrefix(base + "/") || base.isEmpty
        }
    }

    private static func run(_ program: String, _ arguments: [String]) -> String? {
        var descriptors: [Int32] = [-1, -1]
        // Not close-on-exec (pipe2 is a GNU extension), but the child closes every descriptor above 2.
        guard pipe(&descriptors) == 0 else { return nil }
        let process: ChildProcess
        do {
            process = try ChildProcess.start(program, arguments: [program] + arguments, standardOutput: descriptors[1])
        } catch {
            close(descriptors[0])
            close(descriptors[1])
            return nil
        }
        close(descriptors[1])
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptors[0], &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            output += buffer[..<count]
        }
        close(descriptors[0])
        guard process.wait() == .exited(0) else { return nil }
        return String(decoding: output, as: UTF8.self)
    }
}
