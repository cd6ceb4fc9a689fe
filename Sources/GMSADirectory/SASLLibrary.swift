import CLDAP

/// The process's cyrus-sasl set up for this daemon, once, before libldap's first SASL bind: the wiping
/// allocator (``WipingAllocator``), then the client side initialised with only the GSSAPI plugin.
///
/// cyrus-sasl otherwise loads every plugin in its directory (anonymous, plain, login, cram-md5, digest-md5,
/// ntlm, scram, gs2, sasldb), and with them libcrypto and libdb: about 2 MiB resident that a GSSAPI-only
/// client never uses. libldap's own `sasl_client_init` later only counts a reference.
public enum SASLLibrary {
    private static let initialisation: Int32 = {
        WipingAllocator.install()
        return gmsa_sasl_client_init_gssapi_only()
    }()

    /// Sets cyrus-sasl up (once; later calls do nothing). A failure here is not fatal: libldap's bind then
    /// initialises cyrus-sasl itself and reports what is wrong.
    public static func prepare() {
        _ = initialisation
    }
}
