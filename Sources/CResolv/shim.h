#ifndef GMSA_CRESOLV_SHIM_H
#define GMSA_CRESOLV_SHIM_H

#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

// One SRV record (RFC 2782).
struct gmsa_srv_record {
    unsigned short priority;
    unsigned short weight;
    unsigned short port;
    char target[NS_MAXDNAME];
};

// Looks up SRV records for `name` with a private resolver state (thread-safe) and fills up to `max`
// records. Returns the count (0 when the name has no SRV records), or -1 when the resolver cannot be
// initialised, -2 when the query failed (h_errno in *error), -3 when the answer cannot be parsed.
// The DNS message parsing uses libresolv's ns_* macros, which Swift cannot import.
static inline int gmsa_srv_lookup(const char *name, struct gmsa_srv_record *out, int max, int *error) {
    unsigned char answer[NS_MAXMSG > 65536 ? 65536 : NS_MAXMSG];
    struct __res_state state;
    memset(&state, 0, sizeof state);
    *error = 0;
    if (res_ninit(&state) != 0) return -1;
    int length = res_nquery(&state, name, ns_c_in, ns_t_srv, answer, sizeof answer);
    *error = state.res_h_errno;
    res_nclose(&state);
    if (length < 0) return (*error == HOST_NOT_FOUND || *error == NO_DATA) ? 0 : -2;
    ns_msg message;
    if (ns_initparse(answer, length, &message) < 0) return -3;
    int count = ns_msg_count(message, ns_s_an);
    int found = 0;
    for (int index = 0; index < count && found < max; index++) {
        ns_rr record;
        if (ns_parserr(&message, ns_s_an, index, &record) < 0) continue;
        if (ns_rr_type(record) != ns_t_srv || ns_rr_rdlen(record) < 7) continue;
        const unsigned char *data = ns_rr_rdata(record);
        out[found].priority = ns_get16(data);
        out[found].weight = ns_get16(data + 2);
        out[found].port = ns_get16(data + 4);
        if (dn_expand(ns_msg_base(message), ns_msg_end(message), data + 6, out[found].target,
                      sizeof out[found].target) < 0) continue;
        found++;
    }
    return found;
}

#endif
