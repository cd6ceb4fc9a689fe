import ArgumentParser
import Foundation
import GMSACore

#if canImport(Glibc)
import Glibc
#endif

/// `-c/--config`, shared by the commands that read the configuration.
struct ConfigurationOptions: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: ArgumentHelp("The configuration file.", valueName: "path"))
    var config: String = Configuration.defaultPath

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
    FileHandle.standardError.write(Data("gmsa-keytabd: error: \(message)\n".utf8))
    Foundation.exit(code.rawValue)
}
