import GMSACore

/// An account to keep a keytab for: configured by name, or found by discovery.
public struct AccountTarget: Sendable {
    public var name: ServiceAccountName
    public var keytab: String
    public var settings: Configuration.KeytabSettings
    /// Whether it came from `[discovery]` rather than an `[[account]]` block.
    public var discovered: Bool

    /// Configured accounts first, then readable discovered ones that are neither configured nor excluded.
    public static func targets(configuration: Configuration, discovered: [ManagedAccount]) -> [AccountTarget] {
        var targets = configuration.accounts.map {
            AccountTarget(name: $0.name, keytab: $0.keytab, settings: $0.settings, discovered: false)
        }
        guard let discovery = configuration.discovery else { return targets }
        for account in discovered.sorted(by: { $0.name < $1.name })
        where account.isReadable && configuration.account(named: account.name) == nil
            && !discovery.exclude.contains(account.name)
        {
            targets.append(
                AccountTarget(
                    name: account.name, keytab: discovery.keytab(for: account.name), settings: discovery.settings,
                    discovered: true))
        }
        return targets
    }
}
