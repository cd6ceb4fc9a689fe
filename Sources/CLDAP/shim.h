#ifndef GMSA_CLDAP_SHIM_H
#define GMSA_CLDAP_SHIM_H

#define LDAP_DEPRECATED 0
#include <ldap.h>
#include <lber.h>
#include <sasl/sasl.h>

// Pointer-valued macros Swift cannot import.
static inline void *gmsa_ldap_opt_on(void) { return LDAP_OPT_ON; }
static inline void *gmsa_ldap_opt_off(void) { return LDAP_OPT_OFF; }

#endif
