#!/usr/bin/env bash
# Failover between two real DCs, run inside a lab with LAB_DC2=1 (make swift-test does):
#
#   LAB_DC2=1 lab/lab.sh run -- lab/failover-test.sh [BINARY]
#
# Both DCs serve the same kvno and keys; sync fails over from a stopped or frozen dc1 to dc2 and goes back to
# dc1 when it returns; the daemon, with dc1 frozen in the middle of its life, reads through dc2 and keeps
# feeding the watchdog. Every case ends with `kinit -k` working. Prints the figures and "N passed, M failed".
# A shell script, not a Swift test: it stops and starts samba daemons, which a test process's child-reaping
# does not get along with.
set -uo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
BINARY=${1:-$HERE/../.build/debug/gmsa-keytabd}
[[ -n ${LAB_DC2:-} && -n ${LAB_DIR:-} ]] || { echo "failover-test: run inside 'LAB_DC2=1 lab/lab.sh run --'" >&2; exit 2; }
[[ -x $BINARY ]] || { echo "failover-test: $BINARY is not built (swift build)" >&2; exit 2; }
# shellcheck source=lab-lib.sh
. "$HERE/lab-lib.sh"

# shellcheck source=test-lib.sh
. "$HERE/test-lib.sh"

WORK=$(mktemp -d "$LAB_DIR/failover.XXXXXX")
trap 'helper lab_dc_thaw dc1; [[ -n ${LISTENER:-} ]] && kill "$LISTENER" 2>/dev/null; [[ -n ${DAEMON:-} ]] && kill "$DAEMON" 2>/dev/null; true' EXIT

# config NAME SERVERS TIMEOUT: a configuration for msa-svc1$ in $WORK/NAME.
config() {
    local dir=$WORK/$1
    mkdir -p "$dir"
    cat >"$dir/gmsa-keytabd.toml" <<EOF
[domain]
realm = "$LAB_REALM"
servers = [$2]
[host]
keytab = "$LAB_HOST_KEYTAB"
[ldap]
timeout = $3
[daemon]
state_directory = "$dir/state"
[[account]]
name = "msa-svc1\$"
keytab = "$dir/msa-svc1.keytab"
EOF
    printf '%s\n' "$dir/gmsa-keytabd.toml"
}

# sync_into NAME SERVERS TIMEOUT: sync; sets SYNC_RC, SYNC_DC, SYNC_SECONDS, SYNC_OUT.
sync_into() {
    local cfg t0
    cfg=$(config "$1" "$2" "$3")
    t0=$(now)
    SYNC_OUT=$("$BINARY" sync -c "$cfg" --statistics 2>&1)
    SYNC_RC=$?
    SYNC_SECONDS=$(elapsed "$t0")
    SYNC_DC=$(sed -n 's/^statistics: dc \([^;]*\);.*/\1/p' <<<"$SYNC_OUT")
}

authenticates() { KRB5CCNAME=MEMORY: kinit -k -t "$WORK/$1/msa-svc1.keytab" "msa-svc1\$@$LAB_REALM" 2>/dev/null; }

# The keys of a keytab as one digest (never printed).
key_digest() { klist -kK "$1" | grep -E '^ +[0-9]+ ' | awk '{ print $1, $2, $NF }' | sort | md5sum; }

DC1='"dc1.company.test"'
DC2='"dc2.company.test"'

# --- both DCs give the same kvno and keys ------------------------------------------------------------------
sync_into one "$DC1" 30
check "sync through dc1 (rc $SYNC_RC, dc ${SYNC_DC:-?})" test "$SYNC_RC-$SYNC_DC" = "0-dc1.company.test"
sync_into two "$DC2" 30
check "sync through dc2 (rc $SYNC_RC, dc ${SYNC_DC:-?})" test "$SYNC_RC-$SYNC_DC" = "0-dc2.company.test"
check "both DCs gave the same kvno and keys" test "$(key_digest "$WORK/one/msa-svc1.keytab")" = "$(key_digest "$WORK/two/msa-svc1.keytab")"

# --- dc1 stopped: dc2 serves; dc1 back: no flapping ----------------------------------------------------------
helper lab_dc_stop dc1
sync_into stopped "$DC1, $DC2" 30
printf 'figure: dc1 stopped: sync through %s in %s s\n' "${SYNC_DC:-?}" "$SYNC_SECONDS"
check "dc1 stopped: sync fails over to dc2" test "$SYNC_RC-$SYNC_DC" = "0-dc2.company.test"
check "dc1 stopped: the keytab authenticates" authenticates stopped
helper lab_dc_start dc1
sync_into stopped "$DC1, $DC2" 30
check "dc1 back: the next sync uses dc1 again" test "$SYNC_RC-$SYNC_DC" = "0-dc1.company.test"
check "dc1 back: the keytab written through dc2 is current for dc1 (same keys)" grep -q '^msa-svc1\$: current ' <<<"$SYNC_OUT"

# --- dc1 frozen: the LDAP timeout fires, dc2 serves -----------------------------------------------------------
helper lab_dc_freeze dc1
sync_into frozen "$DC1, $DC2" 3
printf 'figure: dc1 frozen: sync through %s in %s s (LDAP timeout 3 s, MIT krb5 KDC failover included)\n' "${SYNC_DC:-?}" "$SYNC_SECONDS"
check "dc1 frozen: sync fails over to dc2" test "$SYNC_RC-$SYNC_DC" = "0-dc2.company.test"
check "dc1 frozen: the keytab authenticates" authenticates frozen
check "dc1 frozen: sync took $SYNC_SECONDS s (< 45)" awk -v s="$SYNC_SECONDS" 'BEGIN { exit !(s < 45) }'
helper lab_dc_thaw dc1

# --- the daemon: dc1 frozen while it runs; it reads through dc2 and keeps feeding the watchdog ------------
cfg=$(config daemon "$DC1, $DC2" 3)
notify_listener 180
# A 10 s watchdog, shorter than the pass through a frozen dc1: the daemon must feed it during the pass.
NOTIFY_SOCKET=$WORK/notify.sock WATCHDOG_USEC=10000000 "$BINARY" run -c "$cfg" --log-target stderr >"$WORK/daemon.log" 2>&1 &
DAEMON=$!
for _ in $(seq 100); do grep -q ' READY=1' "$WORK/notify.log" 2>/dev/null && break; sleep 0.2; done
check "the daemon is ready (through dc1)" grep -q ' READY=1' "$WORK/notify.log"
helper lab_dc_freeze dc1
rm -f "$WORK/daemon/msa-svc1.keytab"
t0=$(now)
for _ in $(seq 300); do [[ -s $WORK/daemon/msa-svc1.keytab ]] && break; sleep 0.2; done
repair=$(elapsed "$t0")
printf 'figure: dc1 frozen under the running daemon: keytab repaired through dc2 in %s s (WatchdogSec=10s)\n' "$repair"
check "with dc1 frozen the daemon repairs the deleted keytab through dc2" grep -q 'keytab repaired.*DC=dc2.company.test' "$WORK/daemon.log"
check "and it authenticates" authenticates daemon
helper lab_dc_thaw dc1
# Two pings at least, so that a gap can be measured.
for _ in $(seq 700); do (($(grep -c ' WATCHDOG=1' "$WORK/notify.log") >= 3)) && break; sleep 0.2; done
gap=$(awk '$2 == "WATCHDOG=1" { if (last) { g = $1 - last; if (g > max) max = g } last = $1 } END { printf "%.1f", max }' "$WORK/notify.log")
printf 'figure: longest gap between WATCHDOG=1 pings: %s s (fed every 5 s, during passes too; WatchdogSec=10s)\n' "$gap"
check "the watchdog was fed throughout, during the pass too (longest gap $gap s < 10 s)" awk -v g="$gap" 'BEGIN { exit !(g > 0 && g < 10) }'
kill "$DAEMON" 2>/dev/null
wait "$DAEMON" 2>/dev/null
DAEMON=

test_summary
