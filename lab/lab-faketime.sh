#!/usr/bin/env bash
# Time travel inside a running lab (run from a lab COMMAND or `lab.sh shell`).
#
#   lab/lab-faketime.sh OFFSET          restart every running DC (dc1, and dc2
#                                       with LAB_DC2=1) with its clock shifted
#                                       by OFFSET, wait for its ports, renew the
#                                       admin ticket under the new clock; a
#                                       stopped DC stays stopped
#   lab/lab-faketime.sh start NAME      start the stopped DC NAME under the
#                                       current offset
#   lab/lab-faketime.sh exec CMD [ARGS] run a client under the DC's offset
#   lab/lab-faketime.sh follow CMD [ARGS]
#                                       run a client whose clock follows every
#                                       later OFFSET without a restart (its
#                                       monotonic clock moves with it, so a
#                                       daemon sees time pass, not a step)
#   lab/lab-faketime.sh show            print the current offset (0 = real time)
#
# OFFSET is libfaketime's relative form: +71820 (seconds), +90s, +20h, +2d,
# -5m, +1.5h. 0 or off restarts samba on the real clock. Offsets are relative
# to the real clock, so every process started with the same OFFSET agrees with
# the DC (Kerberos tolerates only 5 minutes of skew): run kinit, ldapsearch and
# the daemon through `exec`.
set -euo pipefail
LAB_SRC=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lab-lib.sh
. "$LAB_SRC/lab-lib.sh"

[[ -n ${LAB_DIR:-} && -n ${LAB_SMB_CONF:-} ]] || lab_die "run this inside the lab (lab/lab.sh run|shell)"
offset_file=$LAB_DIR/faketime.offset

usage() { sed -n '2,23s/^# \{0,1\}//p' "$LAB_SRC/lab-faketime.sh" >&2; exit 2; }

current_offset() { cat "$offset_file" 2>/dev/null || echo 0; }
# For `follow`: libfaketime reads the offset from this file at every clock read; "+0" is the real clock.
follow_file=$LAB_DIR/faketime.follow
signed() { if [[ $1 == [+-]* ]]; then printf '%s\n' "$1"; else printf '+%s\n' "$1"; fi; }

faketime_lib() {
    local f
    for f in /usr/lib/*/faketime/libfaketimeMT.so.1 /usr/lib/faketime/libfaketimeMT.so.1; do
        [[ -e $f ]] && { printf '%s\n' "$f"; return; }
    done
    f=$(dpkg -L libfaketime 2>/dev/null | grep '/libfaketimeMT\.so\.1$' | head -n 1) || true
    [[ -n $f ]] || lab_die "libfaketimeMT.so.1 not found (apt-get install faketime)"
    printf '%s\n' "$f"
}

# The environment that shifts a process's clock by $1 (nothing for 0).
faketime_env() {
    [[ $1 == 0 ]] && return
    printf '%s\n' "LD_PRELOAD=$(faketime_lib)" "FAKETIME=$1" FAKETIME_DONT_FAKE_MONOTONIC=1
}

case ${1:-} in
'' | -h | --help) usage ;;
show)
    current_offset
    ;;
exec)
    shift
    (($# > 0)) || usage
    mapfile -t fenv < <(faketime_env "$(current_offset)")
    exec env "${fenv[@]}" "$@"
    ;;
follow)
    shift
    (($# > 0)) || usage
    offset=$(current_offset)
    [[ -e $follow_file ]] || signed "$offset" >"$follow_file"
    exec env "LD_PRELOAD=$(faketime_lib)" "FAKETIME_TIMESTAMP_FILE=$follow_file" FAKETIME_NO_CACHE=1 "$@"
    ;;
start)
    dc=${2:-}
    lab_dc_known "$dc" || exit 1
    mapfile -t fenv < <(faketime_env "$(current_offset)")
    lab_dc_start "$dc" "${fenv[@]}" || exit 1
    lab_log "$dc started with clock offset $(current_offset)"
    ;;
*)
    offset=$1
    [[ $offset != off ]] || offset=0
    [[ $offset =~ ^[+-]?[0-9]+(\.[0-9]+)?[smhdy]?$ ]] || lab_die "bad OFFSET '$offset' (examples: +71820, +20h, -5m, 0)"
    mapfile -t fenv < <(faketime_env "$offset")
    t0=$(lab_now)
    running=()
    for dc in $(lab_dc_names); do
        [[ $(lab_dc_state "$dc") == stopped ]] || running+=("$dc")
    done
    for dc in "${running[@]}"; do lab_dc_stop "$dc" || exit 1; done
    for dc in "${running[@]}"; do lab_dc_start "$dc" "${fenv[@]}" || exit 1; done
    printf '%s\n' "$offset" >"$offset_file"
    signed "$offset" >"$follow_file"
    # The admin TGT was issued on the old clock; get a new one on the new one.
    if [[ -n ${LAB_ADMIN_PASSWORD:-} && -n ${KRB5CCNAME:-} ]]; then
        printf '%s\n' "$LAB_ADMIN_PASSWORD" |
            env "${fenv[@]}" kinit "Administrator@$LAB_REALM" >"$LAB_DIR/kinit-admin.log" 2>&1 ||
            lab_log "warning: kinit Administrator under offset $offset failed: $(cat "$LAB_DIR/kinit-admin.log")"
    fi
    lab_log "${running[*]:-no DC} restarted with clock offset $offset in $(lab_elapsed "$t0")s (DC time: $(env "${fenv[@]}" date -u '+%F %T') UTC)"
    ;;
esac
