#!/usr/bin/env bash
# Site-aware DC choice, run inside a lab with two DCs in two AD sites (make swift-test does):
#
#   LAB_DC2=1 LAB_SITES=1 lab/lab.sh run -- lab/site-test.sh [BINARY]
#
# dc1 is in Default-First-Site-Name, dc2 in Site2, and the lab's client addresses (127.0.0.0/8) are mapped to
# Site2. With dc1 first in the domain-wide SRV order, sync and the daemon read from dc2 because an LDAP ping
# says the host is in Site2; with dc2 stopped they fail over to dc1, and a daemon that could use none of Site2's DCs
# pings again at its next pass (the host moved: its subnet now maps to the first site); `[domain] site` overrides
# the ping.
# Every case ends with `kinit -k` working. Prints "N passed, M failed".
set -uo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
BINARY=${1:-$HERE/../.build/debug/gmsa-keytabd}
[[ -n ${LAB_SITES:-} && -n ${LAB_DIR:-} ]] || {
    echo "site-test: run inside 'LAB_DC2=1 LAB_SITES=1 lab/lab.sh run --'" >&2
    exit 2
}
[[ -x $BINARY ]] || { echo "site-test: $BINARY is not built (swift build)" >&2; exit 2; }
: "${LAB_DC:?}" "${LAB_DC2:?}" "${LAB_DOMAIN:?}"
# shellcheck source=lab-lib.sh
. "$HERE/lab-lib.sh"
# shellcheck source=test-lib.sh
. "$HERE/test-lib.sh"

WORK=$(mktemp -d "$LAB_DIR/site.XXXXXX")
trap '[[ -n ${DAEMON:-} ]] && kill "$DAEMON" 2>/dev/null; true' EXIT

# config / sync_into NAME [SITE], authenticates NAME: msa-svc1$ in $WORK/NAME (test-lib.sh's account_*), DCs from
# DNS, with `[domain] site = SITE` when given.
config() { account_config "$1" msa-svc1 "${2:+site = \"$2\"}"; }
sync_into() { account_sync "$1" msa-svc1 "${2:+site = \"$2\"}"; }
authenticates() { account_authenticates "$1" msa-svc1; }

# srv_priority HOST OLD NEW: changes HOST's _ldap._tcp.dc._msdcs SRV priority in dc1's DNS (zone _msdcs.<domain>),
# as Administrator (the lab's KRB5CCNAME).
srv_priority() {
    samba-tool dns update "$LAB_DC" "_msdcs.$LAB_DOMAIN" _ldap._tcp.dc SRV "$1 389 $2 100" "$1 389 $3 100" \
        --use-kerberos=required >>"$WORK/helpers.log" 2>&1
}
# The domain-wide SRV targets in RFC 2782 order (priorities differ, so no randomness).
domain_wide() {
    host -t SRV "_ldap._tcp.dc._msdcs.$LAB_DOMAIN" | awk '{ print $(NF - 3), $NF }' | sort -n | awk '{ print $2 }' | paste -sd' '
}

# --- DNS as the test needs it -----------------------------------------------------------------------------------
srv_priority "$LAB_DC2" 0 10
check "domain-wide SRV order puts dc1 first ($(domain_wide))" test "$(domain_wide)" = "$LAB_DC. $LAB_DC2."
check "Site2's SRV record names dc2" \
    grep -q "$LAB_DC2" <<<"$(host -t SRV "_ldap._tcp.Site2._sites.dc._msdcs.$LAB_DOMAIN")"

# --- the LDAP ping says Site2; sync reads from dc2 ----------------------------------------------------------------
out=$("$BINARY" check -c "$(config check)" 2>&1)
check "check: the LDAP ping to dc1 reports ClientSiteName Site2" \
    grep -q "^dc order: site Site2 (from $LAB_DC's answer to an LDAP ping); its DCs first: $LAB_DC2\$" <<<"$out"
check "check: dc2 first, then dc1" grep -q "^domain controllers: $LAB_DC2, $LAB_DC " <<<"$out"
sync_into site2
check "sync reads from dc2 although dc1 is first domain-wide (rc $SYNC_RC, dc ${SYNC_DC:-?}; ${SYNC_SITE:-?})" \
    test "$SYNC_RC-$SYNC_DC" = "0-$LAB_DC2"
check "the keytab authenticates" authenticates site2

# --- the daemon: the same, and one log line with SITE= ------------------------------------------------------------
cfg=$(config daemon)
"$BINARY" run -c "$cfg" --log-target stderr --log-level debug >"$WORK/daemon.log" 2>&1 &
DAEMON=$!
wait_for 30 test -s "$WORK/daemon/msa-svc1.keytab"
check "the daemon writes the keytab through dc2" grep -q "keytab updated.*DC=$LAB_DC2" "$WORK/daemon.log"
check "the daemon logs the site with SITE=Site2" grep -q "site Site2 (from .*'s answer to an LDAP ping).*SITE=Site2" "$WORK/daemon.log"
rm -f "$WORK/daemon/msa-svc1.keytab"
wait_for 30 test -s "$WORK/daemon/msa-svc1.keytab"
wait_for 5 grep -q "keytab repaired" "$WORK/daemon.log"
check "a second pass reads from dc2 without pinging again (the site is logged once)" \
    test "$(grep -c 'SITE=Site2' "$WORK/daemon.log")-$(grep -c "keytab repaired.*DC=$LAB_DC2" "$WORK/daemon.log")" = "1-1"
check "and that keytab authenticates" authenticates daemon
"$BINARY" refresh -c "$cfg" --wait 30 >"$WORK/refresh.out" 2>&1
rc=$?
check "gmsa-keytabd refresh (rc $rc): the daemon pings again and logs the site again ($(grep -c 'SITE=Site2' "$WORK/daemon.log") lines)" \
    test "$rc-$(grep -c 'SITE=Site2' "$WORK/daemon.log")" = 0-2

# --- the host moves to another site while its site's DC is down: the daemon notices and asks again ------------------
# dc2 (Site2's only DC) stops and the host's subnet is given to Default-First-Site-Name: the next pass falls back to
# dc1 and says it will ask for the site again; the pass after that pings and reads from the new site's DC.
helper lab_dc_stop dc2
subnet_site() { samba-tool sites subnet set-site 127.0.0.0/8 "$1" -H "ldap://$LAB_DC" --use-kerberos=required >>"$WORK/helpers.log" 2>&1; }
check "the lab's subnet moves to Default-First-Site-Name" subnet_site Default-First-Site-Name
rm -f "$WORK/daemon/msa-svc1.keytab"
wait_for 30 test -s "$WORK/daemon/msa-svc1.keytab"
wait_for 5 grep -q "none of site Site2's DCs ($LAB_DC2) could be used; this pass uses $LAB_DC, and the next one asks" "$WORK/daemon.log"
check "dc2 stopped: the pass uses dc1 and says the site will be asked again" \
    grep -q "none of site Site2's DCs ($LAB_DC2) could be used; this pass uses $LAB_DC, and the next one asks.*SITE=Site2" "$WORK/daemon.log"
rm -f "$WORK/daemon/msa-svc1.keytab"
wait_for 30 test -s "$WORK/daemon/msa-svc1.keytab"
wait_for 5 grep -q "SITE=Default-First-Site-Name" "$WORK/daemon.log"
check "the next pass pings again and finds the new site (Default-First-Site-Name, its DC dc1)" \
    grep -q "site Default-First-Site-Name (from .*'s answer to an LDAP ping); its DCs first: $LAB_DC; this pass uses $LAB_DC" "$WORK/daemon.log"
check "and that keytab authenticates" authenticates daemon
check "the lab's subnet is Site2's again" subnet_site Site2
helper lab_dc_start dc2
kill "$DAEMON" 2>/dev/null
wait "$DAEMON" 2>/dev/null
DAEMON=

# --- dc2 stopped: back to dc1 -----------------------------------------------------------------------------------
helper lab_dc_stop dc2
sync_into stopped
check "dc2 stopped: sync fails over to dc1 (rc $SYNC_RC, dc ${SYNC_DC:-?})" test "$SYNC_RC-$SYNC_DC" = "0-$LAB_DC"
check "dc2 stopped: the keytab authenticates" authenticates stopped
helper lab_dc_start dc2

# --- [domain] site overrides the ping, even with dc2 first domain-wide --------------------------------------------
srv_priority "$LAB_DC2" 10 0
srv_priority "$LAB_DC" 0 10
check "domain-wide SRV order now puts dc2 first ($(domain_wide))" test "$(domain_wide)" = "$LAB_DC2. $LAB_DC."
sync_into configured Default-First-Site-Name
check "[domain] site = Default-First-Site-Name: sync reads from dc1 (rc $SYNC_RC, dc ${SYNC_DC:-?}; ${SYNC_SITE:-?})" \
    test "$SYNC_RC-$SYNC_DC" = "0-$LAB_DC"
check "the statistics say where the site came from" test "$SYNC_SITE" = "site Default-First-Site-Name (from [domain] site)"
check "the keytab authenticates" authenticates configured
sync_into unsited
check "without [domain] site the ping's Site2 wins again (dc ${SYNC_DC:-?})" test "$SYNC_RC-$SYNC_DC" = "0-$LAB_DC2"

test_summary
