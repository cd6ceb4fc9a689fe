# shellcheck shell=bash
# Counting checks for the lab's shell tests (host-test.sh, failover-test.sh, …). Source it; do not run it.
#   check DESCRIPTION COMMAND...   passes when COMMAND succeeds
#   pass/fail DESCRIPTION          record an outcome decided elsewhere
#   test_summary                   prints "N passed, M failed" (the closing line CI reads); false on a failure
#   wait_for SECONDS COMMAND...    polls every 0.2 s until COMMAND succeeds; false after SECONDS

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
