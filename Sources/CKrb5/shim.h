#ifndef GMSA_CKRB5_SHIM_H
#define GMSA_CKRB5_SHIM_H

// libkrb5 and its GSS-API mechanism from Debian's libkrb5-dev. Linked by name, not through krb5.pc: Debian's
// pkg-config file carries a flag SwiftPM rejects.
#include <krb5/krb5.h>
#include <profile.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>
#include <stdio.h>
#include <errno.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

// Macros Swift cannot import as values.
static inline krb5_cksumtype gmsa_cksumtype_rsa_md4(void) { return CKSUMTYPE_RSA_MD4; }
static inline krb5_magic gmsa_kv5m_data(void) { return KV5M_DATA; }
static inline krb5_magic gmsa_kv5m_keyblock(void) { return KV5M_KEYBLOCK; }
static inline krb5_cksumtype gmsa_cksumtype_hmac_sha256_128_aes128(void) { return CKSUMTYPE_HMAC_SHA256_128_AES128; }
static inline krb5_enctype gmsa_enctype_aes128_sha256(void) { return ENCTYPE_AES128_CTS_HMAC_SHA256_128; }
static inline OM_uint32 gmsa_gss_error(OM_uint32 major) { return GSS_ERROR(major); }

// Zeroes the vector registers (x86-64: xmm/ymm0-15, and zmm0-31 where AVX-512 is on): what copies and hashes
// of keys left in them. They are caller-saved, so nothing the compiler keeps lives in them across this call;
// left as they are, the next lazy symbol binding on the thread (glibc's _dl_runtime_resolve_xsavec saves every
// vector register on the stack, e.g. libdispatch's first sem_timedwait when a worker goes idle) or signal frame
// writes them to the stack, past any scrub. Which registers exist is asked of the CPU and the kernel (XCR0).
__attribute__((noinline)) static inline void gmsa_scrub_vector_registers(void) {
#if defined(__x86_64__)
    unsigned int eax = 0, ebx = 0, ecx = 0, edx = 0, xcr0 = 0, ignored = 0;
    __asm__ __volatile__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(1), "c"(0));
    int avx = 0, avx512 = 0;
    if ((ecx & (1u << 27)) && (ecx & (1u << 28))) {  // OSXSAVE, AVX
        __asm__ __volatile__("xgetbv" : "=a"(xcr0), "=d"(ignored) : "c"(0));
        avx = (xcr0 & 0x6) == 0x6;
        if (avx) {
            __asm__ __volatile__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(7), "c"(0));
            avx512 = (ebx & (1u << 16)) && (xcr0 & 0xe0) == 0xe0;  // AVX512F, opmask and ZMM state enabled
        }
    }
    if (avx512) {
        __asm__ __volatile__(
            "vpxord %%zmm16, %%zmm16, %%zmm16\n\tvpxord %%zmm17, %%zmm17, %%zmm17\n\t"
            "vpxord %%zmm18, %%zmm18, %%zmm18\n\tvpxord %%zmm19, %%zmm19, %%zmm19\n\t"
            "vpxord %%zmm20, %%zmm20, %%zmm20\n\tvpxord %%zmm21, %%zmm21, %%zmm21\n\t"
            "vpxord %%zmm22, %%zmm22, %%zmm22\n\tvpxord %%zmm23, %%zmm23, %%zmm23\n\t"
            "vpxord %%zmm24, %%zmm24, %%zmm24\n\tvpxord %%zmm25, %%zmm25, %%zmm25\n\t"
            "vpxord %%zmm26, %%zmm26, %%zmm26\n\tvpxord %%zmm27, %%zmm27, %%zmm27\n\t"
            "vpxord %%zmm28, %%zmm28, %%zmm28\n\tvpxord %%zmm29, %%zmm29, %%zmm29\n\t"
            "vpxord %%zmm30, %%zmm30, %%zmm30\n\tvpxord %%zmm31, %%zmm31, %%zmm31" ::: "memory");
    }
    if (avx) {
        // All of zmm0-15 where AVX-512 is on.
        __asm__ __volatile__("vzeroall" ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
                             "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "memory");
    } else {
        __asm__ __volatile__(
            "pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\tpxor %%xmm2, %%xmm2\n\tpxor %%xmm3, %%xmm3\n\t"
            "pxor %%xmm4, %%xmm4\n\tpxor %%xmm5, %%xmm5\n\tpxor %%xmm6, %%xmm6\n\tpxor %%xmm7, %%xmm7\n\t"
            "pxor %%xmm8, %%xmm8\n\tpxor %%xmm9, %%xmm9\n\tpxor %%xmm10, %%xmm10\n\tpxor %%xmm11, %%xmm11\n\t"
            "pxor %%xmm12, %%xmm12\n\tpxor %%xmm13, %%xmm13\n\tpxor %%xmm14, %%xmm14\n\tpxor %%xmm15, %%xmm15"
            ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
            "xmm12", "xmm13", "xmm14", "xmm15", "memory");
    }
#endif
}

// Zeroes 64 KiB of the stack below the caller's frame, then the vector registers: what string-to-key's library
// code left there of a password or key. libk5crypto's MD4 (the RC4 key) and nettle's HMAC-SHA1 (PBKDF2, the
// AES keys) keep their contexts in their own frames and return without wiping them; the bytes stay in the
// thread's stack until some later call happens to overwrite them. Not inlined, so the area is a frame of its
// own, where those library frames were.
__attribute__((noinline)) static inline void gmsa_scrub_stack(void) {
    unsigned char area[65536];
    explicit_bzero(area, sizeof area);
    __asm__ __volatile__("" : : "r"(area) : "memory");
    gmsa_scrub_vector_registers();
}

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

// glibc declares memfd_create only under _GNU_SOURCE, which Swift's Glibc module is not built with.
extern int memfd_create(const char *name, unsigned int flags);

// A context whose AS requests use only the built-in preauth mechanisms a keytab needs with Active Directory
// (encrypted timestamp; encrypted challenge under FAST). Otherwise libkrb5 loads its SPAKE (and PKINIT) modules
// at the first AS request, and libcrypto with them (about 1.5 MiB resident), although AD offers neither.
//
// The profile is krb5.conf's usual files (krb5_get_default_config_files: KRB5_CONFIG or /etc/krb5.conf) plus,
// last, a private in-memory file (memfd, read through /proc/self/fd) holding only
// `[plugins] clpreauth = { enable_only = … }` (enable_only values from all files add up) and
// `[libdefaults] udp_preference_limit = 1`: AD's AS reply carries a PAC and never fits in UDP, so the first try
// over UDP only earns KRB_ERR_RESPONSE_TOO_BIG and the KDC does the work twice (about 11 ms in the lab). Being
// last, neither overrides what the admin's krb5.conf sets. Nothing is written
// to any krb5.conf: a profile changed in memory with profile_add_relation would be flushed to the first file
// on release, and krb5_init_context_profile re-reads the files anyway. `memfd` is created once by the
// caller and stays open for the process's life (profiles re-read their files when they change).
// On success *out is the new context; on failure *out is NULL and the caller uses krb5_init_context.
static inline int gmsa_keytab_preauth_memfd(void) {
    int fd = memfd_create("gmsa-keytabd-krb5-preauth.conf", 1 /* MFD_CLOEXEC */);
    if (fd < 0) return -1;
    static const char text[] =
        "[libdefaults]\n\tudp_preference_limit = 1\n"
        "[plugins]\n\tclpreauth = {\n\t\tenable_only = encrypted_timestamp\n\t\tenable_only = encrypted_challenge\n\t}\n";
    if (write(fd, text, sizeof text - 1) != (ssize_t)(sizeof text - 1)) {
        close(fd);
        return -1;
    }
    return fd;
}

static inline krb5_error_code gmsa_context_with_keytab_preauth_only(int memfd, krb5_context *out) {
    *out = NULL;
    if (memfd < 0) return EINVAL;
    char **defaults = NULL;
    krb5_error_code code = krb5_get_default_config_files(&defaults);
    if (code != 0) return code;
    size_t count = 0;
    while (defaults[count] != NULL) count++;
    const char **files = calloc(count + 2, sizeof *files);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
    if (files == NULL) {
        krb5_free_config_files(defaults);
        return ENOMEM;
    }
    for (size_t i = 0; i < count; i++) files[i] = defaults[i];
    files[count] = path;
    profile_t profile = NULL;
    code = (krb5_error_code)profile_init_flags(files, 0, &profile);
    if (code == 0) {
        code = krb5_init_context_profile(profile, 0, out);
        // Never profile_release: it would write a changed profile back to krb5.conf.
        profile_abandon(profile);
    }
    free(files);
    krb5_free_config_files(defaults);
    return code;
}

#endif
