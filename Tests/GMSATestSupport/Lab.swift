import Foundation

/// The Samba AD lab that `lab/lab.sh run` provides through `LAB_*` variables.
public enum Lab {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Whether the tests run inside the lab.
    public static var isAvailable: Bool { environment["LAB_DIR"] != nil && environment["LAB_HOST_KEYTAB"] != nil }

    public static var directory: String { environment["LAB_DIR"] ?? "/nonexistent" }
    public static var realm: String { environment["LAB_REALM"] ?? "COMPANY.TEST" }
    public static var hostKeytab: String { environment["LAB_HOST_KEYTAB"] ?? "/nonexistent" }
    /// The lab's scripts (lab/ in the repository).
    public static var scripts: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../lab").standardized.path
    }

    /// Runs a lab script such as `fetch-blob.sh`.
    public static func script(_ name: String, _ arguments: [String]) throws -> ProgramRun {
        try ProgramRun.run("/bin/bash", ["\(scripts)/\(name)"] + arguments)
    }

    /// `kinit -k -t KEYTAB PRINCIPAL` into a throwaway cache, then optionally `kvno -k KEYTAB SPN` for each SPN.
    /// Returns the combined runs so a test can assert on status and output.
    public static func kinit(keytab: String, principal: String, checkServices: [String] = []) throws -> [ProgramRun] {
        let cache = "FILE:\(directory)/ccache-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: String(cache.dropFirst(5))) }
        var runs = [try ProgramRun.run("/usr/bin/env", ["KRB5CCNAME=\(cache)", "kinit", "-k", "-t", keytab, principal])]
        for service in checkServices where runs.last?.status == 0 {
            runs.append(try ProgramRun.run("/usr/bin/env", ["KRB5CCNAME=\(cache)", "kvno", "-k", keytab, service]))
        }
        return runs
    }

    /// A configuration file for the lab's realm and host keytab, with `body` appended.
    public static func configuration(_ body: String, servers: [String]? = nil, in directory: TemporaryDirectory) -> String {
        var text = "[domain]\nrealm = \"\(realm)\"\n"
        if let servers { text += "servers = [\(servers.map { "\"\($0)\"" }.joined(separator: ", "))]\n" }
        text += "[host]\nkeytab = \"\(hostKeytab)\"\n"
        if !body.contains("[daemon]") { text += "[daemon]\nstate_directory = \"\(directory.file("state"))\"\n" }
        text += "\(body)\n"
        let path = directory.file("gmsa-keytabd.toml")
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }
}
