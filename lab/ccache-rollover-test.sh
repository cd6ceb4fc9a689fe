#!/usr/bin/env bash
# No gap across a rollover for a program acting as the gMSA through the daemon's ticket cache, run inside a
# lab (make swift-test does):
#
#   lab/lab.sh run -- lab/ccache-rollover-test.sh [BINARY]
#
# msa-daily (1-day interval, a 20-hour period on Samba) gets a keytab and a cache. The DC's clock and the
# daemon's (`lab-faketime.sh follow`: wall and monotonic together, so the daemon sees time pass) start before
# the change window, 345 s before the password change; a reader, also following the offset, acts as the gMSA
# once a second with the cache (`kvno --no-store` of the DC's LDAP SPN, a TGS exchange with the cache's TGT)
# and logs each try. Then:
#   1. the daemon's first pass writes kvno 1 and the cache (an AS exchange with kvno 1);
#   2. every clock jumps into the window, 150 s before the change; a `refresh` is the window read: the keytab
#      stages kvno 2, the cache is left alone;
#   3. every clock jumps to 60 s after the change; a `refresh` is the read after expiry (kvno 2 current): the
#      cache is kept, its TGT stays valid (a rollover does not end tickets already issued);
#   4. every clock jumps to the cache's refresh time (8 h 2 min after its start): the daemon gets a new TGT
#      with the new key, kvno 2, and replaces the file.
# The reader pauses while the DC restarts for each jump (a lab artefact: the DC is down for those seconds).
# Checks: 0 failed tries, tries with each TGT, the second TGT from kvno 2, and what `status` says of the cache.
# Prints the reader's transcript, the figures and "N passed, M failed". About 1 minute.
set -uo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
BINARY=${1:-$HERE/../.build/debug/gmsa-keytabd}
[[ -n ${LAB_DIR:-} ]] || { echo "ccache-rollover-test: run inside 'lab/lab.sh run --'" >&2; exit 2; }
[[ -x $BINARY ]] || { echo "ccache-rollover-test: $BINARY is not built (swift build)" >&2; exit 2; }
# shellcheck source=lab-lib.sh
. "$HERE/lab-lib.sh"
# shellcheck source=test-lib.sh
. "$HERE/test-lib.sh"

FT=$HERE/lab-faketime.sh
ACCOUNT=msa-daily
WORK=$(mktemp -d "$LAB_DIR/ccache-rollover.XXXXXX")
KEYTAB=$WORK/$ACCOUNT.keytab
CACHE=$WORK/$ACCOUNT.ccache
STATE=$WORK/state/state.json
SPN=ldap/dc1.$LAB_DOMAIN
DAEMON=
READER=
# shellcheck disable=SC2317  # invoked by trap
cleanup() {
    [[ -n $READER ]] && kill "$READER" 2>/dev/null && wait "$READER" 2>/dev/null
    if [[ -n $DAEMON ]]; then
        kill "$DAEMON" 2>/dev/null
        wait "$DAEMON" 2>/dev/null
    fi
    "$FT" 0 >>"$WORK/helpers.log" 2>&1
    true
}
trap cleanup EXIT

FROM=0
# The cache's TGT start as klist prints it (under the current offset).
tgt_start() { "$FT" exec klist -c "FILE:$CACHE" 2>/dev/null | awk '/krbtgt\// { print $1 " " $2; exit }'; }
state() { state_field "$STATE" "$ACCOUNT\$" "$1"; }

cat >"$WORK/gmsa-keytabd.toml" <<EOF
[domain]
realm = "$LAB_REALM"
servers = ["dc1.$LAB_DOMAIN"]
[host]
keytab = "$LAB_HOST_KEYTAB"
[ldap]
timeout = 10
[daemon]
state_directory = "$WORK/state"
[[account]]
name = "$ACCOUNT\$"
keytab = "$KEYTAB"
ccache = "$CACHE"
EOF

password_change_of "$ACCOUNT" || exit 1
expiry=$EXPIRY # the first password change, on the real clock's epoch scale

T_START=$(now)
# --- 1. before the window: keytab kvno 1, the cache from kvno 1 -------------------------------------------
helper "$FT" "$(offset_to -345)" || exit 1
NO_FAKE_STAT=1 "$FT" follow "$BINARY" run -c "$WORK/gmsa-keytabd.toml" --log-target stderr --log-level debug \
    2> >(while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$WORK/daemon.log") &
DAEMON=$!
key_version_is() { [[ $(state keyVersion) == "$1" ]]; }
check "the first pass writes the keytab with kvno 1 current" wait_for 60 key_version_is 1
check "the daemon writes the cache" wait_for 30 test -s "$CACHE"
first_tgt=$(tgt_start)
status_of() { NO_FAKE_STAT=1 "$FT" follow "$BINARY" status -c "$WORK/gmsa-keytabd.toml" 2>&1; }
out=$(status_of)
printf '%s\n' "$out" | sed -n '/ticket cache:/,/next:/p' | sed 's/^/  status: /'
check "status shows the cache, its principal, expiry and renew-until" \
    bash -c "grep -q 'ticket cache: $CACHE' <<<\"\$1\" && grep -q 'principal: $ACCOUNT\\\$@$LAB_REALM' <<<\"\$1\" &&
        grep -q 'expires: ' <<<\"\$1\" && grep -q 'renew until: ' <<<\"\$1\"" _ "$out"
check "status: the next action is a renewal" grep -q 'next: renew ' <<<"$out"
printf 'figure: DC clock %s UTC, %s s before the change; cache TGT starting %s\n' \
    "$("$FT" exec date -u +%T)" "$((expiry - $("$FT" exec date +%s)))" "$first_tgt"

# The reader: one TGS exchange with the cache per second, paused while a file says so.
cat >"$WORK/reader.sh" <<'EOF'
#!/usr/bin/env bash
cache=$1 spn=$2 pause=$3
while :; do
    if [[ -e $pause ]]; then sleep 0.2; continue; fi
    start=$(klist -c "FILE:$cache" 2>/dev/null | awk '/krbtgt\// { print $1 "T" $2; exit }')
    if out=$(kvno --no-store -c "FILE:$cache" "$spn" 2>&1); then
        printf '%s ok   tgt=%s\n' "$(date -u +%FT%T)" "$start"
    else
        printf '%s FAIL tgt=%s %s\n' "$(date -u +%FT%T)" "$start" "$out"
    fi
    sleep 1
done
EOF
chmod +x "$WORK/reader.sh"
NO_FAKE_STAT=1 "$FT" follow "$WORK/reader.sh" "$CACHE" "$SPN" "$WORK/pause" >"$WORK/reader.log" 2>&1 &
READER=$!
sleep 6

# --- 2. the window read: kvno 2 staged in the keytab; the cache is left alone -----------------------------
# jump_to OFFSET: every clock to OFFSET with the reader paused while the DC restarts.
jump_to() {
    touch "$WORK/pause"
    sleep 1.5
    helper "$FT" "$1" || exit 1
    rm -f "$WORK/pause"
}
jump_to "$(offset_to -150)"
refresh=$(NO_FAKE_STAT=1 "$FT" follow "$BINARY" refresh -c "$WORK/gmsa-keytabd.toml" --wait 60 2>&1)
printf '%s\n' "$refresh" | sed 's/^/  refresh: /'
check "the window read stages kvno 2 in the keytab (kvno 1 still current)" test "$(keytab_kvnos "$KEYTAB")/$(state keyVersion)" = "2,1/1"
sleep 5
check "the cache still holds its first TGT" test "$(tgt_start)" = "$first_tgt"

# --- 3. after the change: the read after expiry; the cache's TGT stays in use ---------------------------
FROM=$(wc -l <"$WORK/daemon.log")
jump_to "$(offset_to 60)"
refresh=$(NO_FAKE_STAT=1 "$FT" follow "$BINARY" refresh -c "$WORK/gmsa-keytabd.toml" --wait 60 2>&1)
printf '%s\n' "$refresh" | sed 's/^/  refresh: /'
check "the read after expiry makes kvno 2 current" grep -q "^$ACCOUNT\\\$: ok, kvno 2 " <<<"$refresh"
sleep 6
check "the cache still holds the TGT from before the change" test "$(tgt_start)" = "$first_tgt"
out=$(status_of)
printf '%s\n' "$out" | grep 'next: ' | sed 's/^/  status: /'
check "status: the next action is a new ticket, the password having changed" \
    grep -q "next: re-acquire with the account's keys (the password changed (kvno 1 to 2)) " <<<"$out"

# --- 4. the cache's refresh time: a new TGT from the new key ------------------------------------------
# 8 h 2 min after the TGT's start: past its planned refresh (2 to 3 h before a 10 h ticket's end).
tgt_epoch=$(date -d "$first_tgt" +%s)
target=$((tgt_epoch + 8 * 3600 + 120))
# Log lines from before the jump on: the daemon follows the clock and may act while the DC restarts.
FROM=$(wc -l <"$WORK/daemon.log")
jump_to "+$((target - $(date +%s)))"
check "the daemon re-acquires the cache with kvno 2" wait_for 60 log_has 'ticket cache' 're-acquired' ' KVNO=2'
second_tgt=$(tgt_start)
sleep 6
kill "$READER" 2>/dev/null
wait "$READER" 2>/dev/null
READER=

sed 's/^/  reader: /' "$WORK/reader.log"
tries=$(grep -c ' ok \| FAIL ' "$WORK/reader.log")
failures=$(grep -c ' FAIL ' "$WORK/reader.log")
with_first=$(grep -c "ok   tgt=${first_tgt/ /T}" "$WORK/reader.log")
with_second=$(grep -c "ok   tgt=${second_tgt/ /T}" "$WORK/reader.log")
printf 'figure: %s tries, %s failed; %s with the TGT from kvno 1 (%s), %s with the new one (%s)\n' \
    "$tries" "$failures" "$with_first" "$first_tgt" "$with_second" "$second_tgt"
check "no try failed across the rollover and the new TGT" test "$failures" -eq 0
check "the reader used the first TGT before, in and after the window" test "$with_first" -ge 12
check "the reader used the new TGT" test "$with_second" -ge 3
check "the new TGT is another one" test "$second_tgt" != "$first_tgt"
check "kvno 2 in the state file" test "$(state keyVersion)" = 2
grep -E 'ticket cache' "$WORK/daemon.log" | cut -d' ' -f2- | sed 's/^/  daemon: /'
kill "$DAEMON" 2>/dev/null
wait "$DAEMON" 2>/dev/null
DAEMON=
printf 'figure: ccache-rollover-test took %s s (the lab not included)\n' "$(elapsed "$T_START")"
test_summary
