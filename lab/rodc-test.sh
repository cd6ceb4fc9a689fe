#!/usr/bin/env bash
# Read-only DCs and stray site SRV records, run inside a lab with a real Samba RODC (make swift-test does):
#
#   LAB_DC2=1 LAB_SITES=1 LAB_RODC=1 lab/lab.sh run -- lab/rodc-test.sh [BINARY]
#
# The host is in Site2, whose SRV records name rodc (first) and dc2; rodc, as an RODC does, is in no domain-wide
# SRV record. An RODC answers a read of msDS-ManagedPassword with "Operations error". The daemon reads from a
# writable DC at once: by DNS the site's records count only for DCs the domain-wide list also names (rodc and a
# stray record are left out); with `servers = ["rodc…", "dc1…"]` the LDAP ping's writable flag passes rodc over
# before any ticket or bind, once per daemon life. Prints "N passed, M failed" and figure lines.
set -uo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
BINARY=${1:-$HERE/../.build/debug/gmsa-keytabd}
[[ -n ${LAB_RODC:-} && -n ${LAB_DIR:-} ]] || {
    echo "rodc-test: run inside 'LAB_DC2=1 LAB_SITES=1 LAB_RODC=1 lab/lab.sh run --'" >&2
    exit 2
}
[[ -x $BINARY ]] || { echo "rodc-test: $BINARY is not built (swift build)" >&2; exit 2; }
: "${LAB_DC:?}" "${LAB_DC2:?}" "${LAB_DOMAIN:?}"
# shellcheck source=lab-lib.sh
. "$HERE/lab-lib.sh"
# shellcheck source=test-lib.sh
. "$HERE/test-lib.sh"

WORK=$(mktemp -d "$LAB_DIR/rodc.XXXXXX")
trap '[[ -n ${DAEMON:-} ]] && kill "$DAEMON" 2>/dev/null; lab_dc_thaw rodc 2>/dev/null; true' EXIT

# config / sync_into NAME [SERVERS], authenticates NAME: msa-web$ in $WORK/NAME (test-lib.sh's account_*); DCs from
# DNS unless SERVERS (a TOML array body).
config() { account_config "$1" msa-web "${2:+servers = [$2]}"; }
sync_into() { account_sync "$1" msa-web "${2:+servers = [$2]}"; }
authenticates() { account_authenticates "$1" msa-web; }
# No account failed, none was reported as withheld.
clean() { ! grep -qiE 'FAILED|not authorized|Operations error' <<<"$1"; }

dns() { samba-tool dns "$@" --use-kerberos=required >>"$WORK/helpers.log" 2>&1; }
site_srv() { host -t SRV "_ldap._tcp.Site2._sites.dc._msdcs.$LAB_DOMAIN" | awk '{ print $(NF - 3), $NF }' | sort -n | awk '{ print $2 }' | paste -sd' '; }

# --- DNS as a branch office has it --------------------------------------------------------------------------------
# Domain-wide: dc1 first, then dc2; Site2: rodc first, then dc2.
dns update "$LAB_DC" "_msdcs.$LAB_DOMAIN" _ldap._tcp.dc SRV "$LAB_DC2 389 0 100" "$LAB_DC2 389 10 100"
dns update "$LAB_DC" "_msdcs.$LAB_DOMAIN" _ldap._tcp.Site2._sites.dc SRV "$LAB_DC2 389 0 100" "$LAB_DC2 389 10 100"
check "Site2's SRV records name rodc first, then dc2 ($(site_srv))" test "$(site_srv)" = "$LAB_RODC. $LAB_DC2."
check "the domain-wide SRV records do not name rodc" \
    bash -c "! host -t SRV _ldap._tcp.dc._msdcs.$LAB_DOMAIN | grep -q $LAB_RODC"

# --- what the RODC answers to a password read (docs/protocol.md) ---------------------------------------------------
rodc_read=$(KRB5CCNAME=FILE:$WORK/ccache-host bash -c 'kinit -k -t "$LAB_HOST_KEYTAB" "$LAB_HOST_PRINCIPAL" &&
    ldapsearch -LLL -N -Y GSSAPI -O minssf=56 -H "ldap://$LAB_RODC" -b "$LAB_BASE_DN" "(sAMAccountName=msa-web\$)" \
        msDS-ManagedPassword' 2>&1)
check "the RODC answers a read of msDS-ManagedPassword with Operations error" \
    grep -q "Operations error.*msDS-ManagedPassword may only be viewed on a writeable DC" <<<"${rodc_read//$'\n'/ }"

# --- by DNS: the site's records count only for DCs in the domain-wide list ------------------------------------------
out=$("$BINARY" check -c "$(config check)" 2>&1)
check "check: Site2's DCs first are dc2 alone; rodc is named as ignored" \
    grep -q "^dc order: site Site2 (from .*); its DCs first: $LAB_DC2; ignored (in the site's SRV records only, not in the domain-wide list): $LAB_RODC\$" <<<"$out"
check "check: rodc is not among the DCs to try" grep -q "^domain controllers: $LAB_DC2, $LAB_DC (" <<<"$out"
t0=$(now)
sync_into dns
t_dns=$(elapsed "$t0")
check "sync reads from dc2 at once (rc $SYNC_RC, dc ${SYNC_DC:-?}, ${SYNC_BINDS:-?} bind(s), ${t_dns}s)" \
    test "$SYNC_RC-$SYNC_DC" = "0-$LAB_DC2"
check "no failure and no 'not authorized'" clean "$SYNC_OUT"
check "the keytab authenticates" authenticates dns

# The site's only DC is the RODC, and a stray record names a host outside the domain-wide list.
dns delete "$LAB_DC" "_msdcs.$LAB_DOMAIN" _ldap._tcp.Site2._sites.dc SRV "$LAB_DC2 389 10 100"
dns add "$LAB_DC" "$LAB_DOMAIN" rogue A 127.0.0.9
dns add "$LAB_DC" "_msdcs.$LAB_DOMAIN" _ldap._tcp.Site2._sites.dc SRV "rogue.$LAB_DOMAIN 389 0 100"
check "Site2's SRV records now name rodc and rogue only ($(site_srv))" \
    test "$(tr ' ' '\n' <<<"$(site_srv)" | sort | paste -sd' ')" = "$LAB_RODC. rogue.$LAB_DOMAIN."
out=$("$BINARY" check -c "$(config check2)" 2>&1)
check "check: neither rodc nor rogue is tried; the domain-wide order is used" \
    grep -q "^domain controllers: $LAB_DC, $LAB_DC2 (" <<<"$out"
check "check: both are named as ignored" \
    grep -q "^dc order: site Site2 .*none of the DCs in the SRV records for .* is in the domain-wide list; ignored .*: \(rodc\|rogue\)\.$LAB_DOMAIN, \(rodc\|rogue\)\.$LAB_DOMAIN\$" <<<"$out"
sync_into rodc-only
check "the RODC is the site's only DC: sync reads from dc1 at once (rc $SYNC_RC, dc ${SYNC_DC:-?})" \
    test "$SYNC_RC-$SYNC_DC" = "0-$LAB_DC"
check "no failure and no 'not authorized'" clean "$SYNC_OUT"
check "the keytab authenticates" authenticates rodc-only

# --- servers = [rodc, dc1]: the LDAP ping's writable flag ---------------------------------------------------------
servers="\"$LAB_RODC\", \"$LAB_DC\""
sync_into servers "$servers"
check "servers = [rodc, dc1]: sync reads from dc1 (rc $SYNC_RC, dc ${SYNC_DC:-?}, ${SYNC_BINDS:-?} bind(s))" \
    test "$SYNC_RC-$SYNC_DC" = "0-$LAB_DC"
check "no failure and no 'not authorized'" clean "$SYNC_OUT"
check "sync says the RODC was passed over as read-only" \
    grep -q "read-only DC passed over (an RODC holds no gMSA passwords): $LAB_RODC" <<<"$SYNC_OUT"
check "one bind, to dc1: none to the RODC" test "${SYNC_BINDS:-?}-$SYNC_DC" = "1-$LAB_DC"
check "the keytab authenticates" authenticates servers
sync_into rodc-alone "\"$LAB_RODC\""
check "servers = [rodc] alone: sync fails and says why (rc $SYNC_RC)" \
    grep -q "$LAB_RODC is a read-only DC (RODC: its LDAP ping answer lacks DS_WRITABLE_FLAG)" <<<"$SYNC_OUT"

# The daemon: the first pass pings rodc once and logs it; later passes never contact it. A frozen rodc (port open,
# nothing answers) would cost the ping's and the bind's timeouts (1 s + 5 s) to any pass that still tried it.
cfg=$(config daemon "$servers")
"$BINARY" run -c "$cfg" --log-target stderr --log-level debug >"$WORK/daemon.log" 2>&1 &
DAEMON=$!
wait_for 30 test -s "$WORK/daemon/msa-web.keytab"
check "the daemon writes the keytab through dc1" grep -q "keytab updated.*DC=$LAB_DC" "$WORK/daemon.log"
check "the daemon logs rodc as read-only, passed over" \
    grep -q "$LAB_RODC answered an LDAP ping as a read-only DC (RODC), which holds no gMSA passwords: passed over from now on; this pass uses $LAB_DC" "$WORK/daemon.log"
helper lab_dc_freeze rodc
passes=()
codes=()
for pass in 1 2; do
    t0=$(now)
    "$BINARY" refresh -c "$cfg" --wait 30 >>"$WORK/refresh.out" 2>&1
    codes+=("$?")
    passes+=("$(elapsed "$t0")")
done
check "rodc frozen: two refreshes (rc ${codes[*]}) read through dc1 without waiting for it (${passes[*]} s)" \
    awk -v a="${passes[0]}" -v b="${passes[1]}" -v c="${codes[*]}" 'BEGIN { exit !(c == "0 0" && a < 3 && b < 3) }'
check "rodc is logged once, no failure, no 'not authorized'" \
    test "$(grep -c 'read-only DC (RODC)' "$WORK/daemon.log")-$(grep -ciE 'FAILED|not authorized' "$WORK/daemon.log")" = 1-0
check "and that keytab authenticates" authenticates daemon
helper lab_dc_thaw rodc
kill "$DAEMON" 2>/dev/null
wait "$DAEMON" 2>/dev/null
DAEMON=

echo "figures: sync by DNS ${t_dns}s; daemon passes with rodc frozen: ${passes[*]} s"
test_summary
