import GMSACore
import GMSAKerberos

/// An account to keep a keytab for: configured by name, or found by discovery.
public struct AccountTarget: Sendable {
    public var name: ServiceAccountName
    public var keytab: String
    public var settings: Configuration.KeytabSettings
    /// Whether it came from `[discovery]` rather than an `[[account]]` block.
    public var discovered: Bool

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
            AccountTarget(name: $0.name, keytab: $0.keytab, settings: $0.settings, discovered: false)
        }
        guard let discovery = configuration.discovery else { return targets }
        for name in Set(names).sorted()
        where configuration.account(named: name) == nil && !discovery.exclude.contains(name) {
            targets.append(
                AccountTarget(name: name, keytab: discovery.keytab(for: name), settings: discovery.settings, discovered: true))
        }
        return targets
    }
}
