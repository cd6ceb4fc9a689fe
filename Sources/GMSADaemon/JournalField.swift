/// Field names and message ids of gmsa-keytabd's journal entries.
///
/// journald keeps only field names of upper-case letters, digits and underscores; lower-case names are
/// dropped. The message ids are stable: alerts and `systemd/gmsa-keytabd.catalog` refer to them.
public enum JournalField {
    public static let account = "GMSA_ACCOUNT"
    public static let keyVersion = "KVNO"
    public static let keytab = "KEYTAB"
    public static let domainController = "DC"
    /// The host's AD site, on the line that says which site orders the DCs.
    public static let site = "SITE"
    public static let nextRefresh = "NEXT_REFRESH"
    /// A ticket cache's path, on entries about it.
    public static let ticketCache = "GMSA_CCACHE"
    /// When the cache's ticket expires (UTC, `2025-06-01T12:00:00Z`).
    public static let ticketExpires = "TICKET_EXPIRES"
    /// Which stream of an `on_change` command a line of its output came from: `stdout` or `stderr`.
    public static let hookStream = "GMSA_HOOK_STREAM"
    public static let messageID = "MESSAGE_ID"

    /// Stable ids (128-bit, as `journalctl MESSAGE_ID=` expects them).
    public enum MessageID {
        /// A keytab was rewritten with new keys.
        public static let keytabUpdated = "8d3b5c0ae8e54f6f9b2a1f04c6d7e901"
        /// The next key (K+1) was added inside the 5-minute window before a password change.
        public static let rolloverStaged = "2f6e9a41c7b84d0e8a5b3c92d1e0f4a7"
        /// The DC withheld the password: this host may not read the account.
        public static let accountNotReadable = "c41a7e2b9d064f3a86e5b0d7f2a9c318"
        /// Reading or writing an account failed; the last good keytab is still in place.
        public static let refreshFailed = "5b0e8d3f6a2c4e19b7d4a1c0e9f83625"
        /// Something else deleted, replaced, truncated or re-permissioned a keytab; the daemon wrote it again.
        public static let keytabRepaired = "e7a2c94f1b3d4d8e9f60a5b7c2d1e348"
        /// The read after a password change found the staged key (K+1) current: the rollover is complete.
        public static let rolloverConfirmed = "3b8f1d6a2c9e4f70a1d5c8e2b4f69a03"
        /// The account's `msDS-SupportedEncryptionTypes` has no AES type: the KDC issues RC4 tickets for it.
        public static let rc4Only = "6b29b581fdd345f09c07a343672a5019"
        /// The directory's key replaced a key the keytab held under the same kvno (a re-created account, a
        /// keytab of another tool, a reset that overtook the staged key).
        public static let keysReplaced = "a9d04c7e5b1f4e2a8c63f0b9d2e71c45"
        /// A pass spent its budget for finding a DC before one answered; the next pass tries the other DCs.
        public static let passBudgetSpent = "2459f6df995f40889e239bbfa04cccdb"
        /// A ticket cache got a new TGT from the account's keys: its first, or a new one after a password change,
        /// an expiry or at renew-until.
        public static let ticketCacheAcquired = "fe296d805bd640aaa6ae8e4d76eb9d35"
        /// A ticket cache's TGT was renewed (TGS renewal, no long-term key).
        public static let ticketCacheRenewed = "1ba2bd93ed9c4df29940106f61ad157d"
        /// Something else deleted, damaged or re-permissioned a ticket cache; the daemon wrote it anew.
        public static let ticketCacheRepaired = "1d75d2622f594079a1348c8dd28e4fd2"
        /// A ticket cache was removed once its ticket expired: this host may no longer read the account, or the
        /// account is no longer configured.
        public static let ticketCacheRemoved = "9e6985240e584ba9abe80a9e5321532c"
        /// Renewing, acquiring or removing a ticket cache failed; it is tried again.
        public static let ticketCacheFailed = "1c561923b6db477e9ce659de71cebc8c"
    }

    /// A journal field name for a metadata key: upper case, anything but letters and digits becomes `_`,
    /// never starting with `_` or a digit (those are reserved or invalid).
    public static func name(for key: String) -> String {
        var name = String(key.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        while name.first == "_" || name.first?.isNumber == true { name.removeFirst() }
        return name.isEmpty ? "FIELD" : String(name.prefix(64))
    }
}
