#!/usr/bin/env bash
# Regenerates packaging/symbol-order.txt (not a test): the functions of the release binary that a healthy daemon
# runs, for the linker to place together (Makefile: --symbol-ordering-file).
#
# Why: the kernel maps a binary's code into the process in whole chunks (64 KiB fault-around, and whole large
# folios on kernels whose page cache has them), so a few hundred small functions spread over 6 MiB of code kept
# most of the 6 MiB resident. Placed together they take a few chunks. The order never changes what the program
# does; a function missing from the list only stays where it was, so the list needs regenerating only when the
# code changes much (a stale list costs memory, never correctness).
#
# How: runs `gmsa-keytabd run` under valgrind's callgrind in a throwaway lab, with one account: start, the first
# pass, 12 s of idle ticks, a reload (SIGHUP), a refresh (SIGUSR1), SIGTERM. Writes every function of the binary
# that ran, minus names defined more than once in the binary (local symbols the linker cannot tell apart: one
# of them could drag a large cold section along).
#   sudo bench/symbol-order.sh            (needs valgrind: apt-get install valgrind)
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
out=$root/packaging/symbol-order.txt

if [[ ${_GMSA_ORDER_INNER:-} != 1 ]]; then
    ((EUID == 0)) || { echo "symbol-order: run as root (the lab needs it)" >&2; exit 1; }
    command -v valgrind >/dev/null || { echo "symbol-order: valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
    make -C "$root" build >/dev/null
    tmp=$(mktemp -d /var/tmp/gmsa-symbol-order.XXXXXX)
    trap 'rm -rf -- "$tmp"' EXIT
    _GMSA_ORDER_INNER=1 ORDER_TMP=$tmp "$root/lab/lab.sh" run -- "$root/bench/symbol-order.sh"
    binary=$root/.build/release/gmsa-keytabd
    # Function names that ran in the binary itself (callgrind's "ob=" is the object, "fn=" the function;
    # both are numbered on first use), without callgrind's recursion suffixes ('2).
    python3 - "$tmp"/callgrind.out* "$binary" >"$tmp/ran.txt" <<'PY'
import os, re, sys
*outs, binary = sys.argv[1:]
binary = os.path.realpath(binary)
names = set()
for path in outs:
    objects, functions, current = {}, {}, None
    for line in open(path, errors="replace"):
        m = re.match(r"(c?ob)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if m:
            kind, number, name = m.groups()
            if name: objects[number] = os.path.realpath(name)
            if kind == "ob": current = objects.get(number)
            continue
        # Functions are numbered where first named, which may be as a callee (cfn=).
        m = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if m:
            kind, number, name = m.groups()
            if name: functions[number] = name
            name = functions.get(number)
            if kind == "fn" and current == binary and name and not name.startswith("0x"):
                names.add(re.sub(r"'\d+$", "", name))
print("\n".join(sorted(names)))
PY
    nm --defined-only "$binary" | awk '{print $3}' | sort | uniq -d >"$tmp/ambiguous.txt"
    grep -vxF -f "$tmp/ambiguous.txt" "$tmp/ran.txt" >"$out"
    echo "symbol-order: $(wc -l <"$out") functions in $out ($(wc -l <"$tmp/ran.txt") ran; $(($(wc -l <"$tmp/ran.txt") - $(wc -l <"$out"))) ambiguous names left out)"
    exit 0
fi

# Inside the lab.
work=$LAB_DIR/order
mkdir -p "$work/keytabs"
printf '[domain]\nrealm = "%s"\nservers = ["%s"]\n[host]\nkeytab = "%s"\n[daemon]\nstate_directory = "%s"\n[[account]]\nname = "msa-svc1$"\nkeytab = "%s"\n' \
    "$LAB_REALM" "$LAB_DC" "$LAB_HOST_KEYTAB" "$work/state" "$work/keytabs/msa-svc1.keytab" >"$work/gmsa-keytabd.toml"
KRB5CCNAME=MEMORY:symbol-order valgrind --tool=callgrind --demangle=no --callgrind-out-file="$ORDER_TMP/callgrind.out" \
    "$root/.build/release/gmsa-keytabd" run -c "$work/gmsa-keytabd.toml" --log-target stderr 2>"$work/daemon.log" &
daemon=$!
for _ in $(seq 600); do [[ -e $work/keytabs/msa-svc1.keytab ]] && break; sleep 0.1; done
[[ -e $work/keytabs/msa-svc1.keytab ]] || { echo "symbol-order: no keytab after 60 s; the daemon's log:" >&2; tail -20 "$work/daemon.log" >&2; exit 1; }
sleep 12
kill -HUP "$daemon"; sleep 4
kill -USR1 "$daemon"; sleep 4
kill -TERM "$daemon"
wait "$daemon" || { echo "symbol-order: the daemon failed under valgrind; its log:" >&2; tail -20 "$work/daemon.log" >&2; exit 1; }
