#!/usr/bin/env bash
# Many hosts against one DC: LOAD_HOSTS (default 100) daemons, each with its own host account, host keytab,
# machine id, state and keytab directory, share one gMSA through a password rollover (make load-test does):
#
#   LOAD_HOSTS=100 lab/lab.sh run -- lab/load-test.sh [BINARY]
#
# The hosts lh1$..lhN$ are members of gmsa-load-hosts, which may read msa-load$ (1-day interval: a 20-hour
# period on Samba). Every daemon runs `gmsa-keytabd run` under `lab-faketime.sh follow` in a mount namespace
# of its own where /etc/machine-id is its own file (the per-host spread hashes it). The DC's clock and the
# fleet's start LOAD_LEAD (400) s before the password change and then run on in real time: the first passes
# read kvno K, each host's window read (268 s to 32 s before the change) stages K+1, each host's read after
# the change (32 s to 268 s after it) confirms it. Checks: every instance started, staged K+1 before the change
# (`klist -k` 15 s before it), ends with K+1 current and K retained, `kinit -k` works with every keytab, at
# most 2 password reads per instance for the rollover, none crashed or logged an error. The DC's side is
# recorded on loopback (load-capture.py): LDAP connections (one SASL bind and the searches of one pass each)
# and Kerberos requests per phase, average and peak per second, read latency (SYN to the DC's last reply).
# Prints the figures as a table and "N passed, M failed". About 13 minutes whatever LOAD_HOSTS is, nearly all
# of it the 11 minutes of DC time the rollover takes: libfaketime can speed a clock up, but only from each
# process's own start, so the DC and the fleet would drift apart.
set -uo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
BINARY=${1:-$HERE/../.build/debug/gmsa-keytabd}
HOSTS=${LOAD_HOSTS:-100}
LEAD=${LOAD_LEAD:-400}
[[ -n ${LAB_DIR:-} ]] || { echo "load-test: run inside 'lab/lab.sh run --'" >&2; exit 2; }
[[ -x $BINARY ]] || { echo "load-test: $BINARY is not built (swift build)" >&2; exit 2; }
[[ $HOSTS =~ ^[1-9][0-9]*$ ]] || { echo "load-test: LOAD_HOSTS must be a positive number" >&2; exit 2; }
((LEAD > 330)) || { echo "load-test: LOAD_LEAD must be more than 330 s (the first passes come before the DC's 5-minute window)" >&2; exit 2; }
# shellcheck source=lab-lib.sh
. "$HERE/lab-lib.sh"
# shellcheck source=test-lib.sh
. "$HERE/test-lib.sh"

FT=$HERE/lab-faketime.sh
PYTHON=/usr/bin/python3
ACCOUNT=msa-load
GROUP=gmsa-load-hosts
WORK=$(mktemp -d "$LAB_DIR/load.XXXXXX")
PIDS=()
CAPTURE=
# shellcheck disable=SC2317  # invoked by trap
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    if [[ -n $CAPTURE ]]; then
        kill "$CAPTURE" 2>/dev/null
        wait "$CAPTURE" 2>/dev/null
    fi
    "$FT" 0 >>"$WORK/helpers.log" 2>&1
    true
}
trap cleanup EXIT

dir() { printf '%s/h%d\n' "$WORK" "$1"; }
keytab() { printf '%s/h%d/%s.keytab\n' "$WORK" "$1" "$ACCOUNT"; }
# instances_with REGEX: how many daemon logs have a line matching REGEX (grep -E).
instances_with() { grep -lE -- "$1" "$WORK"/h*/daemon.log 2>/dev/null | wc -l; }
all_have() { (($(instances_with "$1") == HOSTS)); }
# seconds_left: seconds from the DC's clock to the password change (negative: after it).
seconds_left() { echo $((expiry - $("$FT" exec date +%s))); }
# until_left SECONDS: sleeps until the DC's clock is SECONDS before the password change.
until_left() { local wait=$(($(seconds_left) - $1)); ((wait <= 0)) || sleep "$wait"; }

T_START=$(now)
# --- 1. the accounts: N hosts in a group, one gMSA the group may read ---------------------------------------
t0=$(now)
mkdir -p "$WORK/host-keytabs"
if ! "$PYTHON" "$HERE/lab-objects.py" "$LAB_SMB_CONF" hosts "$HOSTS" lh "$GROUP" "$WORK/host-keytabs" \
    >>"$WORK/objects.log" 2>&1; then
    echo "load-test: creating $HOSTS host accounts failed:" >&2
    tail -n 20 "$WORK/objects.log" >&2
    exit 1
fi
# linuxhost1$ may read it too, for fetch-blob.sh.
if ! "$PYTHON" "$HERE/lab-objects.py" "$LAB_SMB_CONF" batch >>"$WORK/objects.log" 2>&1 <<EOF; then
service-account create --name=$ACCOUNT --dns-host-name=load.$LAB_DOMAIN --managed-password-interval=1
service-account group-msa-membership add --name=$ACCOUNT --principal='CN=$GROUP,CN=Users,$LAB_BASE_DN'
service-account group-msa-membership add --name=$ACCOUNT --principal='$LAB_HOST_PRINCIPAL'
user enable '$ACCOUNT\$'
EOF
    echo "load-test: creating $ACCOUNT\$ failed:" >&2
    tail -n 20 "$WORK/objects.log" >&2
    exit 1
fi
printf 'figure: %d host accounts (members of %s, one host keytab each) and %s$ created in %s s\n' \
    "$HOSTS" "$GROUP" "$ACCOUNT" "$(elapsed "$t0")"

# When does the first password change? (Reading the blob at creation time triggers nothing.)
t_query=$(date +%s)
query=$("$HERE/fetch-blob.sh" "$ACCOUNT" | "$PYTHON" "$HERE/blob-info.py" --json |
    "$PYTHON" -c 'import json, sys; print(int(json.load(sys.stdin)["query_interval_s"]))') || {
    echo "load-test: cannot read $ACCOUNT's blob" >&2
    exit 1
}
expiry=$((t_query + query)) # the first password change, on the real clock's epoch scale
offset=0
# offset_to SECONDS: the offset that puts the clocks SECONDS after the password change (negative: before).
offset_to() { offset=$((expiry + $1 - $(date +%s))); }

# --- 2. one configuration, host identity and directory per instance --------------------------------------
for ((i = 1; i <= HOSTS; i++)); do
    d=$(dir "$i")
    mkdir -p "$d/state"
    printf 'lh%d.load' "$i" | md5sum | cut -c1-32 >"$d/machine-id"
    # shellcheck disable=SC2153  # LAB_DC comes from lab.sh
    cat >"$d/gmsa-keytabd.toml" <<EOF
[domain]
realm = "$LAB_REALM"
servers = ["$LAB_DC"]
[host]
keytab = "$WORK/host-keytabs/lh$i.keytab"
principal = "lh$i\$"
[daemon]
state_directory = "$d/state"
[[account]]
name = "$ACCOUNT\$"
keytab = "$(keytab "$i")"
EOF
done
host_keytabs=("$WORK"/host-keytabs/lh*.keytab)
check "every instance has its own host keytab" test "${#host_keytabs[@]}" = "$HOSTS"

# --- 3. the clocks: LEAD seconds before the change; the fleet starts ---------------------------------------
for _ in 1 2; do
    offset_to "-$LEAD"
    helper "$FT" "+$offset" || exit 1
    left=$(seconds_left)
    ((left > LEAD - 30)) && break
done
expiry_real=$((expiry - offset)) # the change on the real clock, for the capture
printf 'figure: the DC restarted under the offset; DC clock %s UTC, %s s before the change\n' "$("$FT" exec date -u +%T)" "$left"

"$PYTHON" "$HERE/load-capture.py" capture "$WORK/events" &
CAPTURE=$!
t_capture=$(now)
sleep 0.5
t_fleet=$(now)
for ((i = 1; i <= HOSTS; i++)); do
    d=$(dir "$i")
    # Its own mount namespace, where /etc/machine-id is this instance's; NO_FAKE_STAT: file times stay real.
    # shellcheck disable=SC2016  # the inner sh expands $1 and $@
    NO_FAKE_STAT=1 unshare --mount -- sh -c 'mount --bind "$1" /etc/machine-id && shift && exec "$@"' sh \
        "$d/machine-id" "$FT" follow "$BINARY" run -c "$d/gmsa-keytabd.toml" --log-target stderr --log-level debug \
        </dev/null >/dev/null 2>"$d/daemon.log" &
    PIDS[i]=$!
done
check "every instance reads kvno 1 in its first pass" wait_for 180 all_have 'keytab updated.* KVNO=1( |$)'
t_first=$(now)
first_pass=$(elapsed "$t_fleet")
left=$(seconds_left)
printf 'figure: %d of %d first passes done %s s after the fleet started; %s s before the change\n' \
    "$(instances_with 'keytab updated.* KVNO=1( |$)')" "$HOSTS" "$first_pass" "$left"
check "the first passes ended before the earliest window read (268 s before the change; $left s left)" test "$left" -gt 268
# Each instance's place in the window, from its state file (the next planned read).
"$PYTHON" - "$WORK" "$HOSTS" "$ACCOUNT\$" <<'EOF' >"$WORK/planned"
import json, sys
work, hosts, account = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for i in range(1, hosts + 1):
    try:
        print(json.load(open("%s/h%d/state/state.json" % (work, i)))["accounts"][account]["nextFetch"])
    except Exception:
        print("-")
EOF
distinct=$(grep -v '^-$' "$WORK/planned" | sort -u | wc -l)
printf 'figure: window reads planned in %d distinct seconds among %d instances (%s .. %s)\n' \
    "$distinct" "$HOSTS" "$(sort "$WORK/planned" | head -n 1)" "$(sort "$WORK/planned" | grep -v '^-$' | tail -n 1)"

# --- 4. the window: every instance stages K+1 before the change ---------------------------------------------
until_left 15
left=$(seconds_left)
staged=0
for ((i = 1; i <= HOSTS; i++)); do
    [[ $(keytab_kvnos "$(keytab "$i")") == 2,1 ]] && staged=$((staged + 1))
done
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
rss_all=()
for pid in "${PIDS[@]}"; do rss_all+=("$(rss "$pid")"); done
printf 'figure: %s s before the change: %d of %d keytabs hold kvno 2 (staged) and 1\n' "$left" "$staged" "$HOSTS"
check "every keytab holds 2 (staged) and 1 before the change ($staged of $HOSTS, $left s before it)" test "$staged" = "$HOSTS"
check "every instance logged 'rollover staged' at kvno 2" all_have 'rollover staged.* KVNO=2( |$)'

# --- 5. after the change: every instance confirms K+1 -------------------------------------------------------
confirmed() { all_have 'rollover confirmed.* KVNO=2( |$)'; }
wait_for $(($(seconds_left) + 330)) confirmed
left=$(seconds_left)
check "every instance logged 'rollover confirmed' at kvno 2 ($(instances_with 'rollover confirmed.* KVNO=2( |$)') of $HOSTS, $((-left)) s after the change)" confirmed
sleep 6 # one more tick: a read the confirmation set off would show now
t_checks=$(now) # the capture's last phase ends here: the kinit -k checks below ask the KDC too
current=0 authenticated=0 state_ok=0 alive=0
for ((i = 1; i <= HOSTS; i++)); do
    [[ $(keytab_kvnos "$(keytab "$i")") == 2,1 ]] && current=$((current + 1))
    KRB5CCNAME=MEMORY: "$FT" exec kinit -k -t "$(keytab "$i")" "$ACCOUNT\$@$LAB_REALM" >>"$WORK/kinit.log" 2>&1 &&
        authenticated=$((authenticated + 1))
    [[ $("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["accounts"][sys.argv[2]]["keyVersion"])' \
        "$(dir "$i")/state/state.json" "$ACCOUNT\$" 2>/dev/null) == 2 ]] && state_ok=$((state_ok + 1))
    kill -0 "${PIDS[i]}" 2>/dev/null && alive=$((alive + 1))
done
check "every keytab holds 2 (current) and 1 (retained) after the change ($current of $HOSTS)" test "$current" = "$HOSTS"
check "every state file says kvno 2 ($state_ok of $HOSTS)" test "$state_ok" = "$HOSTS"
check "kinit -k as $ACCOUNT\$ works with every keytab ($authenticated of $HOSTS)" test "$authenticated" = "$HOSTS"
check "every instance is still running ($alive of $HOSTS)" test "$alive" = "$HOSTS"

# Password reads: each report of a read from the DC names the DC (DC=); the first is the start-up pass.
reads=()
for ((i = 1; i <= HOSTS; i++)); do
    reads+=($(($(grep -c " DC=" "$(dir "$i")/daemon.log") - 1)))
done
read -r reads_min reads_max < <(printf '%s\n' "${reads[@]}" | sort -n | awk 'NR == 1 { a = $1 } { b = $1 } END { print a, b }')
check "at most 2 password reads per instance for the rollover (min $reads_min, max $reads_max)" test "$reads_max" -le 2
errors=$(cat "$WORK"/h*/daemon.log | grep -c '^<[0-3]>')
warnings=$(cat "$WORK"/h*/daemon.log | grep -c '^<4>')
check "no instance logged an error ($errors errors, $warnings warnings)" test "$errors" = 0
((errors + warnings == 0)) || grep -h '^<[0-4]>' "$WORK"/h*/daemon.log | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/  /'

# Stop them all: exit status 0 each (0 = stopped by SIGTERM; anything else, a crash or an error exit).
for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
clean=0
for pid in "${PIDS[@]}"; do wait "$pid" && clean=$((clean + 1)); done
PIDS=()
check "every instance stopped cleanly on SIGTERM ($clean of $HOSTS exit 0)" test "$clean" = "$HOSTS"
kill "$CAPTURE" 2>/dev/null
wait "$CAPTURE" 2>/dev/null
CAPTURE=

# --- 6. the figures ------------------------------------------------------------------------------------------
rss_sum=0 rss_max=0
for r in "${rss_all[@]}"; do
    rss_sum=$((rss_sum + ${r:-0}))
    ((${r:-0} > rss_max)) && rss_max=${r:-0}
done
echo
printf 'load test: %d gmsa-keytabd instances (debug build), one gMSA (%s$), one Samba 4.22 DC, one rollover\n' "$HOSTS" "$ACCOUNT"
printf '  %-52s %s\n' \
    "first passes, all done after" "$first_pass s" \
    "window reads planned in distinct seconds" "$distinct of $HOSTS" \
    "staged K+1 before the change (klist -k)" "$staged of $HOSTS" \
    "K+1 current and K retained after it / kinit -k ok" "$current / $authenticated of $HOSTS" \
    "password reads per instance for the rollover" "min $reads_min, max $reads_max" \
    "crashed or exited non-zero / errors logged" "$((HOSTS - clean)) / $errors" \
    "RSS per instance, idle after staging (VmRSS)" "max $((rss_max / 1024)) MiB, mean $((rss_sum / HOSTS / 1024)) MiB" \
    "RSS of the fleet" "$((rss_sum / 1024)) MiB"
echo "The DC's side, captured on loopback: ldap = LDAP connections (each one SASL bind and the searches of one"
echo "pass: in the window and after the change, one password read), krb5 = Kerberos requests (UDP datagrams and"
echo "TCP connections to port 88), span = first to last connection, peak = busiest second, latency = SYN to the"
echo "DC's last reply on a connection (connect, bind, searches, blob):"
"$PYTHON" "$HERE/load-capture.py" report "$WORK/events" \
    "start:$t_capture:$t_first" "window:$((expiry_real - 300)):$expiry_real" \
    "after-change:$expiry_real:$t_checks" | sed 's/^/  /'
printf 'figure: load-test took %s s (the lab not included)\n' "$(elapsed "$T_START")"
test_summary
