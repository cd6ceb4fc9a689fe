import GMSACore
import GMSAKerberos

/// An account to keep a keytab for: configured by name, or found by discovery.
public struct AccountTarget: Sendable {
    public var name: ServiceAccountName
    public var keytab: String
    public var settings: Configuration.KeytabSettings
    /// Whether ``keytab`` is the private key file of an account with only a ticket cache.
    public var keytabIsPrivate: Bool = false
    /// The ticket cache to keep, if any.
    public var ticketCache: Configuration.TicketCacheSettings? = nil
    /// Whether it came from `[discovery]` rather than an `[[account]]` block.
    public var discovered: Bool
    /// Why its keytab must not be written (a discovered name made the template point at a protected file).
    public var refusal: String?

    /// Owner and mode its keytab gets.
    public var fileOptions: KeytabFileOptions {
        KeytabFileOptions(mode: settings.mode, owner: settings.owner, group: settings.group)
    }

    /// Configured accounts first, then readable discovered ones that are neither configured nor excluded.
    public static func targets(configuration: Configuration, discovered: [ManagedAccount]) -> [AccountTarget] {
        targets(configuration: configuration, readable: discovered.filter(\.isReadable).map(\.name))
    }

    /// Configured accounts first, then the discovered readable `names` that are neither configured nor excluded.
    public static func targets(configuration: Configuration, readable names: [ServiceAccountName]) -> [AccountTarget] {
        var targets = configuration.accounts.map {
            AccountTarget(
                name: $0.name, keytab: $0.keytab, settings: $0.settings, keytabIsPrivate: $0.keytabIsPrivate,
                ticketCache: $0.ticketCache, discovered: false)
        }
        guard let discovery = configuration.discovery else { return targets }
        for name in Set(names).sorted()
        where configuration.account(named: name) == nil && !discovery.exclude.contains(name) {
            let keytab = discovery.keytab(for: name)
            let ticketCache = discovery.ticketCache(for: name)
            targets.append(
                AccountTarget(
                    name: name, keytab: keytab, settings: discovery.settings, keytabIsPrivate: discovery.keytabIsPrivate,
                    ticketCache: ticketCache, discovered: true,
                    refusal: refusal(forDiscovered: keytab, protectedFiles: discovery.protectedFiles)
                        ?? ticketCache.flatMap {
                            refusal(forDiscovered: $0.path, kind: "ticket cache", template: "ccache", protectedFiles: discovery.protectedFiles)
                        }))
        }
        return targets
    }
}

extension AccountTarget {
    /// Why a discovered account's keytab path (the template filled with its name) must not be written: it is
    /// one of the protected files (same path, or the same file under another name) or a directory.
    static func refusal(
        forDiscovered file: String, kind: String = "keytab", template: String = "keytab", protectedFiles: [String: String]
    ) -> String? {
        let normalized = PathText.normalized(file)
        let found = FileManagerLite.identity(file)
        for (path, what) in protectedFiles.sorted(by: { $0.key < $1.key }) {
            if PathText.normalized(path) == normalized || (found != nil && found?.isDirectory == false && FileManagerLite.identity(path) == found) {
                return "the discovery template makes this account's \(kind) \(file), which is \(what); not written "
                    + "(change [discovery] \(template) or add the account to exclude)"
            }
        }
        if found?.isDirectory == true {
            return "the discovery template makes this account's \(kind) \(file), which is a directory; not written"
        }
        return nil
    }
}
