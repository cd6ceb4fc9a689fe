#ifndef GMSA_CGNUTLS_SHIM_H
#define GMSA_CGNUTLS_SHIM_H

// GnuTLS's crypto API (Debian's libgnutls28-dev), for the two primitives of RFC 3962 string-to-key: PBKDF2 and
// one AES-CBC call. libldap already loads libgnutls (its TLS), so this adds no library to the process.
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#endif
