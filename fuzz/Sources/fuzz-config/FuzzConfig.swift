import FuzzSupport
import GMSACore

/// Hostile configuration files for ``ConfigurationLoader`` (``TOMLParser`` included): every input either
/// loads into a valid ``Configuration`` or throws a ``ConfigurationError`` that names a line or a key.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let configuration: Configuration
    do {
        configuration = try loader.parse(bytes: bytes, path: "/etc/gmsa-keytabd/gmsa-keytabd.toml")
    } catch {
        checkError(error, text: String(decoding: bytes, as: UTF8.self))
        return 0
    }
    checkValid(configuration)
    return 0
}

/// Two users and groups exist; paths under /srv are files, /srv/dir/ a directory, the rest do not exist.
let loader = ConfigurationLoader(
    userID: { ["root": 0, "daemon": 1][$0] },
    groupID: { ["root": 0, "daemon": 1][$0] },
    fileIdentity: { path in
        guard path.hasPrefix("/srv") else { return nil }
        return ConfigurationLoader.FileIdentity(device: 1, inode: UInt64(path.utf8.count), isDirectory: path.hasPrefix("/srv/dir"))
    })

func checkError(_ error: ConfigurationError, text: String) {
    fuzzCheck(!error.message.isEmpty, "configuration error with an empty message (key \(error.key ?? "none"))")
    // The whole-file "not configured yet" error is the one that has no place to point at.
    fuzzCheck(
        error.line != nil || error.key != nil || error.message.hasPrefix("not configured yet"),
        "configuration error names neither a line nor a key: \(error.message.prefix(200))")
    if let line = error.line {
        let lineCount = text.utf8.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        fuzzCheck((1...lineCount + 1).contains(line), "error on line \(line) of a \(lineCount)-line file")
    }
    if let key = error.key { fuzzCheck(!key.isEmpty, "configuration error with an empty key name") }
}

func checkValid(_ configuration: Configuration) {
    let realm = configuration.domain.realm
    fuzzCheck(!realm.isEmpty && realm == realm.uppercased() && !realm.contains(" "), "loaded an invalid realm")
    fuzzCheck(configuration.host.keytab.hasPrefix("/"), "loaded a relative host keytab path")
    fuzzCheck(configuration.daemon.stateDirectory.hasPrefix("/"), "loaded a relative state directory")
    fuzzCheck((1...600).contains(configuration.directory.timeoutSeconds), "loaded an LDAP timeout out of range")
    fuzzCheck((1...5000).contains(configuration.directory.pageSize), "loaded an LDAP page size out of range")
    let names = configuration.accounts.map(\.name)
    fuzzCheck(Set(names).count == names.count, "loaded an account twice")
    let keytabs = configuration.accounts.map(\.keytab)
    fuzzCheck(Set(keytabs).count == keytabs.count, "loaded two accounts with one keytab")
    let settings = configuration.accounts.map(\.settings) + (configuration.discovery.map { [$0.settings] } ?? [])
    for setting in settings {
        fuzzCheck(setting.mode & 0o007 == 0 && setting.mode <= 0o777, "loaded a keytab mode that others can read")
        fuzzCheck(setting.encryptionTypes.map { !$0.isEmpty } ?? true, "loaded an empty enctype list")
    }
    for account in configuration.accounts {
        fuzzCheck(account.keytab.hasPrefix("/") && !account.keytab.hasSuffix("/"), "loaded an account keytab that is no file path")
        fuzzCheck(account.keytab != configuration.host.keytab, "loaded an account that writes the host keytab")
    }
    if let discovery = configuration.discovery {
        fuzzCheck(discovery.keytabTemplate.contains("{account}"), "loaded a discovery keytab without {account}")
    }
}
