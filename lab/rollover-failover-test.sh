#!/usr/bin/env bash
# A password rollover completed through dc2 after dc1 died between the window read and the read after expiry,
# run inside a lab with LAB_DC2=1 (make swift-test does):
#
#   LAB_DC2=1 lab/lab.sh run -- lab/rollover-failover-test.sh [BINARY]
#
# With msa-daily (1-day interval, a 20-hour period on Samba) and both DCs' clocks moved by libfaketime: the
# daemon runs the whole time under `lab-faketime.sh follow` (its clock follows the DCs' offset, wall and
# monotonic together, so it sees time pass, not a clock step). It starts 5 min 15 s before expiry, stages
# K+1 through dc1 at its scheduled window read; then dc1 is stopped, every clock jumps to 2 minutes after
# expiry, and the daemon's scheduled read after expiry must go to dc2 and make it switch. Checks: kvno 2
# current and 1 retained, `kinit -k` through dc2's KDC, and once dc1 is back, both DCs at kvno 2 and the
# keytab left alone. Prints the figures and "N passed, M failed". About 3 minutes.
set -uo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
BINARY=${1:-$HERE/../.build/debug/gmsa-keytabd}
[[ -n ${LAB_DC2:-} && -n ${LAB_DIR:-} ]] || { echo "rollover-failover-test: run inside 'LAB_DC2=1 lab/lab.sh run --'" >&2; exit 2; }
[[ -x $BINARY ]] || { echo "rollover-failover-test: $BINARY is not built (swift build)" >&2; exit 2; }
# shellcheck source=lab-lib.sh
. "$HERE/lab-lib.sh"
# shellcheck source=test-lib.sh
. "$HERE/test-lib.sh"

FT=$HERE/lab-faketime.sh
ACCOUNT=msa-daily
WORK=$(mktemp -d "$LAB_DIR/rollover-failover.XXXXXX")
KEYTAB=$WORK/$ACCOUNT.keytab
STATE=$WORK/state/state.json
DAEMON=
# shellcheck disable=SC2317  # invoked by trap
cleanup() {
    if [[ -n $DAEMON ]]; then
        kill -CONT "$DAEMON" 2>/dev/null
        kill "$DAEMON" 2>/dev/null
        wait "$DAEMON" 2>/dev/null
    fi
    "$FT" 0 >>"$WORK/helpers.log" 2>&1
    true
}
trap cleanup EXIT

# The DC's clock as "HH:MM:SS" (under the current offset).
dc_clock() { "$FT" exec date -u +%T; }
# kvno NAME: msDS-KeyVersionNumber as DC NAME says (a kvno-only search never makes a DC switch).
kvno_on() { LAB_DC=$1.$LAB_DOMAIN "$FT" exec "$HERE/fetch-attr.sh" "$ACCOUNT" msDS-KeyVersionNumber 2>/dev/null; }
# state FIELD: a field of the account's entry in the daemon's state file.
state() { state_field "$STATE" "$ACCOUNT\$" "$1"; }
# The keytab file as the daemon would see a rewrite: inode, mtime, size, content.
keytab_identity() { printf '%s %s\n' "$(stat -c '%i %Y.%y %s' "$KEYTAB")" "$(md5sum <"$KEYTAB")"; }
authenticates() { KRB5CCNAME=MEMORY: "$FT" exec kinit -k -t "$KEYTAB" "$ACCOUNT\$@$LAB_REALM" >>"$WORK/helpers.log" 2>&1; }
FROM=0
# The daemon's log lines after line $FROM, without the timestamps.
show_log() { tail -n "+$((FROM + 1))" "$WORK/daemon.log" | cut -d' ' -f2- | sed 's/^/  daemon: /'; }

cat >"$WORK/gmsa-keytabd.toml" <<EOF
[domain]
realm = "$LAB_REALM"
servers = ["dc1.$LAB_DOMAIN", "dc2.$LAB_DOMAIN"]
[host]
keytab = "$LAB_HOST_KEYTAB"
[ldap]
timeout = 10
[daemon]
state_directory = "$WORK/state"
[[account]]
name = "$ACCOUNT\$"
keytab = "$KEYTAB"
EOF

# When does the first password expire? (Reading the blob at creation time triggers nothing.)
password_change_of "$ACCOUNT" || exit 1
expiry=$EXPIRY # the first password change, on the real clock's epoch scale

T_START=$(now)
# --- 1. the window read through dc1 ---------------------------------------------------------------------
# Aim at 345 s before the change: restarting the DCs takes 5-20 s, and the first pass must come before the
# DC's 5-minute window, so that the K+1 comes from the scheduled window read.
for _ in 1 2; do
    helper "$FT" "$(offset_to -345)" || exit 1
    left=$((expiry - $("$FT" exec date +%s)))
    ((left > 310)) && break
done
printf 'figure: both DCs restarted under the offset; DC clock %s UTC, %s s before the change\n' "$(dc_clock)" "$left"
check "the clocks are outside the 5-minute window before the daemon starts ($left s > 310 s)" test "$left" -gt 310
# NO_FAKE_STAT: file times stay real, as in RolloverAgainstLabTests.
NO_FAKE_STAT=1 "$FT" follow "$BINARY" run -c "$WORK/gmsa-keytabd.toml" --log-target stderr --log-level debug \
    2> >(while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$WORK/daemon.log") &
DAEMON=$!
t0=$(now)
check "the daemon's first pass reads kvno 1 through dc1" wait_for 60 log_has 'keytab updated' ' KVNO=1' ' DC=dc1'
check "the daemon stages kvno 2 through dc1 at its window read" wait_for 150 log_has 'rollover staged' ' KVNO=2' ' DC=dc1'
printf 'figure: window read %s s after the start (planned at the host spread place in the window); keytab kvnos %s; dc1 kvno %s, dc2 kvno %s\n' \
    "$(elapsed "$t0")" "$(keytab_kvnos "$KEYTAB")" "$(kvno_on dc1)" "$(kvno_on dc2)"
check "the keytab holds 2 (staged) and 1 (active)" test "$(keytab_kvnos "$KEYTAB")" = 2,1

# --- 2. dc1 dies; every clock moves past expiry; the read after expiry goes to dc2 ----------------------
kill -STOP "$DAEMON"
helper lab_dc_stop dc1
helper "$FT" "$(offset_to 120)" # restarts dc2 only (dc1 stays stopped) and moves the daemon's clock
FROM=$(wc -l <"$WORK/daemon.log")
t0=$(now)
kill -CONT "$DAEMON"
printf 'figure: dc1 stopped; clocks at expiry + 120 s (DC clock %s UTC); the read after expiry was planned for %s\n' \
    "$(dc_clock)" "$(state nextFetch)"
# The keytab already holds 2 and 1, so the read after expiry confirms it (a "rollover confirmed" notice with
# its MESSAGE_ID) and rewrites nothing.
check "the read after expiry goes to dc2 and logs the rollover confirmed at kvno 2" \
    wait_for 60 log_has 'rollover confirmed by dc2' ' KVNO=2' ' DC=dc2'
printf 'figure: read after expiry through dc2 %s s after the jump; keytab kvnos %s; dc2 kvno %s\n' \
    "$(elapsed "$t0")" "$(keytab_kvnos "$KEYTAB")" "$(kvno_on dc2)"
check "it rewrote nothing (the staged keytab was already right)" bash -c "! tail -n +$((FROM + 1)) '$WORK/daemon.log' | grep -q 'keytab updated'"
check "no clock step was taken for one (the daemon saw time pass)" bash -c "! grep -q 'wall clock stepped' '$WORK/daemon.log'"
check "the keytab holds 2 (current) and 1 (retained)" test "$(keytab_kvnos "$KEYTAB")" = 2,1
check "the state says kvno 2" test "$(state keyVersion)" = 2
check "dc2 switched to kvno 2" test "$(kvno_on dc2)" = 2
check "kinit -k with the keytab works (dc2's KDC; dc1 is down)" authenticates
show_log

# --- 3. dc1 comes back: both DCs agree, the keytab is left alone ------------------------------------------
before=$(keytab_identity)
helper "$FT" start dc1
FROM=$(wc -l <"$WORK/daemon.log")
t0=$(now)
dc1_kvno=$(kvno_on dc1)
printf 'figure: dc1 back (DC clock %s UTC): right after its start dc1 says kvno %s\n' "$(dc_clock)" "$dc1_kvno"
# A read now goes to dc1 first, as after any restart of the daemon.
refresh=$(NO_FAKE_STAT=1 "$FT" follow "$BINARY" refresh -c "$WORK/gmsa-keytabd.toml" --wait 60 2>&1)
printf '%s\n' "$refresh" | sed 's/^/  refresh: /'
check "a refresh with dc1 back succeeds at kvno 2" grep -q "^$ACCOUNT\\\$: ok, kvno 2 " <<<"$refresh"
same_kvno() { [[ $(kvno_on dc1) == 2 && $(kvno_on dc2) == 2 ]]; }
check "dc1 and dc2 both say kvno 2" wait_for 60 same_kvno
printf 'figure: dc1 kvno %s, dc2 kvno %s, %s s after dc1 came back\n' "$(kvno_on dc1)" "$(kvno_on dc2)" "$(elapsed "$t0")"
sleep 15 # three ticks
check "the keytab was not rewritten after dc1 came back" test "$(keytab_identity)" = "$before"
check "the refresh read went to dc1" log_has ': current ' ' KVNO=2' ' DC=dc1'
check "no keytab update logged after dc1 came back" bash -c "! tail -n +$((FROM + 1)) '$WORK/daemon.log' | grep -q 'keytab updated\\|rollover staged'"
show_log
check "kinit -k still works" authenticates
check "the keytab still holds 2 and 1" test "$(keytab_kvnos "$KEYTAB")" = 2,1

kill "$DAEMON" 2>/dev/null
wait "$DAEMON" 2>/dev/null
DAEMON=
printf 'figure: rollover-failover-test took %s s (the lab not included)\n' "$(elapsed "$T_START")"
test_summary
