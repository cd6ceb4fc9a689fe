# shellcheck shell=bash
# Shared by fetch-blob.sh and fetch-attr.sh. Source it; do not run it.

fetch_die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }

for v in LAB_DIR LAB_HOST_KEYTAB LAB_HOST_PRINCIPAL LAB_REALM LAB_DC LAB_BASE_DN; do
    [[ -n ${!v:-} ]] || fetch_die "$v is not set: run this inside the lab (lab/lab.sh run ...)"
done

# A private ccache for the host's ticket, so the caller's KRB5CCNAME is untouched.
FETCH_CC=$(mktemp "$LAB_DIR/ccache-fetch.XXXXXX")
trap 'rm -f -- "$FETCH_CC"' EXIT

# fetch_entry NAME ATTR...: kinit as the host, search the gMSA, keep the LDIF
# in FETCH_LDIF. Fails if the account does not exist.
fetch_entry() {
    local name=${1%\$} err
    shift
    FETCH_SAM="$name\$"
    if ! err=$(KRB5CCNAME="FILE:$FETCH_CC" kinit -k -t "$LAB_HOST_KEYTAB" \
        "$LAB_HOST_PRINCIPAL@$LAB_REALM" 2>&1); then
        fetch_die "kinit as $LAB_HOST_PRINCIPAL failed: $err"
    fi
    if ! FETCH_LDIF=$(KRB5CCNAME="FILE:$FETCH_CC" ldapsearch -LLL -N -Q -Y GSSAPI \
        -O minssf=56 -o ldif-wrap=no -H "ldap://$LAB_DC" -b "$LAB_BASE_DN" \
        "(&(objectClass=msDS-GroupManagedServiceAccount)(sAMAccountName=$FETCH_SAM))" \
        "$@" 2>&1); then
        fetch_die "ldapsearch failed: $FETCH_LDIF"
    fi
    grep -q '^dn: ' <<<"$FETCH_LDIF" || fetch_die "no gMSA with sAMAccountName $FETCH_SAM"
}

# fetch_value ATTR: the values of ATTR in FETCH_LDIF ("attr: v" or "attr:: b64").
fetch_value() {
    awk -v a="$1" '
        BEGIN { a = tolower(a) }
        {
            i = index($0, ":")
            if (i == 0 || tolower(substr($0, 1, i - 1)) != a) next
            v = substr($0, i + 1)
            sub(/^:? ?/, "", v)
            print v
        }' <<<"$FETCH_LDIF"
}
