#ifndef GMSA_CLDAP_SHIM_H
#define GMSA_CLDAP_SHIM_H

#define LDAP_DEPRECATED 0
#include <lber.h>
#include <ldap.h>
#include <sasl/sasl.h>
#include <string.h>

// Pointer-valued macros Swift cannot import.
static inline void *gmsa_ldap_opt_on(void) { return LDAP_OPT_ON; }
static inline void *gmsa_ldap_opt_off(void) { return LDAP_OPT_OFF; }
static inline const char *gmsa_ldap_control_paged_results(void) { return LDAP_CONTROL_PAGEDRESULTS; }

// SASL interaction for GSSAPI: no prompts; every requested value (e.g. the authorization identity) is
// left at its default, so the identity is the one in the Kerberos ticket.
static inline int gmsa_ldap_sasl_interact(LDAP *ld, unsigned flags, void *defaults, void *interactions) {
    (void)ld; (void)flags; (void)defaults;
    for (sasl_interact_t *interaction = interactions; interaction->id != SASL_CB_LIST_END; interaction++) {
        interaction->result = interaction->defresult ? interaction->defresult : "";
        interaction->len = (unsigned)strlen(interaction->result);
    }
    return LDAP_SUCCESS;
}

// SASL GSSAPI bind with the credentials of the default ccache (KRB5CCNAME).
static inline int gmsa_ldap_sasl_gssapi_bind(LDAP *ld) {
    return ldap_sasl_interactive_bind_s(ld, NULL, "GSSAPI", NULL, NULL, LDAP_SASL_QUIET, gmsa_ldap_sasl_interact, NULL);
}

#endif
