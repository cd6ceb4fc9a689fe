#ifndef GMSA_CKRB5_SHIM_H
#define GMSA_CKRB5_SHIM_H

// libkrb5 from Debian's libkrb5-dev. Linked by name, not through krb5.pc: Debian's pkg-config file
// carries a flag SwiftPM rejects.
#include <krb5/krb5.h>

// Macros Swift cannot import as values.
static inline krb5_cksumtype gmsa_cksumtype_rsa_md4(void) { return CKSUMTYPE_RSA_MD4; }
static inline krb5_magic gmsa_kv5m_data(void) { return KV5M_DATA; }
static inline krb5_magic gmsa_kv5m_keyblock(void) { return KV5M_KEYBLOCK; }
static inline krb5_cksumtype gmsa_cksumtype_hmac_sha256_128_aes128(void) { return CKSUMTYPE_HMAC_SHA256_128_AES128; }
static inline krb5_enctype gmsa_enctype_aes128_sha256(void) { return ENCTYPE_AES128_CTS_HMAC_SHA256_128; }

#endif
