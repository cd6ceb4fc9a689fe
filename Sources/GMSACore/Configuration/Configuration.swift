/// The daemon's validated configuration: one TOML file, `/etc/gmsa-keytabd/gmsa-keytabd.toml` by default.
///
/// Built by ``ConfigurationLoader`` from ``ConfigurationFile``; every value here is checked and has its
/// default applied, so the rest of the program never re-validates. A reload swaps the whole value.
public struct Configuration: Sendable, Equatable {
    /// The default location of the configuration file.
    public static let defaultPath = "/etc/gmsa-keytabd/gmsa-keytabd.toml"

    public struct Domain: Sendable, Equatable {
        /// The Kerberos realm, upper case (`COMPANY.TEST`).
        public var realm: String
        /// The domain's DNS name, lower case (`company.test`).
        public var dnsName: String { realm.lowercased() }
        /// Domain controllers to use, in order; empty means "find them through DNS SRV".
        public var servers: [String]
        /// The host's AD site (`[domain] site`); `nil` means "ask a DC" (``LDAPPing``).
        public var site: String? = nil
    }

    public struct Host: Sendable, Equatable {
        /// The host keytab: the machine account's keys or, on a host that is not joined, a domain user's.
        public var keytab: String
        /// The account to authenticate as, with the realm: the machine account (`LINUXHOST1$@COMPANY.TEST`) or a
        /// domain user allowed to retrieve the passwords (`gmsa-reader@COMPANY.TEST`); `nil` means the first `…$`
        /// entry of the keytab.
        public var principal: String?
    }

    public struct Directory: Sendable, Equatable {
        /// Network and operation timeout for LDAP, in seconds.
        public var timeoutSeconds: Int
        /// Page size for paged searches.
        public var pageSize: Int
        /// Extra SASL security properties (`sasl_secprops`); the minimum SSF of 56 is enforced regardless.
        public var saslSecurityProperties: String?
    }

    /// Who owns a keytab and what it may hold.
    public struct KeytabSettings: Sendable, Equatable {
        public var mode: UInt32
        public var owner: UInt32?
        public var group: UInt32?
        /// Encryption types to write; `nil` follows the account's `msDS-SupportedEncryptionTypes`.
        public var encryptionTypes: [EncryptionType]?
        /// Further principal names to list the keys under, besides `name$@REALM` and the SPNs.
        public var extraPrincipals: [String]

        public init(
            mode: UInt32 = 0o600, owner: UInt32? = nil, group: UInt32? = nil, encryptionTypes: [EncryptionType]? = nil,
            extraPrincipals: [String] = []
        ) {
            self.mode = mode
            self.owner = owner
            self.group = group
            self.encryptionTypes = encryptionTypes
            self.extraPrincipals = extraPrincipals
        }
    }

    /// A ticket cache the daemon keeps for an account: a FILE cache holding the gMSA's TGT, for programs that
    /// act as the gMSA (`KRB5CCNAME=FILE:path`).
    public struct TicketCacheSettings: Sendable, Equatable {
        /// The cache file (`ccache`), without the `FILE:` prefix.
        public var path: String
        /// `ccache_mode`: 0600 by default, at most 0640.
        public var mode: UInt32
        /// `ccache_owner` and `ccache_group`; `nil` leaves the daemon's (root).
        public var owner: UInt32?
        public var group: UInt32?

        public init(path: String, mode: UInt32 = 0o600, owner: UInt32? = nil, group: UInt32? = nil) {
            self.path = path
            self.mode = mode
            self.owner = owner
            self.group = group
        }
    }

    public struct Account: Sendable, Equatable {
        public var name: ServiceAccountName
        /// The keytab the daemon keeps: the configured one, or for an account with only a ticket cache its
        /// private key file under the state directory (``Daemon/keysDirectory``), root's alone.
        public var keytab: String
        public var settings: KeytabSettings
        /// Whether ``keytab`` is the private key file of a cache-only account (no `keytab` configured).
        public var keytabIsPrivate: Bool = false
        /// The ticket cache to keep, if any (`ccache`).
        public var ticketCache: TicketCacheSettings? = nil
        /// A command (argv, no shell) to run after the keytab really changed, e.g.
        /// `["systemctl", "try-reload-or-restart", "web.service"]`.
        public var onChange: [String]?
    }

    public struct Daemon: Sendable, Equatable {
        /// Where the state file lives (`StateDirectory=` of the unit).
        public var stateDirectory: String
        /// The refresh schedule's timings.
        public var refresh: RefreshSettings
        /// How long an `on_change` command may run before it is killed.
        public var onChangeTimeout: Duration

        /// The state file.
        public var stateFile: String { stateDirectory + "/state.json" }
        /// Where accounts with a ticket cache and no keytab keep their keys (mode 0700, root's): the keys never
        /// sit next to the cache, which its owner reads.
        public var keysDirectory: String { Self.keysDirectory(in: stateDirectory) }

        public static func keysDirectory(in stateDirectory: String) -> String { stateDirectory + "/keys" }

        /// The private key file of a cache-only account.
        public func privateKeytab(for account: ServiceAccountName) -> String {
            keysDirectory + "/" + account.baseName + ".keytab"
        }
    }

    public struct Discovery: Sendable, Equatable {
        /// The keytab path template; `{account}` is the account name without `$`. Without `keytab` in
        /// `[discovery]` (caches only) it is the private key file under the state directory.
        public var keytabTemplate: String
        public var settings: KeytabSettings
        /// Whether ``keytabTemplate`` is the private key file template (no `keytab` in `[discovery]`).
        public var keytabIsPrivate: Bool = false
        /// The ticket cache template (`ccache`, `{account}` as for the keytab) and its owner and mode; `nil`
        /// when discovered accounts get no cache.
        public var ticketCacheTemplate: TicketCacheSettings? = nil
        /// Discovered accounts to leave alone.
        public var exclude: Set<ServiceAccountName>
        /// Files no discovered account's keytab may be (path: what it is): the host keytab, this configuration
        /// file, the state and pid files.
        public var protectedFiles: [String: String] = [:]

        /// The keytab path of a discovered account.
        public func keytab(for account: ServiceAccountName) -> String {
            keytabTemplate.replacing("{account}", with: account.baseName)
        }

        /// The ticket cache of a discovered account, if discovery keeps caches.
        public func ticketCache(for account: ServiceAccountName) -> TicketCacheSettings? {
            guard var settings = ticketCacheTemplate else { return nil }
            settings.path = settings.path.replacing("{account}", with: account.baseName)
            return settings
        }
    }

    public var domain: Domain
    public var host: Host
    public var directory: Directory
    public var daemon: Daemon
    public var accounts: [Account]
    /// `nil` when discovery is off.
    public var discovery: Discovery?

    /// The configured entry for an account, if it is listed by name.
    public func account(named name: ServiceAccountName) -> Account? {
        accounts.first { $0.name == name }
    }

    /// The ticket cache the daemon keeps for `name`: its `[[account]]` block's (none when the block sets no
    /// `ccache`; configured accounts keep their own settings), else the discovery template's.
    public func ticketCache(for name: ServiceAccountName) -> TicketCacheSettings? {
        if let account = account(named: name) { return account.ticketCache }
        return discovery?.ticketCache(for: name)
    }

    /// Whether the account's keys are kept only for its ticket cache, in root's private key file (configured with
    /// `ccache` and no `keytab`, or discovered so).
    public func keytabIsPrivate(for name: ServiceAccountName) -> Bool {
        account(named: name)?.keytabIsPrivate ?? discovery?.keytabIsPrivate ?? false
    }
}
