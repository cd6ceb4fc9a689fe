import Foundation

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
        guard FileManager.default.fileExists(atPath: "/run/systemd/system"),
            let output = run("/usr/bin/systemctl", ["show", unit, "-p", "LoadState", "-p", "ReadWritePaths", "-p", "StateDirectory"])
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
        return ServiceSandbox(writablePaths: (readWrite + state).filter { $0.hasPrefix("/") })
    }

    /// Whether the daemon may write in `directory`.
    func allowsWriting(in directory: String) -> Bool {
        writablePaths.contains { path in
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            return directory == base || directory.hasPrefix(base + "/") || base.isEmpty
        }
    }

    private static func run(_ program: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
