#ifndef GMSA_CLDAP_SHIM_H
#define GMSA_CLDAP_SHIM_H

#define LDAP_DEPRECATED 0
#include <lber.h>
#include <ldap.h>
#include <malloc.h>
#include <sasl/sasl.h>
#include <stdlib.h>
#include <string.h>

// Pointer-valued macros Swift cannot import.
static inline void *gmsa_ldap_opt_on(void) { return LDAP_OPT_ON; }
static inline void *gmsa_ldap_opt_off(void) { return LDAP_OPT_OFF; }
static inline const char *gmsa_ldap_control_paged_results(void) { return LDAP_CONTROL_PAGEDRESULTS; }

// What the SASL interaction callback is given: the GSSAPI initiator credentials for this bind (a
// gss_cred_id_t, or NULL for the default ccache) and whether they reached the SASL context.
struct gmsa_sasl_bind_defaults {
    void *gss_credentials;
    int credentials_applied;
};

// SASL interaction for GSSAPI: no prompts; every requested value (e.g. the authorization identity) is
// left at its default, so the identity is the one in the Kerberos ticket.
//
// It is also the one place where explicit GSSAPI credentials can be handed over: libldap sets
// LDAP_OPT_X_SASL_GSS_CREDS on the connection's SASL context, and ldap_sasl_interactive_bind_s creates a
// new context for every bind (an option set before the bind is lost with the old one). Cyrus-sasl's GSSAPI
// client asks for the authorization name first (SASL_CB_USER, so this callback runs) and reads the
// credentials right after it, before gss_init_sec_context.
static inline int gmsa_ldap_sasl_interact(LDAP *ld, unsigned flags, void *defaults, void *interactions) {
    (void)flags;
    struct gmsa_sasl_bind_defaults *bind = defaults;
    if (bind != NULL && bind->gss_credentials != NULL && !bind->credentials_applied) {
        if (ldap_set_option(ld, LDAP_OPT_X_SASL_GSS_CREDS, bind->gss_credentials) == LDAP_OPT_SUCCESS) {
            bind->credentials_applied = 1;
        }
    }
    for (sasl_interact_t *interaction = interactions; interaction->id != SASL_CB_LIST_END; interaction++) {
        interaction->result = interaction->defresult ? interaction->defresult : "";
        interaction->len = (unsigned)strlen(interaction->result);
    }
    return LDAP_SUCCESS;
}

// SASL GSSAPI bind with `bind->gss_credentials` (never the process's default ccache when they are given;
// check bind->credentials_applied afterwards).
static inline int gmsa_ldap_sasl_gssapi_bind(LDAP *ld, struct gmsa_sasl_bind_defaults *bind) {
    return ldap_sasl_interactive_bind_s(ld, NULL, "GSSAPI", NULL, NULL, LDAP_SASL_QUIET, gmsa_ldap_sasl_interact, bind);
}

// ---- Wiping allocator -------------------------------------------------------------------------------
//
// malloc/calloc/realloc/free that zero every block (its whole usable size, from malloc_usable_size, so
// no size header is needed and blocks allocated before installation are handled as well) with
// explicit_bzero before it goes back to the heap; realloc is allocate + copy + wipe + free.
//
// Installed into cyrus-sasl (sasl_set_alloc), whose GSSAPI plugin keeps the unwrapped (plaintext) LDAP
// PDUs in its decode buffers. Not installed into liblber: LBER_OPT_MEMORY_FNS is only used for
// allocations that carry a memory context (slapd's), and every libldap client allocation passes NULL.

// The test probe: when free or realloc releases the block at `address`, it records whether the block was
// all zero at that moment (1) or not (-1). Tests only; one address at a time.
struct gmsa_wipe_probe {
    const void *address;
    int outcome;
};

static inline struct gmsa_wipe_probe *gmsa_wipe_probe_slot(void) {
    static struct gmsa_wipe_probe probe;
    return &probe;
}

static inline void gmsa_wipe_block(void *block) {
    size_t size = malloc_usable_size(block);
    explicit_bzero(block, size);
    struct gmsa_wipe_probe *probe = gmsa_wipe_probe_slot();
    if (__atomic_load_n(&probe->address, __ATOMIC_ACQUIRE) == block) {
        int outcome = 1;
        const unsigned char *bytes = block;
        for (size_t index = 0; index < size; index++) {
            if (bytes[index] != 0) { outcome = -1; break; }
        }
        __atomic_store_n(&probe->outcome, outcome, __ATOMIC_RELEASE);
    }
}

static inline void *gmsa_wiping_malloc(size_t size) { return malloc(size); }
static inline void *gmsa_wiping_calloc(size_t count, size_t size) { return calloc(count, size); }

static inline void gmsa_wiping_free(void *block) {
    if (block == NULL) return;
    gmsa_wipe_block(block);
    free(block);
}

static inline void *gmsa_wiping_realloc(void *block, size_t size) {
    if (block == NULL) return malloc(size);
    if (size == 0) { gmsa_wiping_free(block); return NULL; }
    size_t old = malloc_usable_size(block);
    if (size <= old) return block;  // fits in place: nothing is left behind
    void *moved = malloc(size);
    if (moved == NULL) return NULL;  // the old block stays valid, as realloc promises
    memcpy(moved, block, old);
    gmsa_wiping_free(block);
    return moved;
}

// Makes cyrus-sasl allocate with the wiping allocator. Only the first call in the process, before
// sasl_client_init, takes effect: cyrus-sasl locks its allocator then. It reports nothing; a block freed
// through sasl_dispose shows whether it took (the tests do that).
static inline void gmsa_sasl_install_wiping_allocator(void) {
    sasl_set_alloc(gmsa_wiping_malloc, gmsa_wiping_calloc, gmsa_wiping_realloc, gmsa_wiping_free);
}

// cyrus-sasl's plugin filter: only the GSSAPI mechanism (libgssapiv2.so*) is loaded. Without it
// sasl_client_init dlopens every plugin in its directory, and with them libcrypto (scram, ntlm, digest-md5) and
// libdb (sasldb): about 2 MiB resident for mechanisms this daemon never uses.
static inline int gmsa_sasl_verify_plugin(void *context, const char *file, sasl_verify_type_t type) {
    (void)context;
    if (type != SASL_VRFY_PLUGIN || file == NULL) return SASL_OK;
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    return strncmp(base, "libgssapiv2.so", 14) == 0 ? SASL_OK : SASL_CONTINUE;
}

// Initialises cyrus-sasl's client side with the plugin filter above. Must run after
// gmsa_sasl_install_wiping_allocator and before libldap's first SASL bind, whose own sasl_client_init then
// only counts a reference. Returns sasl_client_init's result.
static inline int gmsa_sasl_client_init_gssapi_only(void) {
    static sasl_callback_t callbacks[] = {
        {SASL_CB_VERIFYFILE, (int (*)(void))gmsa_sasl_verify_plugin, NULL},
        {SASL_CB_LIST_END, NULL, NULL},
    };
    return sasl_client_init(callbacks);
}

// Test probe access.
static inline void gmsa_wipe_probe_watch(const void *address) {
    struct gmsa_wipe_probe *probe = gmsa_wipe_probe_slot();
    __atomic_store_n(&probe->outcome, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&probe->address, address, __ATOMIC_RELEASE);
}

static inline int gmsa_wipe_probe_outcome(void) {
    struct gmsa_wipe_probe *probe = gmsa_wipe_probe_slot();
    int outcome = __atomic_load_n(&probe->outcome, __ATOMIC_ACQUIRE);
    __atomic_store_n(&probe->address, (const void *)NULL, __ATOMIC_RELEASE);
    return outcome;
}

#endif
