# shellcheck shell=bash
# Helpers shared by lab.sh and lab-faketime.sh. Source it; do not run it.
# Expects LAB_DIR and LAB_SMB_CONF to be set (lab.sh exports both).

LAB_PORTS=(389 88 53)

lab_log() { printf 'lab: %s\n' "$*" >&2; }
lab_die() { printf 'lab: ERROR: %s\n' "$*" >&2; exit 1; }

# Seconds since the epoch with centiseconds, for timings (real clock).
lab_now() { date +%s.%N | cut -c1-13; }
lab_elapsed() { awk -v a="$1" -v b="$(lab_now)" 'BEGIN { printf "%.1f", b - a }'; }

lab_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

lab_samba_pidfile() { printf '%s/dc1/run/samba.pid\n' "$LAB_DIR"; }

# PID of the running samba master, or nothing.
lab_samba_pid() {
    local pid
    pid=$(cat "$(lab_samba_pidfile)" 2>/dev/null || true)
    pid=${pid//[!0-9]/}
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        printf '%s\n' "$pid"
    fi
}

lab_samba_log_tail() {
    local f
    for f in "$LAB_DIR"/dc1/log/log.samba "$LAB_DIR"/samba.stdout; do
        [[ -s $f ]] || continue
        printf -- '----- last lines of %s -----\n' "$f" >&2
        tail -n "${1:-25}" "$f" >&2
    done
}

# Wait until samba answers on 389, 88 and 53 (TCP, 127.0.0.1).
# $1 = timeout in seconds. Fails with the samba log tail.
lab_wait_ports() {
    local timeout=${1:-60} start port waited=0
    start=$SECONDS
    for port in "${LAB_PORTS[@]}"; do
        until lab_port_open "$port"; do
            if (( SECONDS - start >= timeout )); then
                lab_samba_log_tail 30
                lab_die "samba did not open port $port within ${timeout}s (logs in $LAB_DIR/dc1/log; LAB_KEEP=1 keeps them)"
            fi
            # Give the daemon a moment to write its pid file before declaring it dead.
            if (( waited > 20 )) && [[ -z $(lab_samba_pid) ]]; then
                lab_samba_log_tail 30
                lab_die "samba exited during startup (logs in $LAB_DIR/dc1/log; LAB_KEEP=1 keeps them)"
            fi
            sleep 0.1
            waited=$((waited + 1))
        done
    done
}

# Start samba as a daemon. Extra "VAR=value" arguments go into its environment
# (used for libfaketime).
lab_start_samba() {
    [[ -z $(lab_samba_pid) ]] || lab_die "samba is already running (pid $(lab_samba_pid))"
    env "$@" samba -D -s "$LAB_SMB_CONF" -l "$LAB_DIR/dc1/log" </dev/null >>"$LAB_DIR/samba.stdout" 2>&1 \
        || { lab_samba_log_tail 30; lab_die "could not start samba"; }
    lab_wait_ports "${LAB_START_TIMEOUT:-60}"
}

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
# Stop samba: TERM the master (it takes its children with it), KILL after 10 s.
# With "all" (final cleanup), also KILL any samba process left in this network
# namespace, so nothing keeps the namespace alive.
lab_stop_samba() {
    local pid i left all=${1:-}
    pid=$(lab_samba_pid)
    if [[ -n $pid ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    for ((i = 0; i < 50; i++)); do
        [[ $all == all ]] || break
        left=$(lab_samba_pids_in_netns)
        [[ -n $left ]] || break
        if (( i == 20 )); then
            # shellcheck disable=SC2086
            kill -KILL $left 2>/dev/null || true
        fi
        sleep 0.1
    done
    rm -f "$(lab_samba_pidfile)"
    # Ports must be free again before a restart.
    for ((i = 0; i < 50; i++)); do
        lab_port_open 389 || lab_port_open 88 || return 0
        sleep 0.1
    done
}
