#!/usr/bin/env bash
# Checks that a lab works. Run: lab/lab.sh run lab/selftest.sh
# With LAB_DC2=1, also checks dc2 and fails over: freezes, thaws, stops and
# restarts dc1 (lab-lib.sh helpers) while reading from dc2.
# shellcheck disable=SC2153  # LAB_DC, LAB_DC2, ...: exported by lab.sh
set -euo pipefail
LAB_SRC=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
[[ -n ${LAB_DIR:-} ]] || { echo "run inside the lab: lab/lab.sh run $0" >&2; exit 2; }

failures=0
check() { # description, command...
    local desc=$1 out
    shift
    if out=$("$@" 2>&1); then
        printf 'PASS  %s\n' "$desc"
    else
        printf 'FAIL  %s\n' "$desc"
        if [[ -n $out ]]; then
            while IFS= read -r line; do printf '      %s\n' "$line"; done < <(tail -n 8 <<<"$out")
        fi
        failures=$((failures + 1))
    fi
}

cc=$(mktemp "$LAB_DIR/ccache-selftest.XXXXXX")
trap 'rm -f -- "$cc"' EXIT

host_kinit() {
    KRB5CCNAME="FILE:$cc" kinit -k -t "$LAB_HOST_KEYTAB" "$LAB_HOST_PRINCIPAL@$LAB_REALM"
}

blob_ok() { # name: the blob is there and parses as version 1, length 290 or 548
    local blob info
    blob=$("$LAB_SRC/fetch-blob.sh" "$1") || return 1
    info=$(/usr/bin/python3 "$LAB_SRC/blob-info.py" <<<"$blob") || return 1
    grep -Eq '^version=1 length=(290/290|548/548) ' <<<"$info" || { echo "$info"; return 1; }
}

no_blob() { # name: the entry exists but comes back without the blob
    local out
    if out=$("$LAB_SRC/fetch-blob.sh" "$1" 2>&1); then
        echo "unexpectedly got a blob"
        return 1
    fi
    grep -q 'no msDS-ManagedPassword returned' <<<"$out" || { echo "$out"; return 1; }
}

signed_only_refused() {
    local out
    host_kinit || return 1
    if out=$(KRB5CCNAME="FILE:$cc" ldapsearch -LLL -N -Q -Y GSSAPI -O minssf=0,maxssf=1 \
        -o ldif-wrap=no -H "ldap://$LAB_DC" -b "$LAB_BASE_DN" \
        '(sAMAccountName=msa-web$)' msDS-ManagedPassword 2>&1); then
        echo "search succeeded over a signed-only connection:"
        echo "$out"
        return 1
    fi
    grep -q 'requires an encrypted connection' <<<"$out" || { echo "$out"; return 1; }
}

srv_resolves() {
    local name=_ldap._tcp.dc._msdcs.$LAB_DOMAIN out
    if command -v host >/dev/null; then # package bind9-host
        out=$(host -t SRV "$name") || { echo "$out"; return 1; }
    else # python3-dnspython, a dependency of samba-ad-dc
        out=$(/usr/bin/python3 -c 'import sys, dns.resolver
for r in dns.resolver.resolve(sys.argv[1], "SRV"): print(r)' "$name") || return 1
    fi
    grep -qi "389 $LAB_DC" <<<"$out" || { echo "$out"; return 1; }
}

a_resolves() { # [NAME ADDRESS]: the SRV target has an A record in dc1's DNS (not just /etc/hosts)
    local name=${1:-$LAB_DC} addr=${2:-127.0.0.1} out
    if command -v host >/dev/null; then
        out=$(host -t A "$name" 127.0.0.1) || { echo "$out"; return 1; }
    else
        out=$(/usr/bin/python3 -c 'import sys, dns.resolver
r = dns.resolver.Resolver(configure=False); r.nameservers = ["127.0.0.1"]
for a in r.resolve(sys.argv[1], "A"): print("has address", a)' "$name") || return 1
    fi
    grep -q "has address $addr\$" <<<"$out" || { echo "$out"; return 1; }
}

kvno_is() { # name expected
    local v
    v=$("$LAB_SRC/fetch-attr.sh" "$1" msDS-KeyVersionNumber) || return 1
    [[ $v == "$2" ]] || { echo "kvno $v, expected $2"; return 1; }
}

spns_of_web() {
    local v
    v=$("$LAB_SRC/fetch-attr.sh" msa-web servicePrincipalName | sort | tr '\n' ' ') || return 1
    [[ $v == "HTTP/web HTTP/web.$LAB_DOMAIN " ]] || { echo "SPNs: $v"; return 1; }
}

check "kinit -k -t \$LAB_HOST_KEYTAB $LAB_HOST_PRINCIPAL@$LAB_REALM" host_kinit
check "blob for msa-web (host authorized directly)" blob_ok msa-web
check "blob for msa-svc1" blob_ok msa-svc1
check "blob for msa-daily" blob_ok msa-daily
check "blob for msa-group (authorized via group gmsa-hosts)" blob_ok msa-group
check "no blob for msa-denied" no_blob msa-denied
check "signed-only (maxssf=1) search of msDS-ManagedPassword is refused" signed_only_refused
web_attrs() { kvno_is msa-web 1 && spns_of_web; }

gmsa_kinit() { # name: kinit with Samba's own keytab for the gMSA (needs the account enabled)
    local kt=$LAB_DIR/selftest-$1.keytab
    rm -f "$kt"
    "$LAB_SRC/ref-keytab.sh" "$1" "$kt" --only-current-keys || return 1
    KRB5CCNAME="FILE:$cc" kinit -k -t "$kt" "$1\$@$LAB_REALM" || return 1
    rm -f "$kt"
}

check "msa-web has kvno 1 and SPNs HTTP/web.$LAB_DOMAIN, HTTP/web" web_attrs
check "kinit as msa-web\$ with Samba's reference keytab (gMSA enabled)" gmsa_kinit msa-web
check "DNS SRV _ldap._tcp.dc._msdcs.$LAB_DOMAIN -> $LAB_DC:389" srv_resolves
check "DNS A $LAB_DC -> 127.0.0.1 (DC's DNS)" a_resolves

# --- second DC (LAB_DC2=1) -----------------------------------------------------
srv_lists_both() { # dc1's DNS has the DC locator SRV record for dc1 and dc2
    local name=_ldap._tcp.dc._msdcs.$LAB_DOMAIN out dc
    if command -v host >/dev/null; then
        out=$(host -t SRV "$name" 127.0.0.1) || { echo "$out"; return 1; }
    else
        out=$(/usr/bin/python3 -c 'import sys, dns.resolver
r = dns.resolver.Resolver(configure=False); r.nameservers = ["127.0.0.1"]
for a in r.resolve(sys.argv[1], "SRV"): print(a)' "$name") || return 1
    fi
    for dc in "$LAB_DC" "$LAB_DC2"; do
        grep -qi "389 $dc" <<<"$out" || { echo "$out"; return 1; }
    done
}

kvno_on() { # DC [CCACHE]: msa-web's kvno, searched on DC as the host (sealed GSSAPI)
    KRB5CCNAME="FILE:${2:-$cc}" ldapsearch -LLL -N -Q -Y GSSAPI -O minssf=56 -o ldif-wrap=no \
        -H "ldap://$1" -b "$LAB_BASE_DN" '(sAMAccountName=msa-web$)' msDS-KeyVersionNumber |
        awk '/^msDS-KeyVersionNumber:/ { print $2; n++ } END { exit n != 1 }'
}

same_kvno() { # the host reads the same kvno of msa-web on dc1 and dc2
    local k1 k2
    host_kinit || return 1
    k1=$(kvno_on "$LAB_DC") || return 1
    k2=$(kvno_on "$LAB_DC2") || return 1
    [[ $k1 == "$k2" ]] || { echo "kvno $k1 on $LAB_DC, $k2 on $LAB_DC2"; return 1; }
}

current_tag() { # DC: tag of msa-web's current password, read from DC
    env LAB_DC="$1" "$LAB_SRC/fetch-blob.sh" msa-web | /usr/bin/python3 "$LAB_SRC/blob-info.py" |
        sed -n 's/^current_tag=\([0-9a-f]*\) .*/\1/p' | grep .
}

same_password() { # both DCs serve the same current password for msa-web
    local t1 t2
    t1=$(current_tag "$LAB_DC") || return 1
    t2=$(current_tag "$LAB_DC2") || return 1
    [[ $t1 == "$t2" ]] || { echo "current password tag $t1 on $LAB_DC, $t2 on $LAB_DC2"; return 1; }
}

# lab_helper FUNCTION ARGS...: a lab-lib.sh helper, run the way a test would:
# from a fresh shell that sourced $LAB_DIR/env.sh and lab-lib.sh.
lab_helper() {
    # shellcheck disable=SC2016  # expanded by the inner bash
    env -i PATH="$PATH" bash -c '. "$1/env.sh" && . "$LAB_SRC/lab-lib.sh" && shift && "$@"' \
        lab-helper "$LAB_DIR" "$@"
}

dc_state_is() { # DC STATE
    local s
    s=$(lab_helper lab_dc_state "$1") || return 1
    [[ $s == "$2" ]] || { echo "$1 is $s"; return 1; }
}

freeze_dc1() { lab_helper lab_dc_freeze dc1 && dc_state_is dc1 frozen; }
thaw_dc1() { lab_helper lab_dc_thaw dc1 && dc_state_is dc1 running; }
stop_dc1() { lab_helper lab_dc_stop dc1 && dc_state_is dc1 stopped; }
start_dc1() { lab_helper lab_dc_start dc1 && dc_state_is dc1 running; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

dc1_silent() { # frozen: the kernel accepts on 389, but an anonymous rootDSE read gets no answer in 3 s
    port_open 127.0.0.1 389 || { echo "port 389 refuses connections"; return 1; }
    if timeout 3 ldapsearch -LLL -x -H "ldap://$LAB_DC" -s base -b '' dnsHostName >/dev/null 2>&1; then
        echo "$LAB_DC answered"
        return 1
    fi
}

dc1_down() { # stopped: 389 and 88 refuse connections
    if port_open 127.0.0.1 389 || port_open 127.0.0.1 88; then
        echo "port 389 or 88 on 127.0.0.1 still accepts connections"
        return 1
    fi
}

search_dc2() { # kvno of msa-web on dc2 with the host's current ccache
    kvno_on "$LAB_DC2" >/dev/null
}

search_dc1() { kvno_on "$LAB_DC" >/dev/null; }

fresh_kinit_search_dc2() { # a new TGT and a new ldap/dc2 ticket, then the search on dc2
    local fresh=$cc.fresh
    rm -f "$fresh"
    KRB5CCNAME="FILE:$fresh" kinit -k -t "$LAB_HOST_KEYTAB" "$LAB_HOST_PRINCIPAL@$LAB_REALM" || return 1
    kvno_on "$LAB_DC2" "$fresh" >/dev/null || return 1
    rm -f "$fresh"
}

if [[ -n ${LAB_DC2:-} ]]; then
    check "DNS SRV _ldap._tcp.dc._msdcs.$LAB_DOMAIN (asked of 127.0.0.1) -> $LAB_DC and $LAB_DC2" srv_lists_both
    check "DNS A $LAB_DC2 -> $LAB_DC2_ADDRESS (DC's DNS)" a_resolves "$LAB_DC2" "$LAB_DC2_ADDRESS"
    check "msa-web: same msDS-KeyVersionNumber on $LAB_DC and $LAB_DC2 (sealed GSSAPI as the host)" same_kvno
    check "msa-web: same current password from $LAB_DC and $LAB_DC2" same_password
    check "lab_dc_freeze dc1 (from a shell that sourced env.sh and lab-lib.sh)" freeze_dc1
    check "frozen dc1 does not answer LDAP" dc1_silent
    check "dc1 frozen: search on $LAB_DC2 works" search_dc2
    check "dc1 frozen: kinit as the host and search on $LAB_DC2 (new tickets)" fresh_kinit_search_dc2
    check "lab_dc_thaw dc1" thaw_dc1
    check "dc1 thawed: search on $LAB_DC works" search_dc1
    check "lab_dc_stop dc1" stop_dc1
    check "stopped dc1 refuses LDAP" dc1_down
    check "dc1 stopped: search on $LAB_DC2 works" search_dc2
    check "dc1 stopped: kinit as the host and search on $LAB_DC2 (new tickets)" fresh_kinit_search_dc2
    check "lab_dc_start dc1" start_dc1
    check "dc1 restarted: search on $LAB_DC works" search_dc1
fi

if ((failures > 0)); then
    echo "selftest: $failures check(s) FAILED"
    exit 1
fi
echo "selftest: all checks passed"
