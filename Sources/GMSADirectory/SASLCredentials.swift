/// GSSAPI initiator credentials for a SASL GSSAPI bind: a `gss_cred_id_t` and the object that owns it.
///
/// The Kerberos edge (`HostCredentials`) makes them from its private `MEMORY:` credential cache; libldap
/// gets them per connection (`LDAP_OPT_X_SASL_GSS_CREDS`), so the bind never looks at `KRB5CCNAME` or the
/// process's default cache. `owner` keeps the credential alive for as long as a connection holds this.
public struct SASLCredentials {
    /// The `gss_cred_id_t`.
    public let handle: OpaquePointer
    /// Keeps `handle` valid.
    let owner: AnyObject

    public init(handle: OpaquePointer, owner: AnyObject) {
        self.handle = handle
        self.owner = owner
    }
}
