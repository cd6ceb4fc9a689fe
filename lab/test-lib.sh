# shellcheck shell=bash
# Counting checks for the lab's shell tests (host-test.sh, failover-test.sh, …). Source it; do not run it.
#   check DESCRIPTION COMMAND...   passes when COMMAND succeeds
#   pass/fail DESCRIPTION          record an outcome decided elsewhere
#   test_summary                   prints "N passed, M failed" (the closing line CI reads); false on a failure
#   wait_for SECONDS COMMAND...    polls every 0.2 s until COMMAND succeeds; false after SECONDS
#   helper COMMAND...              a setup step, its output appended to $WORK/helpers.log; on failure says so
#                                  on stderr with the log's last lines, and returns 1
#   now / elapsed START            seconds since the epoch (ns); seconds since START, one decimal
#   account_config NAME ACCOUNT [LINE]
#                                  a configuration for the gMSA ACCOUNT$ in $WORK/NAME (keytab ACCOUNT.keytab
#                                  there, DCs from DNS, [ldap] timeout 5), LINE added to [domain]; prints its path
#   account_sync NAME ACCOUNT [LINE]
#                                  $BINARY sync --statistics with that configuration; sets SYNC_RC, SYNC_OUT (stdout
#                                  and stderr) and from the statistics SYNC_DC, SYNC_SITE (the site part), SYNC_BINDS
#   account_authenticates NAME ACCOUNT
#                                  kinit -k as ACCOUNT$ from $WORK/NAME/ACCOUNT.keytab works
#   notify_listener SECONDS        an sd_notify socket $WORK/notify.sock, open SECONDS: each message line goes to
#                                  $WORK/notify.log as "EPOCH-SECONDS LINE"; sets LISTENER (its pid)
#   keytab_kvnos KEYTAB            the keytab's kvnos, newest first, comma-separated ("2,1")
#   state_field FILE ACCOUNT FIELD a field of ACCOUNT's entry in the daemon's state file FILE (empty when none)
#   log_has PATTERN...             a line of $WORK/daemon.log after line $FROM (0 when unset) matches every
#                                  PATTERN (the daemon's fields come in no fixed order)
#   password_change_of ACCOUNT     sets EXPIRY: when ACCOUNT's password changes next (epoch seconds, real
#                                  clock), from its blob's query interval (a read at creation triggers nothing)
#   offset_to SECONDS              the libfaketime offset that puts the clocks SECONDS after EXPIRY

passed=0
failed=0
pass() { passed=$((passed + 1)); printf 'ok:   %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL: %s\n' "$*"; }
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
test_summary() {
    printf '%d passed, %d failed\n' "$passed" "$failed"
    ((failed == 0))
}
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}
helper() {
    "$@" </dev/null >>"$WORK/helpers.log" 2>&1 && return 0
    local script=${0##*/}
    echo "${script%.sh}: $* failed:" >&2
    tail -5 "$WORK/helpers.log" >&2
    return 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
account_config() {
    local dir=$WORK/$1
    mkdir -p "$dir"
    {
        printf '[domain]\nrealm = "%s"\n' "$LAB_REALM"
        [[ -z ${3:-} ]] || printf '%s\n' "$3"
        printf '[host]\nkeytab = "%s"\n[ldap]\ntimeout = 5\n[daemon]\nstate_directory = "%s/state"\n' "$LAB_HOST_KEYTAB" "$dir"
        printf '[[account]]\nname = "%s$"\nkeytab = "%s/%s.keytab"\n' "$2" "$dir" "$2"
    } >"$dir/gmsa-keytabd.toml"
    printf '%s\n' "$dir/gmsa-keytabd.toml"
}
account_sync() {
    SYNC_OUT=$("$BINARY" sync -c "$(account_config "$@")" --statistics 2>&1)
    SYNC_RC=$?
    SYNC_DC=$(sed -n 's/^statistics: dc \([^;]*\);.*/\1/p' <<<"$SYNC_OUT")
    SYNC_SITE=$(sed -n 's/^statistics: dc [^;]*; \([^;]*\);.*/\1/p' <<<"$SYNC_OUT")
    SYNC_BINDS=$(sed -n 's/^statistics: .* \([0-9]*\) bind(s).*/\1/p' <<<"$SYNC_OUT")
}
account_authenticates() { KRB5CCNAME=MEMORY: kinit -k -t "$WORK/$1/$2.keytab" "$2\$@$LAB_REALM" 2>/dev/null; }
notify_listener() {
    python3 - "$WORK/notify.sock" "$WORK/notify.log" "$1" <<'PY' &
import socket, sys, time
path, log, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.settimeout(seconds)
with open(log, "a", buffering=1) as out:
    while True:
        try:
            data = sock.recv(65536).decode("utf-8", "replace")
        except socket.timeout:
            break
        for line in data.splitlines():
            out.write("%.3f %s\n" % (time.time(), line))
PY
    LISTENER=$!
    for _ in $(seq 50); do [[ -S $WORK/notify.sock ]] && break; sleep 0.1; done
}

password_change_of() {
    local lib t_query query
    lib=$(dirname -- "${BASH_SOURCE[0]}")
    t_query=$(date +%s)
    query=$("$lib/fetch-blob.sh" "$1" | python3 "$lib/blob-info.py" --json |
        python3 -c 'import json, sys; print(int(json.load(sys.stdin)["query_interval_s"]))') || {
        echo "cannot read $1's blob" >&2
        return 1
    }
    EXPIRY=$((t_query + query))
}
offset_to() { printf '+%d\n' "$((EXPIRY + $1 - $(date +%s)))"; }
keytab_kvnos() { klist -k "$1" 2>/dev/null | awk '$1 ~ /^[0-9]+$/ { print $1 }' | sort -rnu | paste -sd, -; }
state_field() {
    python3 -c 'import json, sys; e = json.load(open(sys.argv[1]))["accounts"].get(sys.argv[2], {}); print(e.get(sys.argv[3], ""))' \
        "$1" "$2" "$3" 2>/dev/null
}
log_has() {
    local lines
    lines=$(tail -n "+$((${FROM:-0} + 1))" "$WORK/daemon.log")
    for pattern; do lines=$(grep -- "$pattern" <<<"$lines") || return 1; done
}
