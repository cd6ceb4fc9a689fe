import GMSACore
import GMSADirectory

/// Finds the accounts to handle and what the directory says about each: the configured ones, merged with what
/// discovery finds (an `[[account]]` block wins over discovery's exclude list and template).
public struct AccountLookup {
    public let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// One account to handle and the directory's view of it (`nil`: no such gMSA).
    public typealias Found = (target: AccountTarget, account: ManagedAccount?)

    /// The accounts to handle, in configuration order, then discovered ones by name.
    public func accounts(in directory: ManagedAccountDirectory) throws(DirectoryError) -> [Found] {
        try survey(directory).accounts
    }

    /// ``accounts(in:)`` plus the gMSAs discovery found but may not read (for `check`).
    public func survey(
        _ directory: ManagedAccountDirectory
    ) throws(DirectoryError) -> (accounts: [Found], unreadable: [ManagedAccount]) {
        var known: [ServiceAccountName: ManagedAccount] = [:]
        var discovered: [ManagedAccount] = []
        if let discovery = configuration.discovery {
            // Excluded accounts' passwords are never read, unless an [[account]] block names them.
            discovered = try directory.discover(excluding: discovery.exclude.subtracting(configuration.accounts.map(\.name)))
            for account in discovered { known[account.name] = account }
        } else if !configuration.accounts.isEmpty {
            known = try directory.read(configuration.accounts.map(\.name))
        }
        let accounts = AccountTarget.targets(configuration: configuration, discovered: discovered).map { ($0, known[$0.name]) }
        let unreadable = discovered.filter { !$0.isReadable && configuration.account(named: $0.name) == nil }
        return (accounts, unreadable)
    }
}
