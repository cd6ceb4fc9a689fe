# shellcheck shell=bash
# Counting checks for the lab's shell tests (host-test.sh, failover-test.sh, …). Source it; do not run it.
#   check DESCRIPTION COMMAND...   passes when COMMAND succeeds
#   pass/fail DESCRIPTION          record an outcome decided elsewhere
#   test_summary                   prints "N passed, M failed" (the closing line CI reads); false on a failure
#   wait_for SECONDS COMMAND...    polls every 0.2 s until COMMAND succeeds; false after SECONDS
#   helper COMMAND...              a setup step, its output appended to $WORK/helpers.log; on failure says so
#                                  on stderr with the log's last lines, and returns 1
#   now / elapsed START            seconds since the epoch (ns); seconds since START, one decimal

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
