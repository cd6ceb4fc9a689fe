import TOML

/// Reads, decodes and validates the configuration file.
///
/// Syntax errors, unknown keys, wrong types and bad values all become a ``ConfigurationError`` naming the
/// file, line and key. Owner and group names are resolved through the injected lookups, so a typo in a user
/// name is a configuration error too, not a failure at the first write. A name the lookups do not know is
/// reported only when the file is otherwise valid, as ``ConfigurationError/Code/unknownNames`` listing them all:
/// at boot it may be sssd or winbind not answering yet, which `run` waits for. A number is an id as it stands.
public struct ConfigurationLoader: Sendable {
    /// Resolves a user name to a uid (`getpwnam` in production).
    public var userID: @Sendable (String) -> UInt32?
    /// Resolves a group name to a gid (`getgrnam` in production).
    public var groupID: @Sendable (String) -> UInt32?
    /// What is at a path now, following symbolic links (`stat` in production); `nil` when nothing is.
    public var fileIdentity: @Sendable (String) -> FileIdentity?

    /// A file as the kernel knows it: two paths name the same file when device and inode agree.
    public struct FileIdentity: Sendable, Equatable {
        public var device: UInt64
        public var inode: UInt64
        public var isDirectory: Bool

        public init(device: UInt64, inode: UInt64, isDirectory: Bool) {
            self.device = device
            self.inode = inode
            self.isDirectory = isDirectory
        }
    }

    public init(
        userID: @escaping @Sendable (String) -> UInt32?,
        groupID: @escaping @Sendable (String) -> UInt32?,
        fileIdentity: @escaping @Sendable (String) -> FileIdentity? = { _ in nil }
    ) {
        self.userID = userID
        self.groupID = groupID
        self.fileIdentity = fileIdentity
    }

    /// Reads and validates the file at `path`.
    public func load(path: String) throws(ConfigurationError) -> Configuration {
        let bytes: [UInt8]
        switch FileContents.read(path: path) {
        case .success(let contents):
            bytes = contents
        case .failure(let reason):
            throw ConfigurationError(
                path: path, line: nil, key: nil,
                message: "cannot read the configuration file (\(reason.message)); "
                    + "copy the example from config/gmsa-keytabd.toml or pass --config")
        }
        return try parse(bytes: bytes, path: path)
    }

    /// Validates configuration `text`; `path` is only used in messages.
    public func parse(_ text: String, path: String) throws(ConfigurationError) -> Configuration {
        try parse(bytes: Array(text.utf8), path: path)
    }

    /// Validates the configuration file's bytes (UTF-8, as TOML requires); `path` is only used in messages.
    public func parse(bytes: [UInt8], path: String) throws(ConfigurationError) -> Configuration {
        let document: TOMLTable
        do {
            document = try TOMLParser().parse(bytes: bytes)
        } catch {
            throw ConfigurationError(
                path: path, line: error.line, key: nil, message: "syntax error (column \(error.column)): \(error.message)")
        }
        let file: ConfigurationFile
        do {
            file = try ConfigurationFile(document: document)
        } catch {
            throw ConfigurationError(path: path, line: error.line, key: error.key, message: error.message)
        }
        let sourceMap = ConfigurationSourceMap(document: document)
        return try validate(file, path: path) { key, message in
            ConfigurationError(path: path, line: key.flatMap(sourceMap.line(of:)), key: key, message: message)
        }
    }

    private func validate(
        _ file: ConfigurationFile,
        path configurationPath: String,
        fail: (String?, String) -> ConfigurationError
    ) throws(ConfigurationError) -> Configuration {
        guard let realm = file.domain?.realm else {
            if file.setsNothing {
                // The packaged file as installed: every setting commented out.
                throw fail(
                    nil,
                    "not configured yet: set [domain] realm and add [[account]] blocks or a [discovery] section "
                        + "(see gmsa-keytabd.toml(5)), then run 'gmsa-keytabd check'")
            }
            throw fail("domain.realm", "required key is missing, e.g. [domain] realm = \"COMPANY.TEST\"")
        }
        guard Self.isDomainName(realm) else {
            let shown = realm.count > 80 ? "a \(realm.utf8.count)-byte string" : "'\(realm)'"
            throw fail(
                "domain.realm",
                "\(shown) is not a realm: use the domain's DNS name (labels of letters, digits and '-', at most 63 "
                    + "characters each and 253 in all), e.g. \"COMPANY.TEST\"")
        }
        let servers = file.domain?.servers ?? []
        for (index, server) in servers.enumerated() where DomainController(parsing: server) == nil {
            throw fail(
                "domain.servers",
                "entry \(index + 1) '\(server)' is not a host name with an optional port (give names like "
                    + "\"dc1.company.test\" or \"dc1.company.test:3389\", no URL; port 1-65535)")
        }
        if let site = file.domain?.site, !ClientSite.isValidName(site) {
            throw fail(
                "domain.site",
                "'\(site.prefix(80))' is not an AD site name usable in DNS (one label of letters, digits, '-' and '_', "
                    + "at most 63 characters), e.g. \"Default-First-Site-Name\"")
        }

        let hostKeytab = file.host?.keytab ?? "/etc/krb5.keytab"
        guard hostKeytab.hasPrefix("/") else { throw fail("host.keytab", "'\(hostKeytab)' must be an absolute path") }
        if let problem = PathText.lengthProblem(hostKeytab) { throw fail("host.keytab", "the path \(problem)") }
        let stateDirectory = file.daemon?.stateDirectory ?? "/var/lib/gmsa-keytabd"
        guard stateDirectory.hasPrefix("/") else {
            throw fail("daemon.state_directory", "'\(stateDirectory)' must be an absolute path")
        }
        if let problem = PathText.lengthProblem(stateDirectory + "/state.json") {
            throw fail("daemon.state_directory", "the path \(problem)")
        }
        let protected = ProtectedFiles(
            hostKeytab: hostKeytab, configuration: configurationPath, stateDirectory: stateDirectory, identity: fileIdentity)
        var hostPrincipal = file.host?.principal
        if let principal = hostPrincipal {
            guard !principal.isEmpty, !principal.contains(" ") else {
                throw fail(
                    "host.principal", "'\(principal)' is not a principal name such as \"LINUXHOST1$\" or \"gmsa-reader\"")
            }
            if !principal.contains("@") { hostPrincipal = principal + "@" + realm.uppercased() }
        }

        let timeout = file.ldap?.timeout ?? 30
        guard (1...600).contains(timeout) else { throw fail("ldap.timeout", "\(timeout) is out of range: give seconds from 1 to 600") }
        let pageSize = file.ldap?.pageSize ?? 500
        guard (1...5000).contains(pageSize) else { throw fail("ldap.page_size", "\(pageSize) is out of range: give 1 to 5000") }

        var accounts: [Configuration.Account] = []
        var unknownNames: [(name: ConfigurationError.UnknownName, error: ConfigurationError)] = []
        var names: [ServiceAccountName: (key: String, name: ServiceAccountName)] = [:]
        // Every keytab and cache path given so far (normalized), with what it is: no two may be one file.
        var files: [String: String] = [:]
        func claim(_ path: String, as what: String, key: String) throws(ConfigurationError) {
            let normalized = PathText.normalized(path)
            if let other = files[normalized] {
                throw fail(key, "\(path) is already \(other); give each account its own files")
            }
            files[normalized] = what
        }
        for (index, entry) in (file.account ?? []).enumerated() {
            let key = "account[\(index + 1)]"
            guard let rawName = entry.name else { throw fail(key, "name is required, e.g. name = \"msa-web$\"") }
            let name: ServiceAccountName
            do {
                name = try ServiceAccountName(rawName)
            } catch {
                throw fail("\(key).name", error.reason + " ('\(rawName)')")
            }
            // AD compares sAMAccountNames without case: `msa-web` and `MSA-WEB` are one account.
            if let first = names[name] {
                let firstKey = "\(first.key).name"
                let place = fail(firstKey, "").line.map { "\(firstKey) on line \($0)" } ?? firstKey
                let spelling = first.name.samAccountName == name.samAccountName ? "" : " as \(first.name)"
                throw fail(
                    "\(key).name",
                    "\(name) is listed twice (\(place) names it\(spelling); AD compares account names without case): "
                        + "keep one [[account]] block")
            }
            names[name] = ("\(key)", name)
            let ticketCache = try ticketCacheSettings(
                entry.ticketCache, key: key, setting: "account \(name)", template: false, protected: protected,
                unknownNames: &unknownNames, fail: fail)
            let keytab: String
            if let configured = entry.keytab {
                guard configured.hasPrefix("/"), !configured.hasSuffix("/") else {
                    throw fail("\(key).keytab", "'\(configured)' must be an absolute file path")
                }
                if let problem = Self.pathProblem(configured, kind: "keytab", protected: protected) {
                    throw fail("\(key).keytab", problem)
                }
                keytab = configured
            } else if ticketCache != nil {
                try refuseKeytabSettings(
                    owner: entry.owner, group: entry.group, mode: entry.mode, key: key, setting: "\(name)",
                    stateDirectory: stateDirectory, fail: fail)
                keytab = Configuration.Daemon.keysDirectory(in: stateDirectory) + "/\(name.baseName).keytab"
            } else {
                throw fail(
                    key,
                    "keytab or ccache is required for \(name), e.g. keytab = \"/var/lib/gmsa-keytabd/\(name.baseName).keytab\" "
                        + "or ccache = \"/run/gmsa-keytabd/\(name.baseName).ccache\"")
            }
            try claim(keytab, as: "the keytab of \(name.samAccountName)", key: "\(key).keytab")
            if let ticketCache {
                try claim(ticketCache.path, as: "the ticket cache of \(name.samAccountName)", key: "\(key).ccache")
            }
            let settings = try keytabSettings(
                key: key, setting: "account \(name)", owner: entry.owner, group: entry.group, mode: entry.mode,
                enctypes: entry.enctypes, principals: entry.principals, unknownNames: &unknownNames, fail: fail)
            if let command = entry.onChange {
                guard let program = command.first, !program.isEmpty else {
                    throw fail("\(key).on_change", "give the command as a list: [\"systemctl\", \"try-reload-or-restart\", \"web.service\"]")
                }
                guard program.hasPrefix("/") || !program.contains("/") else {
                    throw fail("\(key).on_change", "'\(program)' must be an absolute path or a bare name found on PATH")
                }
            }
            accounts.append(
                Configuration.Account(
                    name: name, keytab: keytab, settings: settings, keytabIsPrivate: entry.keytab == nil, ticketCache: ticketCache,
                    onChange: entry.onChange))
        }

        var discovery: Configuration.Discovery?
        if let section = file.discovery, section.enabled ?? true {
            let cacheTemplate = try ticketCacheSettings(
                section.ticketCache, key: "discovery", setting: "[discovery]", template: true, protected: protected,
                unknownNames: &unknownNames, fail: fail)
            let template: String
            if let configured = section.keytab {
                guard configured.hasPrefix("/"), configured.contains("{account}") else {
                    throw fail("discovery.keytab", "'\(configured)' must be an absolute path containing {account}")
                }
                if let problem = Self.pathProblem(configured, kind: "keytab", protected: nil) { throw fail("discovery.keytab", problem) }
                if let cacheTemplate, PathText.normalized(cacheTemplate.path) == PathText.normalized(configured) {
                    throw fail("discovery.ccache", "'\(cacheTemplate.path)' is the keytab template too; give caches their own path")
                }
                template = configured
            } else if cacheTemplate != nil {
                try refuseKeytabSettings(
                    owner: section.owner, group: section.group, mode: section.mode, key: "discovery", setting: "[discovery]",
                    stateDirectory: stateDirectory, fail: fail)
                template = Configuration.Daemon.keysDirectory(in: stateDirectory) + "/{account}.keytab"
            } else {
                throw fail(
                    "discovery",
                    "keytab or ccache is required when discovery is enabled, e.g. keytab = \"/var/lib/gmsa-keytabd/{account}.keytab\"")
            }
            var exclude = Set<ServiceAccountName>()
            for name in section.exclude ?? [] {
                do {
                    exclude.insert(try ServiceAccountName(name))
                } catch {
                    throw fail("discovery.exclude", error.reason + " ('\(name)')")
                }
            }
            let settings = try keytabSettings(
                key: "discovery", setting: "[discovery]", owner: section.owner, group: section.group, mode: section.mode,
                enctypes: section.enctypes, principals: nil, unknownNames: &unknownNames, fail: fail)
            // A discovered account's name is only known at run time: its keytab is checked then, against these.
            let protectedFiles = ProtectedFiles.list(
                hostKeytab: hostKeytab, configuration: configurationPath, stateDirectory: stateDirectory)
            discovery = Configuration.Discovery(
                keytabTemplate: template, settings: settings, keytabIsPrivate: section.keytab == nil,
                ticketCacheTemplate: cacheTemplate, exclude: exclude,
                protectedFiles: Dictionary(protectedFiles.map { ($0.path, $0.what) }, uniquingKeysWith: { first, _ in first }))
        }

        var refresh = RefreshSettings()
        func duration(_ text: String?, _ key: String, within range: ClosedRange<Int64>) throws(ConfigurationError) -> Duration? {
            guard let text else { return nil }
            guard let value = DurationText.parse(text), range.contains(value.components.seconds) else {
                throw fail(
                    "daemon.\(key)",
                    "'\(text)' is not a duration between \(DurationText.format(.seconds(range.lowerBound))) and "
                        + "\(DurationText.format(.seconds(range.upperBound))), e.g. \"10h 5m\"")
            }
            return value
        }
        if let value = try duration(file.daemon?.retention, "retention", within: 0...(30 * 86_400)) { refresh.retention = value }
        if let value = try duration(file.daemon?.probeInterval, "probe_interval", within: 60...(7 * 86_400)) {
            refresh.probeInterval = value
        }
        let onChangeTimeout = try duration(file.daemon?.onChangeTimeout, "on_change_timeout", within: 1...3600) ?? .seconds(60)
        if var error = unknownNames.first?.error {
            error.code = .unknownNames
            error.unknownNames = unknownNames.map(\.name)
            throw error
        }

        return Configuration(
            domain: Configuration.Domain(realm: realm.uppercased(), servers: servers, site: file.domain?.site),
            host: Configuration.Host(keytab: hostKeytab, principal: hostPrincipal),
            directory: Configuration.Directory(
                timeoutSeconds: timeout, pageSize: pageSize, saslSecurityProperties: file.ldap?.saslSecprops),
            daemon: Configuration.Daemon(stateDirectory: stateDirectory, refresh: refresh, onChangeTimeout: onChangeTimeout),
            accounts: accounts,
            discovery: discovery)
    }

    /// The ticket cache settings of an `[[account]]` or `[discovery]` (`template`: `{account}` required), or
    /// `nil` when it sets no `ccache`; `ccache_owner` and friends without `ccache` are an error.
    private func ticketCacheSettings(
        _ file: ConfigurationFile.TicketCache,
        key: String,
        setting: String,
        template: Bool,
        protected: ProtectedFiles,
        unknownNames: inout [(name: ConfigurationError.UnknownName, error: ConfigurationError)],
        fail: (String?, String) -> ConfigurationError
    ) throws(ConfigurationError) -> Configuration.TicketCacheSettings? {
        guard var path = file.path else {
            let stray = [("ccache_owner", file.owner), ("ccache_group", file.group), ("ccache_mode", file.mode?.text)]
            if let (name, _) = stray.first(where: { $0.1 != nil }) {
                throw fail(
                    "\(key).\(name)",
                    "applies to a ticket cache and \(setting) has none: add ccache = \"/run/gmsa-keytabd/NAME.ccache\" or remove it")
            }
            return nil
        }
        if path.hasPrefix("FILE:") {
            path.removeFirst(5)
        } else if !path.hasPrefix("/"), let colon = path.firstIndex(of: ":") {
            throw fail(
                "\(key).ccache",
                "'\(path[..<colon].prefix(20)):' caches are not supported: gmsa-keytabd keeps FILE caches only (a file "
                    + "outlives the daemon, belongs to the user who reads it, and is the only kind Java and Go read); "
                    + "give a path such as \"/run/gmsa-keytabd/msa-app.ccache\"")
        }
        guard path.hasPrefix("/"), !path.hasSuffix("/") else {
            throw fail("\(key).ccache", "'\(path)' must be an absolute file path, e.g. \"/run/gmsa-keytabd/msa-app.ccache\"")
        }
        if template, !path.contains("{account}") {
            throw fail("\(key).ccache", "'\(path)' must contain {account}, e.g. \"/run/gmsa-keytabd/{account}.ccache\"")
        }
        if let problem = Self.pathProblem(path, kind: "ticket cache", protected: template ? nil : protected) {
            throw fail("\(key).ccache", problem)
        }
        var settings = Configuration.TicketCacheSettings(path: path)
        if let mode = file.mode {
            let value = try fileMode(mode, key: "\(key).ccache_mode", fail: fail)
            guard value & ~0o640 == 0 else {
                throw fail(
                    "\(key).ccache_mode",
                    "\(mode.text) gives more than a ticket cache may have: at most \"0640\" (owner reads and writes, "
                        + "group reads); the cache holds a usable TGT of the gMSA")
            }
            settings.mode = value
        }
        if let owner = file.owner {
            settings.owner = try fileOwnerID(
                owner, kind: .user, key: "\(key).ccache_owner", setting: setting, unknownNames: &unknownNames, fail: fail)
        }
        if let group = file.group {
            settings.group = try fileOwnerID(
                group, kind: .group, key: "\(key).ccache_group", setting: setting, unknownNames: &unknownNames, fail: fail)
        }
        return settings
    }

    /// A cache-only account has no keytab to own: `owner`, `group` or `mode` there is a mix-up with the cache's.
    private func refuseKeytabSettings(
        owner: String?, group: String?, mode: ConfigurationFile.FileMode?, key: String, setting: String,
        stateDirectory: String, fail: (String?, String) -> ConfigurationError
    ) throws(ConfigurationError) {
        let given = [("owner", owner), ("group", group), ("mode", mode?.text)]
        guard let (name, _) = given.first(where: { $0.1 != nil }) else { return }
        throw fail(
            "\(key).\(name)",
            "applies to the keytab and \(setting) has only a ticket cache (its keys stay in root's "
                + "\(Configuration.Daemon.keysDirectory(in: stateDirectory))): use ccache_\(name), or give a keytab")
    }

    /// Whether `name` is a DNS domain name: dot-separated labels of letters, digits and inner hyphens,
    /// 1 to 63 characters each, 253 in all (RFC 1035 2.3.4).
    static func isDomainName(_ name: String) -> Bool {
        guard (1...253).contains(name.utf8.count) else { return false }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D
                }
        }
    }

    private func keytabSettings(
        key: String,
        setting: String,
        owner: String?,
        group: String?,
        mode: ConfigurationFile.FileMode?,
        enctypes: [String]?,
        principals: [String]?,
        unknownNames: inout [(name: ConfigurationError.UnknownName, error: ConfigurationError)],
        fail: (String?, String) -> ConfigurationError
    ) throws(ConfigurationError) -> Configuration.KeytabSettings {
        var settings = Configuration.KeytabSettings(mode: 0o600, owner: nil, group: nil, encryptionTypes: nil, extraPrincipals: [])
        if let mode {
            let value = try fileMode(mode, key: "\(key).mode", fail: fail)
            guard value & 0o007 == 0 else {
                throw fail("\(key).mode", "\(mode.text) would let every user read the keys; use at most \"0640\"")
            }
            settings.mode = value
        }
        if let owner {
            settings.owner = try fileOwnerID(
                owner, kind: .user, key: "\(key).owner", setting: setting, unknownNames: &unknownNames, fail: fail)
        }
        if let group {
            settings.group = try fileOwnerID(
                group, kind: .group, key: "\(key).group", setting: setting, unknownNames: &unknownNames, fail: fail)
        }
        if let enctypes {
            do {
                settings.encryptionTypes = try EncryptionType.parseList(enctypes.joined(separator: ","))
            } catch {
                throw fail("\(key).enctypes", error.description)
            }
        }
        for principal in principals ?? [] where principal.isEmpty || principal.contains(" ") {
            throw fail("\(key).principals", "'\(principal)' is not a principal name")
        }
        settings.extraPrincipals = principals ?? []
        return settings
    }

    /// Why a keytab or ticket cache path (`kind`) cannot be used: too long for the system or, given the protected
    /// files, one of them. A `{account}` template (`protected` is `nil`: a discovered account's file is checked
    /// when its name is known) is measured with the longest sAMAccountName, 20 characters.
    static func pathProblem(_ path: String, kind: String, protected: ProtectedFiles?) -> String? {
        let longest = protected == nil ? path.replacing("{account}", with: String(repeating: "x", count: 20)) : path
        if let problem = PathText.lengthProblem(longest) { return "the path \(problem)" }
        return protected?.refusal(for: path, kind: kind)
    }

    /// The permission bits a `mode` or `ccache_mode` setting gives (octal digits, at most 0777); each setting
    /// then applies its own limit.
    private func fileMode(
        _ mode: ConfigurationFile.FileMode, key: String, fail: (String?, String) -> ConfigurationError
    ) throws(ConfigurationError) -> UInt32 {
        guard let value = UInt32(mode.text, radix: 8), value <= 0o777 else {
            throw fail(key, "'\(mode.text)' is not a file mode; write it as a string of octal digits, e.g. \"0640\"")
        }
        return value
    }

    /// The uid or gid an `owner` or `group` setting names: a number as it stands, a name through the host's
    /// lookup. A name the host does not know is collected in `unknownNames` (the daemon may wait for it) and
    /// gives `nil`.
    private func fileOwnerID(
        _ text: String,
        kind: ConfigurationError.UnknownName.Kind,
        key: String,
        setting: String,
        unknownNames: inout [(name: ConfigurationError.UnknownName, error: ConfigurationError)],
        fail: (String?, String) -> ConfigurationError
    ) throws(ConfigurationError) -> UInt32? {
        if let number = UInt32(text) {
            // (uid_t)-1 and (gid_t)-1 mean "leave as it is" to chown(2).
            guard number != .max else { throw fail(key, "\(text) is not a \(kind.rawValue) id") }
            return number
        }
        if let id = kind == .user ? userID(text) : groupID(text) { return id }
        let database = kind == .user ? "passwd" : "group"
        unknownNames.append(
            (ConfigurationError.UnknownName(kind: kind, name: text, setting: setting),
            fail(key, "no \(kind.rawValue) '\(text)' on this host (check: getent \(database) \(text))")))
        return nil
    }
}
