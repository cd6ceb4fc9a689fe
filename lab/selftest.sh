#!/usr/bin/env bash
# Checks that a lab works. Run: lab/lab.sh run lab/selftest.sh
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

a_resolves() { # the SRV target has an A record in the DC's DNS (not just /etc/hosts)
    local out
    if command -v host >/dev/null; then
        out=$(host -t A "$LAB_DC" 127.0.0.1) || { echo "$out"; return 1; }
    else
        out=$(/usr/bin/python3 -c 'import sys, dns.resolver
r = dns.resolver.Resolver(configure=False); r.nameservers = ["127.0.0.1"]
for a in r.resolve(sys.argv[1], "A"): print("has address", a)' "$LAB_DC") || return 1
    fi
    grep -q "has address 127.0.0.1" <<<"$out" || { echo "$out"; return 1; }
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

if ((failures > 0)); then
    echo "selftest: $failures check(s) FAILED"
    exit 1
fi
echo "selftest: all checks passed"
