#!/usr/bin/env bash
# Crashes and full disks, run inside a lab with two extra gMSAs (make swift-test does):
#
#   LAB_EXTRA_GMSAS=2 lab/lab.sh run -- lab/crash-test.sh [BINARY]
#
# 1. `kill -9` at random moments of `sync` over six accounts, CRASH_ROUNDS times (default 1000). Each round's
#    sync moves every keytab between two known versions, A (aes256, aes128, rc4) and B (aes256 only), so every
#    pass writes keytabs and the state file. After each kill: every keytab is exactly A or B (its kvno,
#    principal, enctype and key entries digested, never printed; absent or unparsable counts as torn),
#    state.json parses, and after the next complete pass no temporary file or directory is left.
# 2. A full keytab directory and a full state directory (64 KiB tmpfs, filled): the old files stay
#    byte-identical, the error says why, and a running daemon writes the keytab / saves the state by itself
#    once space returns. Every case ends with `kinit -k` working.
# Prints the figures and "N passed, M failed". A shell script, not a Swift test: it kills and starts daemons,
# which a test process's child-reaping does not get along with.
set -uo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
BINARY=${1:-$HERE/../.build/debug/gmsa-keytabd}
ROUNDS=${CRASH_ROUNDS:-1000}
[[ -n ${LAB_DIR:-} ]] || { echo "crash-test: run inside 'LAB_EXTRA_GMSAS=2 lab/lab.sh run --'" >&2; exit 2; }
[[ -x $BINARY ]] || { echo "crash-test: $BINARY is not built (swift build)" >&2; exit 2; }
[[ $ROUNDS =~ ^[0-9]+$ ]] || { echo "crash-test: CRASH_ROUNDS must be a number" >&2; exit 2; }

# shellcheck source=test-lib.sh
. "$HERE/test-lib.sh"
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
elapsed() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

WORK=$(mktemp -d "$LAB_DIR/crash.XXXXXX")
MOUNTS=()
DAEMON=
cleanup() {
    [[ -z $DAEMON ]] || { kill -KILL "$DAEMON" 2>/dev/null; wait "$DAEMON" 2>/dev/null; }
    local m
    for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
    true
}
trap cleanup EXIT

ACCOUNTS=(msa-web msa-svc1 msa-daily msa-group msa-bench-1 msa-bench-2)
ENCTYPES_A='"aes256", "aes128", "rc4"'
ENCTYPES_B='"aes256"'

# config FILE ENCTYPES KEYTAB_DIR STATE_DIR ACCOUNT...: a configuration with one keytab per account.
config() {
    local file=$1 enctypes=$2 keytabs=$3 state=$4 account
    shift 4
    mkdir -p "$keytabs" "$state"
    {
        printf '[domain]\nrealm = "%s"\n[host]\nkeytab = "%s"\n[daemon]\nstate_directory = "%s"\n' \
            "$LAB_REALM" "$LAB_HOST_KEYTAB" "$state"
        for account in "$@"; do
            printf '[[account]]\nname = "%s$"\nkeytab = "%s/%s.keytab"\nenctypes = [%s]\n' "$account" "$keytabs" "$account" "$enctypes"
        done
    } >"$file"
}

# The entries of a keytab (kvno, principal, enctype, key) as one digest, never printed; empty when klist fails.
key_digest() {
    local digest
    digest=$(klist -keK "$1" 2>/dev/null | awk '/^ +[0-9]+ / { print $1, $2, $3, $NF }' | md5sum) || return 0
    printf '%s\n' "${digest%% *}"
}

parses() { jq -e . "$1" >/dev/null 2>&1; }
authenticates() { KRB5CCNAME=MEMORY: kinit -k -t "$1" "$2\$@$LAB_REALM" 2>/dev/null; }

# Files in DIR that a writer leaves only while it runs: keytab temporary directories, state temporaries.
temporaries() { find "$1" -mindepth 1 -maxdepth 1 \( -name '.gmsa-keytabd.*' -o -name '.dat.nosync*' -o -name '*.tmp' \) -printf '%f\n' 2>/dev/null; }

file_id() { stat -c '%i %s %y' "$1" 2>/dev/null; }
content_id() { local s; s=$(sha256sum "$1" 2>/dev/null); printf '%s %s\n' "${s%% *}" "$(file_id "$1")"; }

# =============================================================================================================
# 1. kill -9 during sync
# =============================================================================================================
KT=$WORK/kill/keytabs
STATE=$WORK/kill/state
config "$WORK/A.toml" "$ENCTYPES_A" "$KT" "$STATE" "${ACCOUNTS[@]}"
config "$WORK/B.toml" "$ENCTYPES_B" "$KT" "$STATE" "${ACCOUNTS[@]}"

# The two versions of every keytab, from complete passes; the durations of passes that write every keytab.
declare -A DIGEST_A DIGEST_B
durations=()
ref_ok=1
for version in A B A B A B A; do
    t0=$(now_ms)
    if ! "$BINARY" sync -c "$WORK/$version.toml" >"$WORK/sync.out" 2>&1; then
        ref_ok=0
        sed 's/^/    /' "$WORK/sync.out"
    fi
    durations+=($(($(now_ms) - t0)))
    for account in "${ACCOUNTS[@]}"; do
        digest=$(key_digest "$KT/$account.keytab")
        if [[ $version == A ]]; then DIGEST_A[$account]=$digest; else DIGEST_B[$account]=$digest; fi
    done
done
t0=$(now_ms)
"$BINARY" sync -c "$WORK/A.toml" >/dev/null 2>&1
current_pass=$(($(now_ms) - t0))
for account in "${ACCOUNTS[@]}"; do
    [[ -n ${DIGEST_A[$account]} && -n ${DIGEST_B[$account]} && ${DIGEST_A[$account]} != "${DIGEST_B[$account]}" ]] || ref_ok=0
done
check "complete syncs write ${#ACCOUNTS[@]} keytabs in two distinct versions A and B" test "$ref_ok" = 1
# The span of the random kill moments: the median pass (the first, a cold start, left out) and a tenth more,
# so that the slower passes are covered to their end and few kills come after the exit.
warm=("${durations[@]:1}")
median=$(printf '%s\n' "${warm[@]}" | sort -n | sed -n "$(((${#warm[@]} + 1) / 2))p")
SPAN=$((median * 11 / 10))
printf 'figure: a sync writing %d keytabs takes %s ms (first, cold: %s ms); one with nothing to write %s ms; kills land in 0..%s ms\n' \
    "${#ACCOUNTS[@]}" "$(printf '%s\n' "${warm[@]}" | sort -n | tr '\n' ' ' | sed 's/ $//; s/ /, /g')" \
    "${durations[0]}" "$current_pass" "$SPAN"

# version_of ACCOUNT: A, B or torn (absent, unparsable, or any other set of entries).
version_of() {
    local digest
    digest=$(key_digest "$KT/$1.keytab")
    if [[ -n $digest && $digest == "${DIGEST_A[$1]}" ]]; then
        echo A
    elif [[ -n $digest && $digest == "${DIGEST_B[$1]}" ]]; then
        echo B
    else
        echo torn
    fi
}

shopt -s nullglob
declare -A current known_id phases
torn=0 unparsable=0 kept_after_pass=0 complete_passes=0 failed_passes=0
for account in "${ACCOUNTS[@]}"; do current[$account]=A; done

# inspect LABEL: what a killed pass left. Every keytab must be version A or B and state.json must parse; a file
# is digested again only when its identity (inode, size, mtime, ctime) changed, as any write or rename over it
# does. Sets CHANGED (keytabs whose version changed), STATE_SAVED, and LEFT (temporaries present).
inspect() {
    local label=$1 name id account version
    local -A ids=()
    while IFS='|' read -r name id; do ids[$name]=$id; done < <(stat -c '%n|%i %s %y %z' "$KT"/*.keytab "$STATE/state.json" 2>/dev/null)
    CHANGED=0
    for account in "${ACCOUNTS[@]}"; do
        id=${ids[$KT/$account.keytab]:-}
        [[ -z $id || $id != "${known_id[$account]:-}" ]] || continue
        version=$(version_of "$account")
        known_id[$account]=$id
        if [[ $version == torn ]]; then
            torn=$((torn + 1))
            known_id[$account]=
            fail "$label: $account.keytab is torn (neither version A nor B; klist: $(klist -k "$KT/$account.keytab" 2>&1 | tail -1))"
            continue
        fi
        [[ $version == "${current[$account]}" ]] || CHANGED=$((CHANGED + 1))
        current[$account]=$version
    done
    STATE_SAVED=0
    id=${ids[$STATE/state.json]:-}
    if [[ -z $id || $id != "${known_id[state]:-}" ]]; then
        STATE_SAVED=1
        known_id[state]=$id
        if ! parses "$STATE/state.json"; then
            unparsable=$((unparsable + 1))
            known_id[state]=
            fail "$label: state.json does not parse"
        fi
    fi
    KT_LEFT=("$KT"/.gmsa-keytabd.*)
    STATE_LEFT=("$STATE"/.dat.nosync* "$STATE"/*.tmp)
}

# complete_pass LABEL: the same job run again to its end: it succeeds, leaves no temporary, and every keytab
# then holds the target version (all digested again).
complete_pass() {
    local left account
    complete_passes=$((complete_passes + 1))
    if ! "$BINARY" sync -c "$WORK/$target.toml" >"$WORK/pass.out" 2>&1; then
        failed_passes=$((failed_passes + 1))
        fail "$1: the complete pass after the kill failed: $(tail -1 "$WORK/pass.out")"
    fi
    left=("$KT"/.gmsa-keytabd.* "$STATE"/.dat.nosync* "$STATE"/*.tmp)
    if ((${#left[@]} > 0)); then
        kept_after_pass=$((kept_after_pass + ${#left[@]}))
        fail "$1: left after the next complete pass: ${left[*]##*/}"
    fi
    known_id=()
    inspect "$1, then a complete pass"
    for account in "${ACCOUNTS[@]}"; do
        [[ ${current[$account]} == "$target" ]] || fail "$1: after a complete pass $account.keytab is ${current[$account]}, not $target"
    done
}

all_at_target() {
    local account
    for account in "${ACCOUNTS[@]}"; do [[ ${current[$account]} == "$target" ]] || return 1; done
}
flip() { if [[ $target == A ]]; then target=B; else target=A; fi; }

# phase RC PENDING: where the kill landed, from what the pass left behind.
phase() {
    if (($1 == 0)); then
        echo "finished before the kill"
    elif (($1 != 137)); then
        echo "failed by itself"
    elif ((${#STATE_LEFT[@]} > 0)); then
        echo "in the state save (temporary file present)"
    elif ((STATE_SAVED)); then
        echo "after the state save"
    elif ((${#KT_LEFT[@]} > 0)); then
        echo "in a keytab write (temporary directory present)"
    elif ((CHANGED > 0 && CHANGED == $2)); then
        echo "after the keytab writes, before the state save"
    elif ((CHANGED > 0)); then
        echo "between two keytab writes"
    else
        echo "before any write (start, Kerberos, LDAP, key derivation)"
    fi
}
PHASES=("before any write (start, Kerberos, LDAP, key derivation)" "in a keytab write (temporary directory present)"
    "between two keytab writes" "after the keytab writes, before the state save" "in the state save (temporary file present)"
    "after the state save" "finished before the kill" "failed by itself")

pending_count() {
    local account n=0
    for account in "${ACCOUNTS[@]}"; do [[ ${current[$account]} == "$target" ]] || n=$((n + 1)); done
    echo "$n"
}

# --- 1a. kills at random moments ------------------------------------------------------------------------
exec {SLEEP_FD}<> <(:) # read -t on it sleeps without a process
known_id=()
inspect "before the kills"
target=B
buckets=(0 0 0 0 0 0 0 0 0 0)
t_kill=$(now_ms)
for ((round = 1; round <= ROUNDS; round++)); do
    delay=$(((RANDOM * 32768 + RANDOM) % (SPAN + 1)))
    pending=$(pending_count)
    {
        t0=${EPOCHREALTIME/./}
        "$BINARY" sync -c "$WORK/$target.toml" >/dev/null 2>"$WORK/kill.err" &
        pid=$!
        read -rt "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))" -u "$SLEEP_FD"
        kill -KILL "$pid"
        t1=${EPOCHREALTIME/./}
        wait "$pid"
        rc=$?
    } 2>/dev/null # no "Killed" line from bash
    at=$(((t1 - t0) / 1000))
    label="round $round (kill at $at ms)"
    inspect "$label"
    phase=$(phase "$rc" "$pending")
    phases[$phase]=$((${phases[$phase]:-0} + 1))
    [[ $rc != 0 && $rc != 137 ]] && fail "$label: sync exited $rc by itself: $(tail -1 "$WORK/kill.err")"
    if ((rc == 137)); then
        bucket=$((at * 10 / (SPAN + 1)))
        ((bucket < 10)) || bucket=9
        buckets[bucket]=$((buckets[bucket] + 1))
    fi
    # The next complete pass after every kill that left a temporary, every 100th round and at the end.
    if ((${#KT_LEFT[@]} + ${#STATE_LEFT[@]} > 0 || round % 100 == 0 || round == ROUNDS)); then
        complete_pass "$label"
    fi
    all_at_target && flip
done
kill_seconds=$(elapsed "$t_kill")

printf 'figure: %d random kills in %s s (%s ms a round with its checks)\n' "$ROUNDS" "$kill_seconds" \
    "$(awk -v s="$kill_seconds" -v n="$ROUNDS" 'BEGIN { printf "%.0f", n ? s * 1000 / n : 0 }')"
printf 'figure: where they landed (from what each pass left behind):\n'
for phase in "${PHASES[@]}"; do printf 'figure:   %5d  %s\n' "${phases[$phase]:-0}" "$phase"; done
printf 'figure: kill moments by tenth of 0..%s ms: %s\n' "$SPAN" "${buckets[*]}"
random_writes=$((${phases["in a keytab write (temporary directory present)"]:-0} + ${phases["between two keytab writes"]:-0}))

# --- 1b. kills at every system call of the write phase -------------------------------------------------------
# strace delivers SIGKILL on entry to the N-th call of one system call (the call does not run): before each
# mkdir, fchmod, fsync, rename, rmdir and unlink of a pass that rewrites every keytab from B to A (the version
# with more entries: libkrb5 flushes each) and saves the state. CRASH_SYSCALLS="... write" adds write(2). Of a
# call made more than 12 times in a pass, every ceil(N/12)-th and the last three (fsync: about 14 of 62). Each
# kill is followed by the complete pass, then a pass back to B.
read -ra SYSCALLS <<<"${CRASH_SYSCALLS:-mkdir fchmod fsync rename rmdir unlink}"
declare -A injected
injected_total=0
t_inject=$(now_ms)
if command -v strace >/dev/null; then
    # to_b: every keytab back to version B, unchecked (the next inspection digests them all again).
    to_b() {
        "$BINARY" sync -c "$WORK/B.toml" >"$WORK/pass.out" 2>&1 || fail "$1: the pass back to B failed: $(tail -1 "$WORK/pass.out")"
        for account in "${ACCOUNTS[@]}"; do current[$account]=B; done
        known_id=([state]="$(stat -c '%i %s %y %z' "$STATE/state.json")")
    }
    # calls_to_kill N: which of N calls.
    calls_to_kill() {
        local step=$((($1 + 11) / 12)) i
        { for ((i = 1; i <= $1; i += step)); do echo "$i"; done; for ((i = $1 - 2; i <= $1; i++)); do ((i < 1)) || echo "$i"; done; } | sort -nu
    }
    to_b "before the counting pass"
    target=A
    strace -f -qq -c -U name,calls -o "$WORK/calls" -e trace="$(IFS=,; echo "${SYSCALLS[*]}")" \
        "$BINARY" sync -c "$WORK/$target.toml" >/dev/null 2>&1
    for call in "${SYSCALLS[@]}"; do
        calls=$(awk -v c="$call" '$1 == c { print $2 }' "$WORK/calls")
        killed_calls=0
        for n in $(calls_to_kill "${calls:-0}"); do
            killed_calls=$((killed_calls + 1))
            to_b "before $call #$n"
            pending=$(pending_count)
            {
                strace -f -qq -o /dev/null -e trace="$call" -e inject="$call:signal=KILL:when=$n" \
                    "$BINARY" sync -c "$WORK/$target.toml" >/dev/null 2>"$WORK/kill.err"
                rc=$?
            } 2>/dev/null
            label="kill before $call #$n"
            inspect "$label"
            phase=$(phase "$rc" "$pending")
            injected[$phase]=$((${injected[$phase]:-0} + 1))
            injected_total=$((injected_total + 1))
            complete_pass "$label"
        done
        printf 'figure: kills before %s: %d of the %s calls of a pass\n' "$call" "$killed_calls" "${calls:-0}"
    done
    printf 'figure: %d kills at system calls in %s s; where they landed:\n' "$injected_total" "$(elapsed "$t_inject")"
    for phase in "${PHASES[@]}"; do printf 'figure:   %5d  %s\n' "${injected[$phase]:-0}" "$phase"; done
else
    fail "strace is not installed (lab/install-deps.sh installs it): no kills at system calls"
fi

printf 'figure: torn keytabs %d; unparsable state.json %d; complete passes %d (%d failed); temporaries left after a complete pass %d\n' \
    "$torn" "$unparsable" "$complete_passes" "$failed_passes" "$kept_after_pass"
check "$ROUNDS random kills and $injected_total at system calls: no torn keytab ($torn)" test "$torn" = 0
check "and state.json always parses ($unparsable unparsable)" test "$unparsable" = 0
check "and nothing is left after the next complete pass ($kept_after_pass)" test "$kept_after_pass" = 0
check "the kills at system calls landed in keytab writes and in the state save" \
    test "${injected["in a keytab write (temporary directory present)"]:-0}" -gt 0 -a "${injected["in the state save (temporary file present)"]:-0}" -gt 0
if ((ROUNDS >= 100)); then
    check "some random kills landed among the keytab writes ($random_writes)" test "$random_writes" -gt 0
fi
all_auth=1
for account in "${ACCOUNTS[@]}"; do authenticates "$KT/$account.keytab" "$account" || all_auth=0; done
check "after the kills every keytab authenticates (kinit -k)" test "$all_auth" = 1

# =============================================================================================================
# 2. full disks
# =============================================================================================================
# small_disk DIR: a 64 KiB tmpfs at DIR (in the lab's mount namespace).
small_disk() {
    mkdir -p "$1"
    mount -t tmpfs -o size=64k,mode=0755 tmpfs "$1" && MOUNTS+=("$1")
}
fill() { dd if=/dev/zero of="$1/filler" bs=4k status=none 2>/dev/null; [[ $(df --output=avail "$1" | tail -1) -eq 0 ]]; }

# start_daemon CONFIG LOG: the daemon in the background (no NOTIFY_SOCKET: no systemd).
start_daemon() {
    "$BINARY" run -c "$1" --log-target stderr >"$2" 2>&1 &
    DAEMON=$!
}
stop_daemon() {
    kill -TERM "$DAEMON" 2>/dev/null
    wait "$DAEMON" 2>/dev/null
    DAEMON=
}
has_version() { [[ $(key_digest "$1") == "$2" ]]; }
changed_since() { [[ $(content_id "$1") != "$2" ]]; }
log_has() { grep -q -- "$2" "$1"; }

# --- a full keytab directory -------------------------------------------------------------------------------
D=$WORK/fullkt
small_disk "$D/keytabs"
config "$D/A.toml" "$ENCTYPES_A" "$D/keytabs" "$D/state" msa-web
config "$D/B.toml" "$ENCTYPES_B" "$D/keytabs" "$D/state" msa-web
# The daemon gets a state of its own: the failed sync's state would start its backoff one step further.
config "$D/daemon.toml" "$ENCTYPES_B" "$D/keytabs" "$D/daemon-state" msa-web
"$BINARY" sync -c "$D/A.toml" >/dev/null 2>&1
check "full keytab directory: the keytab (version A) is written while there is space" has_version "$D/keytabs/msa-web.keytab" "${DIGEST_A[msa-web]}"
before=$(content_id "$D/keytabs/msa-web.keytab")
check "full keytab directory: filled" fill "$D/keytabs"
"$BINARY" sync -c "$D/B.toml" >"$D/sync.out" 2>&1
rc=$?
printf 'figure: full keytab directory: sync exits %d: %s\n' "$rc" "$(grep -m1 'msa-web' "$D/sync.out")"
check "full keytab directory: sync exits 1 (an account failed; README)" test "$rc" = 1
check "full keytab directory: the error says 'No space left on device'" log_has "$D/sync.out" 'No space left on device'
check "full keytab directory: the old keytab is byte-identical" test "$(content_id "$D/keytabs/msa-web.keytab")" = "$before"
check "full keytab directory: no temporary left" test -z "$(temporaries "$D/keytabs")"
start_daemon "$D/daemon.toml" "$D/daemon.log"
wait_for 30 log_has "$D/daemon.log" 'No space left on device'
check "full keytab directory: the daemon logs the failed write" log_has "$D/daemon.log" 'No space left on device'
check "full keytab directory: the old keytab is still byte-identical" test "$(content_id "$D/keytabs/msa-web.keytab")" = "$before"
rm -f "$D/keytabs/filler"
t0=$(now_ms)
wait_for 120 has_version "$D/keytabs/msa-web.keytab" "${DIGEST_B[msa-web]}"
printf 'figure: full keytab directory: the running daemon wrote the keytab %s s after space returned (retry backoff 15-30 s)\n' "$(elapsed "$t0")"
check "full keytab directory: the daemon writes the new keytab by itself once space returns" has_version "$D/keytabs/msa-web.keytab" "${DIGEST_B[msa-web]}"
check "full keytab directory: and it authenticates" authenticates "$D/keytabs/msa-web.keytab" msa-web
stop_daemon

# --- a full state directory --------------------------------------------------------------------------------
D=$WORK/fullstate
small_disk "$D/state"
config "$D/A.toml" "$ENCTYPES_A" "$D/keytabs" "$D/state" msa-web msa-svc1
config "$D/B.toml" "$ENCTYPES_B" "$D/keytabs" "$D/state" msa-web msa-svc1
"$BINARY" sync -c "$D/A.toml" >/dev/null 2>&1
check "full state directory: state.json is written while there is space" parses "$D/state/state.json"
before=$(content_id "$D/state/state.json")
check "full state directory: filled" fill "$D/state"
"$BINARY" sync -c "$D/B.toml" >"$D/sync.out" 2>&1
rc=$?
printf 'figure: full state directory: sync exits %d: %s\n' "$rc" "$(grep -m1 'state' "$D/sync.out")"
check "full state directory: sync still writes the keytabs" has_version "$D/keytabs/msa-web.keytab" "${DIGEST_B[msa-web]}"
check "full state directory: sync exits 0 (every keytab current) and warns about the state file" \
    test "$rc-$(grep -c 'warning: cannot save the state file' "$D/sync.out")" = 0-1
check "full state directory: the warning says 'No space left on device'" log_has "$D/sync.out" 'No space left on device'
check "full state directory: the old state.json is byte-identical" test "$(content_id "$D/state/state.json")" = "$before"
check "full state directory: no temporary left" test -z "$(temporaries "$D/state")"

start_daemon "$D/A.toml" "$D/daemon-full.log"
wait "$DAEMON"
rc=$?
DAEMON=
printf 'figure: full state directory: the daemon started on it exits %d: %s\n' "$rc" "$(grep -m1 -i 'cannot start' "$D/daemon-full.log")"
check "full state directory: a daemon started on it exits 75 (the unit restarts it; not 73) naming the full disk" \
    test "$rc-$(grep -c 'No space left on device' "$D/daemon-full.log")" = 75-1

rm -f "$D/state/filler"
start_daemon "$D/A.toml" "$D/daemon.log"
wait_for 30 has_version "$D/keytabs/msa-web.keytab" "${DIGEST_A[msa-web]}"
wait_for 10 changed_since "$D/state/state.json" "$before"
check "full state directory: with space the daemon writes the keytabs and saves the state" changed_since "$D/state/state.json" "$before"
sleep 1
before=$(content_id "$D/state/state.json")
fill "$D/state"
rm -f "$D/keytabs/msa-svc1.keytab"
wait_for 30 log_has "$D/daemon.log" 'state.json.*No space left on device'
check "full state directory: the daemon repairs a deleted keytab and logs the failed state save" \
    log_has "$D/daemon.log" 'state.json.*No space left on device'
check "full state directory: the old state.json is byte-identical" test "$(content_id "$D/state/state.json")" = "$before"
check "full state directory: no temporary left" test -z "$(temporaries "$D/state")"
rm -f "$D/state/filler"
t0=$(now_ms)
wait_for 60 changed_since "$D/state/state.json" "$before"
printf 'figure: full state directory: the running daemon saved the state %s s after space returned (it tries again at every 5 s tick)\n' "$(elapsed "$t0")"
check "full state directory: the daemon saves the state by itself once space returns" changed_since "$D/state/state.json" "$before"
check "full state directory: the saved state parses" parses "$D/state/state.json"
check "full state directory: the repaired keytab authenticates" authenticates "$D/keytabs/msa-svc1.keytab" msa-svc1
stop_daemon

test_summary
