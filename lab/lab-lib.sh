# shellcheck shell=bash
# Helpers shared by lab.sh, lab-faketime.sh and tests. Source it; do not run it.
# Expects LAB_DIR and LAB_SMB_CONF to be set (lab.sh exports both; in another
# shell inside the lab namespace, source $LAB_DIR/env.sh first).
#
# The lab's DCs are dc1 (127.0.0.1), with LAB_DC2=1 dc2 (127.0.0.2) and with
# LAB_RODC=1 the read-only DC rodc (127.0.0.3); each lives in $LAB_DIR/NAME (etc/smb.conf, run/samba.pid, log/). For tests:
#   lab_dc_stop NAME                 TERM its samba (KILL after 10 s), wait until
#                                    its ports are closed; no-op if stopped
#   lab_dc_start NAME [VAR=val...]   start it (VAR=val: extra environment),
#                                    wait until 389, 88 and 53 answer
#   lab_dc_freeze NAME               SIGSTOP all its processes (ports stay open,
#                                    nothing answers); lab_dc_thaw NAME: SIGCONT
#   lab_dc_state NAME                print running, frozen or stopped
# These print "lab: ERROR: ..." and return 1 on failure; they never exit.

LAB_PORTS=(389 88 53)
LAB_DCS=(dc1 dc2 rodc)

lab_log() { printf 'lab: %s\n' "$*" >&2; }
lab_die() { printf 'lab: ERROR: %s\n' "$*" >&2; exit 1; }
lab_err() { printf 'lab: ERROR: %s\n' "$*" >&2; return 1; }

# Seconds since the epoch with centiseconds, for timings (real clock).
lab_now() { date +%s.%N | cut -c1-13; }
lab_elapsed() { awk -v a="$1" -v b="$(lab_now)" 'BEGIN { printf "%.1f", b - a }'; }

# lab_port_open PORT [ADDRESS]: something accepts TCP connections (default 127.0.0.1).
lab_port_open() { (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }

# lab_dc_address NAME: the address DC NAME listens on.
lab_dc_address() {
    case ${1:-} in
    dc1) echo 127.0.0.1 ;;
    dc2) echo 127.0.0.2 ;;
    rodc) echo 127.0.0.3 ;;
    *) lab_err "unknown DC '${1:-}' (dc1, dc2 or rodc)" ;;
    esac
}

# lab_dc_conf NAME: the smb.conf of DC NAME.
lab_dc_conf() {
    case ${1:-} in
    dc1) printf '%s\n' "${LAB_SMB_CONF:-$LAB_DIR/dc1/etc/smb.conf}" ;;
    dc2 | rodc) printf '%s\n' "$LAB_DIR/$1/etc/smb.conf" ;;
    *) lab_err "unknown DC '${1:-}' (dc1, dc2 or rodc)" ;;
    esac
}

# lab_dc_names: the DCs this lab has (dc1, plus dc2 with LAB_DC2=1, rodc with LAB_RODC=1).
lab_dc_names() {
    local dc
    for dc in "${LAB_DCS[@]}"; do
        [[ ! -e $(lab_dc_conf "$dc") ]] || printf '%s\n' "$dc"
    done
}

# Fails (with a message) unless NAME is a DC of this lab.
lab_dc_known() {
    local conf
    conf=$(lab_dc_conf "${1:-}") || return 1
    [[ -n ${LAB_DIR:-} ]] || { lab_err "LAB_DIR is not set (source \$LAB_DIR/env.sh)"; return 1; }
    [[ -e $conf ]] || lab_err "this lab has no $1 ($conf missing; LAB_DC2=1 adds dc2, LAB_RODC=1 rodc)"
}

lab_samba_stdout() { # NAME: where samba -D's own output goes
    if [[ ${1:-dc1} == dc1 ]]; then printf '%s/samba.stdout\n' "$LAB_DIR"; else printf '%s/samba-%s.stdout\n' "$LAB_DIR" "$1"; fi
}

lab_samba_pidfile() { printf '%s/%s/run/samba.pid\n' "$LAB_DIR" "${1:-dc1}"; }

# lab_samba_pid [NAME]: PID of DC NAME's running samba master (default dc1), or
# nothing. It must be a samba in this network namespace (not a reused pid).
lab_samba_pid() {
    local pid
    pid=$(cat "$(lab_samba_pidfile "${1:-dc1}")" 2>/dev/null || true)
    pid=${pid//[!0-9]/}
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == */sbin/samba ]] || return 0
    [[ $(readlink "/proc/$pid/ns/net" 2>/dev/null) == "$(readlink /proc/self/ns/net)" ]] || return 0
    printf '%s\n' "$pid"
}

# lab_samba_log_tail [LINES] [NAME]
lab_samba_log_tail() {
    local f dc=${2:-dc1}
    for f in "$LAB_DIR/$dc/log/log.samba" "$(lab_samba_stdout "$dc")"; do
        [[ -s $f ]] || continue
        printf -- '----- last lines of %s -----\n' "$f" >&2
        tail -n "${1:-25}" "$f" >&2
    done
}

# lab_dc_procs PGID: "PID STATE" of every process in process group PGID.
# samba -D makes its master a process group leader; all of that DC's processes
# (tfork waiters, task masters, workers, samba_kcc, ...) stay in its group, and
# samba itself TERMs the group on shutdown. Samba rewrites its command lines
# ("samba: task[ldap] pre-forked worker(0)"), so "-s smb.conf" cannot be matched.
lab_dc_procs() {
    local p stat pgrp state rest
    for p in /proc/[0-9]*; do
        { read -r stat <"$p/stat"; } 2>/dev/null || continue
        rest=${stat##*) } # after "pid (comm) "; comm may contain spaces
        read -r state _ pgrp _ <<<"$rest"
        [[ $pgrp == "$1" ]] && printf '%s %s\n' "${p#/proc/}" "$state"
    done
    return 0
}

# lab_dc_pids NAME: PIDs of every process of DC NAME (nothing if stopped).
lab_dc_pids() {
    local pid
    lab_dc_known "${1:-}" || return 1
    pid=$(lab_samba_pid "$1")
    [[ -z $pid ]] || lab_dc_procs "$pid" | cut -d' ' -f1
}

lab_dc_state() {
    local pid state
    lab_dc_known "${1:-}" || return 1
    pid=$(lab_samba_pid "$1")
    if [[ -z $pid ]]; then echo stopped; return; fi
    state=$(lab_dc_procs "$pid" | awk -v p="$pid" '$1 == p { print $2 }')
    if [[ $state == T ]]; then echo frozen; else echo running; fi
}

# lab_dc_wait NAME [TIMEOUT]: wait until DC NAME answers on 389, 88 and 53
# (TCP) of its address. Fails with the samba log tail.
lab_dc_wait() {
    local dc=${1:-} timeout=${2:-60} addr start port waited=0
    addr=$(lab_dc_address "$dc") || return 1
    start=$SECONDS
    for port in "${LAB_PORTS[@]}"; do
        until lab_port_open "$port" "$addr"; do
            if ((SECONDS - start >= timeout)); then
                lab_samba_log_tail 30 "$dc"
                lab_err "$dc: samba did not open port $port on $addr within ${timeout}s (logs in $LAB_DIR/$dc/log; LAB_KEEP=1 keeps them)"
                return 1
            fi
            # Give the daemon a moment to write its pid file before declaring it dead.
            if ((waited > 20)) && [[ -z $(lab_samba_pid "$dc") ]]; then
                lab_samba_log_tail 30 "$dc"
                lab_err "$dc: samba exited during startup (logs in $LAB_DIR/$dc/log; LAB_KEEP=1 keeps them)"
                return 1
            fi
            sleep 0.1
            waited=$((waited + 1))
        done
    done
}

lab_dc_start() {
    local dc=${1:-} pid conf
    lab_dc_known "$dc" || return 1
    shift
    pid=$(lab_samba_pid "$dc")
    [[ -z $pid ]] || { lab_err "$dc: samba is already running (pid $pid)"; return 1; }
    conf=$(lab_dc_conf "$dc")
    if ! env "$@" samba -D -s "$conf" -l "$LAB_DIR/$dc/log" </dev/null >>"$(lab_samba_stdout "$dc")" 2>&1; then
        lab_samba_log_tail 30 "$dc"
        lab_err "$dc: could not start samba"
        return 1
    fi
    lab_dc_wait "$dc" "${LAB_START_TIMEOUT:-60}"
}

lab_dc_stop() {
    local dc=${1:-} pid addr i
    lab_dc_known "$dc" || return 1
    addr=$(lab_dc_address "$dc")
    pid=$(lab_samba_pid "$dc")
    if [[ -n $pid ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        kill -CONT -- "-$pid" 2>/dev/null || true # a frozen DC must run to see the TERM
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$(lab_samba_pidfile "$dc")"
    # Ports must be free again before a restart.
    for ((i = 0; i < 50; i++)); do
        lab_port_open 389 "$addr" || lab_port_open 88 "$addr" || break
        sleep 0.1
    done
    if [[ -n $pid ]]; then
        # The master TERMs its process group; KILL whatever is left after 2 s.
        for ((i = 0; i < 20; i++)); do
            [[ -n $(lab_dc_procs "$pid") ]] || break
            sleep 0.1
        done
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    if lab_port_open 389 "$addr" || lab_port_open 88 "$addr"; then
        lab_err "$dc: port 389 or 88 on $addr still open after stopping samba"
    fi
}

# lab_dc_freeze NAME: SIGSTOP every process of DC NAME (see lab_dc_procs) and
# wait until all of them are stopped. Connections to a frozen DC are accepted
# by the kernel but never answered.
lab_dc_freeze() {
    local dc=${1:-} pid i
    lab_dc_known "$dc" || return 1
    pid=$(lab_samba_pid "$dc")
    [[ -n $pid ]] || { lab_err "$dc: samba is not running"; return 1; }
    # One signal to the whole group: a process forking meanwhile is stopped too.
    kill -STOP -- "-$pid" || { lab_err "$dc: kill -STOP -$pid failed"; return 1; }
    for ((i = 0; i < 50; i++)); do
        # Every process stopped (T) or already gone (Z).
        lab_dc_procs "$pid" | awk '$2 != "T" && $2 != "Z" { exit 1 }' && return 0
        sleep 0.1
    done
    lab_err "$dc: not every process stopped within 5 s: $(lab_dc_procs "$pid" | tr '\n' ' ')"
}

lab_dc_thaw() {
    local dc=${1:-} pid
    lab_dc_known "$dc" || return 1
    pid=$(lab_samba_pid "$dc")
    [[ -n $pid ]] || { lab_err "$dc: samba is not running"; return 1; }
    kill -CONT -- "-$pid" || lab_err "$dc: kill -CONT -$pid failed"
}

# lab_start_samba [VAR=value...]: start dc1 (lab.sh); exits on failure.
lab_start_samba() { lab_dc_start dc1 "$@" || exit 1; }

# Samba master processes (by pid) that live in this network namespace.
lab_samba_pids_in_netns() {
    local me p
    me=$(readlink /proc/self/ns/net)
    for p in /proc/[0-9]*; do
        [[ $(readlink "$p/ns/net" 2>/dev/null) == "$me" ]] || continue
        [[ $(readlink "$p/exe" 2>/dev/null) == */sbin/samba ]] || continue
        printf '%s\n' "${p#/proc/}"
    done
}

# lab_stop_samba master|all
# master: stop dc1 (lab_dc_stop dc1). all (final cleanup): stop every DC of the
# lab at once, then KILL any samba process left in this network namespace, so
# nothing keeps the namespace alive.
lab_stop_samba() {
    local dc i left pids=()
    if [[ ${1:-} != all ]]; then
        lab_dc_stop dc1
        return
    fi
    for dc in $(lab_dc_names); do
        lab_dc_stop "$dc" &
        pids+=("$!")
    done
    ((${#pids[@]} == 0)) || wait "${pids[@]}"
    for ((i = 0; i < 50; i++)); do
        left=$(lab_samba_pids_in_netns)
        [[ -n $left ]] || break
        if ((i == 20)); then
            # shellcheck disable=SC2086
            kill -KILL $left 2>/dev/null || true
        fi
        sleep 0.1
    done
}
