#!/usr/bin/env bash
# Bounded passes: 16 DCs that drop packets ahead of the one that answers, run inside a lab (make swift-test does):
#
#   lab/lab.sh run -- lab/dead-dcs-test.sh [BINARY]
#
# Sixteen A and SRV records (dead01..dead16, 127.0.1.1-16, SRV priority 0) go into dc1's DNS ahead of dc1 (its
# SRV priority becomes 10); nftables in the lab's namespace drops everything sent to 127.0.1.0/24. The daemon,
# with [ldap] timeout = 2 and a 10 s watchdog, must send READY=1 after its first pass although 16 x 2 s of dead
# DCs lie ahead of dc1, keep each pass within its budget (4 timeouts for finding a DC), keep feeding the
# watchdog, and write the keytab through dc1 once the passes reach it; the next pass then goes straight to
# dc1. Prints the figures and "N passed, M failed". About 2 minutes.
set -uo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
BINARY=${1:-$HERE/../.build/debug/gmsa-keytabd}
[[ -n ${LAB_DIR:-} ]] || { echo "dead-dcs-test: run inside 'lab/lab.sh run --'" >&2; exit 2; }
[[ -x $BINARY ]] || { echo "dead-dcs-test: $BINARY is not built (swift build)" >&2; exit 2; }
command -v nft >/dev/null || { echo "dead-dcs-test: nft not found (lab/install-deps.sh installs nftables)" >&2; exit 2; }
: "${LAB_DC:?}" "${LAB_DOMAIN:?}"
# shellcheck source=test-lib.sh
. "$HERE/test-lib.sh"

WORK=$(mktemp -d "$LAB_DIR/dead-dcs.XXXXXX")
TABLE=gmsa_dead_dcs_test
DEAD=16
TIMEOUT=2
DAEMON=
LISTENER=
# shellcheck disable=SC2317  # invoked by trap
cleanup() {
    nft delete table inet "$TABLE" 2>/dev/null
    [[ -z $DAEMON ]] || kill "$DAEMON" 2>/dev/null
    [[ -z $LISTENER ]] || kill "$LISTENER" 2>/dev/null
    true
}
trap cleanup EXIT

dns() { samba-tool dns "$@" --use-kerberos=required; }
# The domain-wide SRV targets in RFC 2782 order: priority, then (random within one priority) the name.
domain_wide() {
    host -t SRV "_ldap._tcp.dc._msdcs.$LAB_DOMAIN" | awk '{ print $(NF - 3), $NF }' | sort -n | awk '{ print $2 }' | paste -sd' '
}

# --- DNS: 16 dead DCs ahead of dc1; their addresses drop every packet --------------------------------------------
t0=$(now)
for i in $(seq "$DEAD"); do
    name=$(printf 'dead%02d' "$i")
    helper dns add "$LAB_DC" "$LAB_DOMAIN" "$name" A "127.0.1.$i"
    helper dns add "$LAB_DC" "_msdcs.$LAB_DOMAIN" _ldap._tcp.dc SRV "$name.$LAB_DOMAIN 389 0 100"
done
helper dns update "$LAB_DC" "_msdcs.$LAB_DOMAIN" _ldap._tcp.dc SRV "$LAB_DC 389 0 100" "$LAB_DC 389 10 100"
printf 'figure: %s A and SRV records added in %s s\n' "$DEAD" "$(elapsed "$t0")"
order=$(domain_wide)
check "DNS lists the $DEAD dead DCs first and dc1 last ($(wc -w <<<"$order") SRV records)" \
    test "$(wc -w <<<"$order")-${order##* }" = "$((DEAD + 1))-$LAB_DC."
nft add table inet "$TABLE" &&
    nft add chain inet "$TABLE" output '{ type filter hook output priority 0; policy accept; }' &&
    nft add rule inet "$TABLE" output ip daddr 127.0.1.0/24 drop
check "packets to 127.0.1.0/24 are dropped (LDAP on dead01 does not answer in 1 s)" \
    bash -c "! timeout 1 bash -c 'exec 3<>/dev/tcp/127.0.1.1/389' 2>/dev/null"

# --- the daemon, under a 10 s watchdog, through the notify socket ------------------------------------------------
mkdir -p "$WORK/daemon"
cfg=$WORK/daemon/gmsa-keytabd.toml
{
    printf '[domain]\nrealm = "%s"\n[host]\nkeytab = "%s"\n[ldap]\ntimeout = %s\n' "$LAB_REALM" "$LAB_HOST_KEYTAB" "$TIMEOUT"
    printf '[daemon]\nstate_directory = "%s/daemon/state"\n' "$WORK"
    printf '[[account]]\nname = "msa-svc1$"\nkeytab = "%s/daemon/msa-svc1.keytab"\n' "$WORK"
} >"$cfg"
notify_listener 300
T_START=$(now)
NOTIFY_SOCKET=$WORK/notify.sock WATCHDOG_USEC=10000000 "$BINARY" run -c "$cfg" --log-target stderr \
    2> >(while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$WORK/daemon.log") &
DAEMON=$!
ready() { grep -q ' READY=1' "$WORK/notify.log" 2>/dev/null; }
written() { [[ -s $WORK/daemon/msa-svc1.keytab ]]; }
wait_for 120 ready
ready_after=$(awk -v s="$T_START" '$2 == "READY=1" { printf "%.1f", $1 - s; exit }' "$WORK/notify.log")
printf 'figure: READY=1 %s s after the start (%s dead DCs x %s s timeout = %s s ahead of dc1)\n' \
    "${ready_after:-never}" "$DEAD" "$TIMEOUT" "$((DEAD * TIMEOUT))"
check "READY=1 within 20 s of the start, not after every dead DC (${ready_after:-never} s)" \
    awk -v r="${ready_after:-999}" 'BEGIN { exit !(r < 20) }'
wait_for 150 written
written_after=$(elapsed "$T_START")
printf 'figure: keytab written through the 17th DC %s s after the start\n' "$written_after"
check "the keytab is written through dc1 once the passes reach it" grep -q "keytab updated.*DC=$LAB_DC" "$WORK/daemon.log"
check "kinit -k with it works" env KRB5CCNAME=MEMORY: kinit -k -t "$WORK/daemon/msa-svc1.keytab" "msa-svc1\$@$LAB_REALM"

# Each pass cut short by its budget says how many DCs it tried and in how long.
grep -o 'budget ([0-9]* s, [0-9]* times \[ldap\] timeout): [0-9]* of [0-9]* tried in [0-9.]* s' "$WORK/daemon.log" \
    | sed 's/.*: \([0-9]*\) of \([0-9]*\) tried in \([0-9.]*\) s/\1 \2 \3/' >"$WORK/passes"
passes=$(wc -l <"$WORK/passes")
longest=$(awk '$3 > m { m = $3 } END { printf "%.1f", m }' "$WORK/passes")
tried=$(awk '{ s += $1 } END { print s + 0 }' "$WORK/passes")
printf 'figure: %s passes cut short by their budget (%s s), %s DCs tried in them, longest DC search %s s: %s\n' \
    "$passes" "$((4 * TIMEOUT))" "$tried" "$longest" "$(awk '{ printf "%s in %s s; ", $1, $3 }' "$WORK/passes")"
check "passes stop at their budget and the next one goes on ($passes passes cut short, $tried dead DCs tried)" \
    test "$passes-$tried" = "4-$DEAD"
check "no DC search outlasts the budget of 4 timeouts plus one ($longest s <= $((5 * TIMEOUT)) s)" \
    awk -v l="$longest" -v b="$((5 * TIMEOUT))" 'BEGIN { exit !(l > 0 && l <= b) }'
check "no account failed meanwhile (a cut-short pass is not a failure)" bash -c "! grep -q '<3>msa-svc1' '$WORK/daemon.log'"

# --- the next pass goes straight to the DC that answered -----------------------------------------------------------
rm -f "$WORK/daemon/msa-svc1.keytab"
t0=$(now)
wait_for 30 written
repaired=$(elapsed "$t0")
printf 'figure: keytab deleted: repaired through dc1 %s s later (dead DCs tried after it)\n' "$repaired"
check "the next pass goes straight to dc1 ($repaired s < 10 s)" awk -v r="$repaired" 'BEGIN { exit !(r < 10) }'

gap=$(awk '$2 == "WATCHDOG=1" { if (last) { g = $1 - last; if (g > max) max = g } last = $1 } END { printf "%.1f", max }' "$WORK/notify.log")
pings=$(grep -c ' WATCHDOG=1' "$WORK/notify.log")
printf 'figure: %s WATCHDOG=1 pings, longest gap %s s (WatchdogSec=10s)\n' "$pings" "$gap"
check "the watchdog was fed throughout ($pings pings, longest gap $gap s < 10 s)" \
    awk -v g="$gap" -v n="$pings" 'BEGIN { exit !(n >= 5 && g > 0 && g < 10) }'
check "the daemon is still running" kill -0 "$DAEMON"
printf 'figure: dead-dcs-test took %s s\n' "$(elapsed "$T_START")"

test_summary
