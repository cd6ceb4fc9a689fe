#ifndef GMSA_CKRB5_SHIM_H
#define GMSA_CKRB5_SHIM_H

// libkrb5 and its GSS-API mechanism from Debian's libkrb5-dev. Linked by name, not through krb5.pc: Debian's
// pkg-config file carries a flag SwiftPM rejects.
#include <krb5/krb5.h>
#include <profile.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <stdio.h>

// Macros Swift cannot import as values.
static inline krb5_cksumtype gmsa_cksumtype_rsa_md4(void) { return CKSUMTYPE_RSA_MD4; }
static inline krb5_magic gmsa_kv5m_data(void) { return KV5M_DATA; }
static inline krb5_magic gmsa_kv5m_keyblock(void) { return KV5M_KEYBLOCK; }
static inline krb5_cksumtype gmsa_cksumtype_hmac_sha256_128_aes128(void) { return CKSUMTYPE_HMAC_SHA256_128_AES128; }
static inline krb5_enctype gmsa_enctype_aes128_sha256(void) { return ENCTYPE_AES128_CTS_HMAC_SHA256_128; }
static inline OM_uint32 gmsa_gss_error(OM_uint32 major) { return GSS_ERROR(major); }

// GSS-API's messages for a major/minor status pair, joined with ": " into `out` (truncated to `size`).
static inline void gmsa_gss_status_text(OM_uint32 major, OM_uint32 minor, char *out, size_t size) {
    if (size == 0) return;
    out[0] = '\0';
    size_t used = 0;
    for (int round = 0; round < 2; round++) {
        OM_uint32 code = round == 0 ? major : minor;
        int type = round == 0 ? GSS_C_GSS_CODE : GSS_C_MECH_CODE;
        if (round == 1 && minor == 0) break;
        OM_uint32 context = 0, ignored = 0;
        do {
            gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
            if (gss_display_status(&ignored, code, type, GSS_C_NO_OID, &context, &text) != GSS_S_COMPLETE) break;
            int written = snprintf(out + used, size - used, "%s%.*s", used ? ": " : "", (int)text.length, (const char *)text.value);
            gss_release_buffer(&ignored, &text);
            if (written < 0 || (size_t)written >= size - used) return;
            used += (size_t)written;
        } while (context != 0);
    }
}

// A context whose AS requests use only the built-in preauth mechanisms a keytab needs with Active Directory
// (encrypted timestamp; encrypted challenge under FAST): `[plugins] clpreauth enable_only` added to the
// profile krb5.conf gave `base`. Otherwise libkrb5 loads the SPAKE and PKINIT modules at the first AS request,
// and libcrypto with them (about 1.5 MiB resident), although AD offers neither to a keytab. Nothing is
// written to krb5.conf. On success *out is the new context and `base` may be freed; on failure *out is NULL.
static inline krb5_error_code gmsa_context_with_keytab_preauth_only(krb5_context base, krb5_context *out) {
    *out = NULL;
    profile_t profile = NULL;
    krb5_error_code code = krb5_get_profile(base, &profile);
    if (code != 0) return code;
    static const char *names[] = {"plugins", "clpreauth", "enable_only", NULL};
    code = (krb5_error_code)profile_add_relation(profile, names, "encrypted_timestamp");
    if (code == 0) code = (krb5_error_code)profile_add_relation(profile, names, "encrypted_challenge");
    if (code == 0) code = krb5_init_context_profile(profile, 0, out);
    profile_release(profile);
    return code;
}

#endif
