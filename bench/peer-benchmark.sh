#!/usr/bin/env bash
# Benchmark (not a test): gmsa-keytabd side by side with its peer gmsad (PyPI `gmsad`, a Python daemon that
# writes gMSA keytabs), in one lab, on the same accounts, alternating, ROUNDS rounds (default 5). Prints the
# versions and a table (median and each round) of:
#   start_s      process start (just before fork) to the keytab of msa-svc1$ complete on disk (inotify:
#                IN_MOVED_TO for gmsa-keytabd's rename, IN_CLOSE_WRITE for gmsad's in-place write)
#   *_1          VmRSS (/proc/PID/status), Pss and USS (Private_Clean + Private_Dirty, /proc/PID/smaps_rollup)
#                10 s after that keytab was written; the daemon keeps running
#   pass_s_N     start to all N msa-bench-i keytabs written (N = PEER_MANY, default 500)
#   peak_rss_N   VmHWM when the N-th keytab was written (peak RSS of the start and the whole first pass)
#   peak+idle_*  VmHWM at the end of the idle 10 s: the peak of start, pass and idle time together
#   *_N          as *_1, 10 s after the N-th keytab
# and the size of the stripped gmsa-keytabd binary (stripped as in the .deb) and of gmsad's virtualenv.
# Both are started as daemons, the way each is deployed: `gmsa-keytabd run -c CFG` and `gmsad -c CFG`; each
# run starts cold (no keytab, empty state directory) and uses dc1 by name (no SRV lookup), the host keytab,
# a private in-memory credential cache and AES keys only (gmsad writes no RC4).
#   sudo bench/peer-benchmark.sh [ROUNDS]
# Env: GMSAD_VERSION (0.2.1), GMSAD_VENV=DIR (use this virtualenv with gmsad installed instead of a fresh one:
# pip builds python-gssapi from source, several minutes), PEER_MANY (500), PEER_IDLE_S (10).
# Everything goes to a /var/tmp/gmsa-peer-bench.XXXXXX directory (virtualenv, pip cache, stripped binary,
# results) and the lab's own temporary directory; both are removed at the end.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
rounds=${1:-5}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "usage: sudo $0 [ROUNDS]" >&2; exit 2; }
many=${PEER_MANY:-500}
idle=${PEER_IDLE_S:-10}

if [[ ${_GMSA_PEER_INNER:-} != 1 ]]; then
    ((EUID == 0)) || { echo "peer-benchmark: run as root (the lab needs it)" >&2; exit 1; }
    make -C "$root" build >/dev/null
    tmp=$(mktemp -d /var/tmp/gmsa-peer-bench.XXXXXX)
    trap 'rm -rf -- "$tmp"' EXIT
    # The binary the .deb ships: packaging/build-deb.sh strips it like this.
    strip --strip-unneeded --remove-section=.comment --remove-section=.note \
        -o "$tmp/gmsa-keytabd" "$root/.build/release/gmsa-keytabd"

    venv=${GMSAD_VENV:-}
    if [[ -z $venv ]]; then
        # python-gssapi has no wheel for Linux: pip builds it (gcc, Python.h, krb5-config).
        missing=()
        for p in python3-venv python3-dev gcc libkrb5-dev; do
            dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
        done
        if ((${#missing[@]})); then
            echo "peer-benchmark: apt-get install ${missing[*]}" >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
        fi
        venv=$tmp/venv
        echo "peer-benchmark: installing gmsad ${GMSAD_VERSION:-0.2.1} into $venv (builds gssapi: minutes)" >&2
        /usr/bin/python3 -m venv "$venv"
        PIP_CACHE_DIR=$tmp/pip-cache PIP_DISABLE_PIP_VERSION_CHECK=1 \
            "$venv/bin/pip" install -q "gmsad==${GMSAD_VERSION:-0.2.1}" >&2
    fi
    [[ -x $venv/bin/gmsad ]] || { echo "peer-benchmark: no $venv/bin/gmsad" >&2; exit 1; }

    mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
    echo "versions:"
    echo "  gmsa-keytabd $("$tmp/gmsa-keytabd" --version) ($(git -C "$root" describe --always --dirty 2>/dev/null || echo '?'), static Swift runtime, stripped)"
    "$venv/bin/python" - <<'EOF'
import importlib.metadata as m, platform
print(f"  gmsad {m.version('gmsad')} (Python {platform.python_version()}; " +
      ", ".join(f"{p} {m.version(p)}" for p in ("ldap3", "gssapi", "cryptography", "dnspython", "asn1crypto")) + ")")
EOF
    echo "  DC: $(samba --version), $(uname -sr), $(nproc) cores"
    echo "sizes:"
    echo "  gmsa-keytabd binary, stripped: $(mib "$(stat -c %s "$tmp/gmsa-keytabd")") MiB (unstripped build: $(mib "$(stat -c %s "$root/.build/release/gmsa-keytabd")") MiB; links Debian's libkrb5, libldap, libgnutls)"
    site=$(echo "$venv"/lib/python3*/site-packages)
    echo "  gmsad virtualenv: $(mib $(($(du -sb "$venv" | cut -f1)))) MiB in all; without pip and setuptools: $(mib $(($(du -sbc "$venv" | tail -1 | cut -f1) - $(du -sbc "$site"/pip "$site"/pip-* "$site"/setuptools "$site"/setuptools-* "$site"/_distutils_hack "$site"/pkg_resources 2>/dev/null | tail -1 | cut -f1)))) MiB; gmsad itself: $(mib "$(du -sb "$site/gmsad" | cut -f1)") MiB (plus the system's python3.11)"

    # Wall times on a shared machine depend on what else runs: the load average goes with them.
    echo "  load average before the lab: $(cut -d' ' -f1-3 /proc/loadavg)"
    LAB_EXTRA_GMSAS=$many _GMSA_PEER_INNER=1 PEER_TMP=$tmp PEER_BINARY=$tmp/gmsa-keytabd PEER_VENV=$venv \
        "$root/lab/lab.sh" run -- "$root/bench/peer-benchmark.sh" "$rounds"

    echo "  load average after the rounds: $(cut -d' ' -f1-3 /proc/loadavg)"
    /usr/bin/python3 - "$tmp/results" "$rounds" "$many" <<'EOF'
import statistics, sys
path, rounds, many = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = {}
for line in open(path):
    daemon, scenario, rnd, *pairs = line.split()
    for key, value in (p.split("=") for p in pairs):
        rows.setdefault((daemon, scenario, key), {})[int(rnd)] = float(value)
metrics = [("start_s", "1", "first_s", "s", 3), ("rss_mib_1", "1", "rss_mib", "MiB", 1), ("pss_mib_1", "1", "pss_mib", "MiB", 1),
           ("uss_mib_1", "1", "uss_mib", "MiB", 1),
           ("peak+idle_mib_1", "1", "idle_hwm_mib", "MiB", 1), (f"pass_s_{many}", "N", "all_s", "s", 3),
           (f"peak_rss_mib_{many}", "N", "hwm_mib", "MiB", 1), (f"peak+idle_mib_{many}", "N", "idle_hwm_mib", "MiB", 1),
           (f"rss_mib_{many}", "N", "rss_mib", "MiB", 1),
           (f"pss_mib_{many}", "N", "pss_mib", "MiB", 1), (f"uss_mib_{many}", "N", "uss_mib", "MiB", 1)]
head = f"{'figure':<17} {'daemon':<13} {'median':>9} " + " ".join(f"{'r' + str(r):>9}" for r in range(1, rounds + 1))
print(head)
print("-" * len(head))
for name, scenario, key, _unit, digits in metrics:
    for daemon in ("gmsa-keytabd", "gmsad"):
        values = rows.get((daemon, scenario, key), {})
        cells = [f"{values[r]:.{digits}f}" if r in values else "-" for r in range(1, rounds + 1)]
        median = f"{statistics.median(values.values()):.{digits}f}" if values else "-"
        print(f"{name:<17} {daemon:<13} {median:>9} " + " ".join(f"{c:>9}" for c in cells))
EOF
    exit 0
fi

# ---------------------------------------------------------------------------
# Inside the lab.
work=$LAB_DIR/peer
mkdir -p "$work"
results=$PEER_TMP/results
: >"$results"

# Samba leaves msDS-SupportedEncryptionTypes unset on a new gMSA (Windows sets it); gmsad 0.2.1 then fails with
# "TypeError: unsupported operand type(s) for &: 'int' and 'NoneType'". 24 = AES128 + AES256: what gmsad
# writes by default, and what gmsa-keytabd then writes too.
{
    for name in msa-svc1 $(seq -f 'msa-bench-%g' 1 "$many"); do
        printf 'dn: CN=%s,CN=Managed Service Accounts,%s\nchangetype: modify\nreplace: msDS-SupportedEncryptionTypes\nmsDS-SupportedEncryptionTypes: 24\n\n' "$name" "$LAB_BASE_DN"
    done
} >"$work/enctypes.ldif"
ldapmodify -N -Q -Y GSSAPI -O minssf=56 -H "ldap://$LAB_DC" -f "$work/enctypes.ldif" >/dev/null

# Configurations: 1 = msa-svc1$ (no SPN: one principal), N = msa-bench-1..N$, one keytab each, in $work/keytabs.
accounts_1=(msa-svc1)
mapfile -t accounts_n < <(seq -f 'msa-bench-%g' 1 "$many")
write_configs() { # SUFFIX ACCOUNT...
    local suffix=$1 name
    shift
    {
        printf '[domain]\nrealm = "%s"\nservers = ["%s"]\n[host]\nkeytab = "%s"\n' "$LAB_REALM" "$LAB_DC" "$LAB_HOST_KEYTAB"
        printf '[daemon]\nstate_directory = "%s"\n' "$work/state"
        for name; do printf '[[account]]\nname = "%s$"\nkeytab = "%s/keytabs/%s.keytab"\n' "$name" "$work" "$name"; done
    } >"$work/gmsa-keytabd-$suffix.toml"
    {
        printf '[gmsad]\nloglevel = INFO\n'
        for name; do
            printf '[%s]\nprincipal = %s@%s\nkeytab = %s\ngMSA_sAMAccountName = %s$\ngMSA_domain = %s\n' \
                "$name" "$LAB_HOST_PRINCIPAL" "$LAB_REALM" "$LAB_HOST_KEYTAB" "$name" "$LAB_REALM"
            printf 'gMSA_keytab = %s/keytabs/%s.keytab\nhost = %s\n' "$work" "$name" "$LAB_DC"
            # ldap3 cannot seal, so gmsad needs TLS: Samba's self-signed certificate, StartTLS before the bind.
            printf 'tls_ca_certs_file = %s\nldap_auto_bind = TLS_BEFORE_BIND\n' "$LAB_DIR/dc1/private/tls/ca.pem"
        done
    } >"$work/gmsad-$suffix.conf"
}
write_configs 1 "${accounts_1[@]}"
write_configs N "${accounts_n[@]}"

measure() { # DAEMON SCENARIO ROUND
    local daemon=$1 scenario=$2 round=$3 count=1 out
    [[ $scenario == 1 ]] || count=$many
    rm -rf -- "$work/keytabs" "$work/state"
    mkdir -p "$work/keytabs"
    local command=("$PEER_BINARY" run -c "$work/gmsa-keytabd-$scenario.toml" --log-target stderr)
    [[ $daemon == gmsa-keytabd ]] || command=("$PEER_VENV/bin/gmsad" -c "$work/gmsad-$scenario.conf")
    local log=$work/$daemon-$scenario-$round.log
    if ! out=$(KRB5CCNAME=MEMORY:peer-bench /usr/bin/python3 "$root/bench/peer-measure.py" "$work/keytabs" "$count" "$idle" \
        "$log" -- "${command[@]}"); then
        echo "peer-benchmark: $daemon, $count account(s), round $round failed; its log:" >&2
        tail -20 "$log" >&2
        return 1
    fi
    # Proof that the keytab works: a TGT for the account from it.
    if [[ $scenario == 1 ]] && ! KRB5CCNAME=MEMORY:peer-check kinit -k -t "$work/keytabs/msa-svc1.keytab" 'msa-svc1$' 2>"$work/kinit.err"; then
        echo "peer-benchmark: kinit with $daemon's keytab failed: $(cat "$work/kinit.err")" >&2
        return 1
    fi
    echo "$daemon $scenario $round ${out#PEER }" >>"$results"
    echo "peer-benchmark: round $round, $daemon, $count account(s): ${out#PEER }" >&2
}

for ((round = 1; round <= rounds; round++)); do
    order=(gmsa-keytabd gmsad)
    ((round % 2)) || order=(gmsad gmsa-keytabd)
    for scenario in 1 N; do
        for daemon in "${order[@]}"; do measure "$daemon" "$scenario" "$round"; done
    done
done
