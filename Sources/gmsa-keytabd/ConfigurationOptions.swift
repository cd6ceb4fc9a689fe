import GMSACore

#if canImport(Glibc)
import Glibc
#endif

/// `-c/--config`, shared by the commands that read the configuration.
struct ConfigurationOptions {
    var config: String

    init(_ arguments: ParsedArguments) {
        config = arguments.value(CommandSpec.Option.config.name) ?? Configuration.defaultPath
    }

    /// The loader with this host's user and group lookups.
    var loader: ConfigurationLoader {
        ConfigurationLoader(
            userID: { name in getpwnam(name).map { $0.pointee.pw_uid } },
            groupID: { name in getgrnam(name).map { $0.pointee.gr_gid } },
            fileIdentity: { path in
                var status = stat()
                guard stat(path, &status) == 0 else { return nil }
                return ConfigurationLoader.FileIdentity(
                    device: UInt64(status.st_dev), inode: UInt64(status.st_ino), isDirectory: status.st_mode & S_IFMT == S_IFDIR)
            })
    }

    /// Loads and validates the file, or exits with EX_CONFIG (78) and the error.
    func load() -> Configuration {
        do {
            return try loader.load(path: config)
        } catch {
            exitWithError("\(error)", .configurationError)
        }
    }
}

/// Prints `gmsa-keytabd: error: …` to standard error and exits.
func exitWithError(_ message: String, _ code: ExitCode) -> Never {
    printToStandardError("gmsa-keytabd: error: \(message)")
    exit(code.rawValue)
}

/// Writes `line` and a newline to standard error, unbuffered.
func printToStandardError(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    var written = 0
    while written < bytes.count {
        let count = bytes[written...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { return }
        written += count
    }
}
