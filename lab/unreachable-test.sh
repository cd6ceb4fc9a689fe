#!/usr/bin/env bash
# The KDC unreachable while LDAP answers, then the reverse, run inside a lab (make swift-test does):
#
#   lab/lab.sh run -- lab/unreachable-test.sh [BINARY]
#
# nftables rules in the lab's network namespace reject the KDC (88, TCP and UDP) or LDAP (389, TCP); the
# other port keeps answering. For each: `sync` exits 69 with a message that names what failed and keeps the
# keytab; the daemon, started with the port blocked, fails its first pass, retries with growing delays, and
# writes the keytab by itself within one retry once the rule is gone; `kinit -k` works with it. Then `sync`
# with each port silently dropped, for its time and message. Prints the figures and "N passed, M failed".
# About 3 minutes.
set -uo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
BINARY=${1:-$HERE/../.build/debug/gmsa-keytabd}
[[ -n ${LAB_DIR:-} ]] || { echo "unreachable-test: run inside 'lab/lab.sh run --'" >&2; exit 2; }
[[ -x $BINARY ]] || { echo "unreachable-test: $BINARY is not built (swift build)" >&2; exit 2; }
command -v nft >/dev/null || { echo "unreachable-test: nft not found (lab/install-deps.sh installs nftables)" >&2; exit 2; }
# shellcheck source=test-lib.sh
. "$HERE/test-lib.sh"

WORK=$(mktemp -d "$LAB_DIR/unreachable.XXXXXX")
TABLE=gmsa_unreachable_test
DAEMON=
# shellcheck disable=SC2317  # invoked by trap
cleanup() {
    nft delete table inet "$TABLE" 2>/dev/null
    if [[ -n $DAEMON ]]; then kill "$DAEMON" 2>/dev/null; wait "$DAEMON" 2>/dev/null; fi
    true
}
trap cleanup EXIT


# block kdc|ldap [drop]: reject (or silently drop) what the host sends to the KDC (88 TCP and UDP) or to LDAP
# (389 TCP), on every address of the namespace, as a firewall would; unblock removes the rule.
block() {
    local tcp='reject with tcp reset' udp=reject
    [[ ${2:-} != drop ]] || { tcp=drop; udp=drop; }
    nft add table inet "$TABLE" &&
        nft add chain inet "$TABLE" output '{ type filter hook output priority 0; policy accept; }' || return 1
    case $1 in
    kdc) nft add rule inet "$TABLE" output tcp dport 88 "$tcp" &&
        nft add rule inet "$TABLE" output udp dport 88 "$udp" ;;
    ldap) nft add rule inet "$TABLE" output tcp dport 389 "$tcp" ;;
    esac
}
unblock() { nft delete table inet "$TABLE"; }
port_answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# config NAME [TIMEOUT]: a configuration for msa-svc1$ with its own state directory and keytab in $WORK/NAME.
config() {
    local dir=$WORK/$1
    mkdir -p "$dir"
    cat >"$dir/gmsa-keytabd.toml" <<EOF
[domain]
realm = "$LAB_REALM"
servers = ["$LAB_DC"]
[host]
keytab = "$LAB_HOST_KEYTAB"
[ldap]
timeout = ${2:-10}
[daemon]
state_directory = "$dir/state"
[[account]]
name = "msa-svc1\$"
keytab = "$dir/msa-svc1.keytab"
EOF
    printf '%s\n' "$dir/gmsa-keytabd.toml"
}
authenticates() { KRB5CCNAME=MEMORY: kinit -k -t "$WORK/$1/msa-svc1.keytab" "msa-svc1\$@$LAB_REALM" >>"$WORK/kinit.log" 2>&1; }
# failures NAME: the daemon's "refresh failed" lines so far (error level, for msa-svc1$).
failures() { grep -c '^[0-9.]* <3>msa-svc1\$: FAILED' "$WORK/$1/daemon.log"; }
has_failures() { (($(failures "$1") >= $2)); }
keytab_written() { [[ -s $WORK/$1/msa-svc1.keytab ]]; }

# scenario NAME WHAT MESSAGE_PATTERN: one blocked port, sync and daemon.
scenario() {
    local name=$1 what=$2 pattern=$3 cfg out rc t0 dir=$WORK/$1
    printf -- '--- %s unreachable (%s)\n' "${what^^}" "$(if [[ $what == kdc ]]; then echo '88 rejected, 389 answers'; else echo '389 rejected, 88 answers'; fi)"

    # sync: first a good keytab, then a sync with the port blocked must keep it.
    cfg=$(config "$name-sync")
    "$BINARY" sync -c "$cfg" >/dev/null 2>&1
    before=$(md5sum <"$WORK/$name-sync/msa-svc1.keytab")
    block "$what" || { fail "$what: cannot add the nftables rule"; return; }
    if [[ $what == kdc ]]; then
        check "$what blocked: LDAP still answers" port_answers 389
    else
        check "$what blocked: the KDC still answers (kinit as the host)" \
            env KRB5CCNAME=MEMORY: kinit -k -t "$LAB_HOST_KEYTAB" "$LAB_HOST_PRINCIPAL@$LAB_REALM"
    fi
    t0=$(now)
    out=$("$BINARY" sync -c "$cfg" 2>&1)
    rc=$?
    printf 'figure: %s blocked: sync exit %s after %s s: %s\n' "$what" "$rc" "$(elapsed "$t0")" "$(tr '\n' ' ' <<<"$out")"
    check "$what blocked: sync exits 69 (README: host authentication failed or no usable DC)" test "$rc" = 69
    check "$what blocked: sync's message says: $pattern" grep -qF -- "$pattern" <<<"$out"
    check "$what blocked: sync keeps the keytab" test "$(md5sum <"$WORK/$name-sync/msa-svc1.keytab")" = "$before"

    # The daemon, started while the port is blocked: it fails, backs off, and recovers by itself.
    cfg=$(config "$name")
    "$BINARY" run -c "$cfg" --log-target stderr \
        2> >(while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$dir/daemon.log") &
    DAEMON=$!
    t0=$(now)
    check "$what blocked: the daemon fails its first pass" wait_for 30 has_failures "$name" 1
    check "$what blocked: and retries by itself" wait_for 45 has_failures "$name" 2
    sed -n 's/^[0-9.]* <3>/  daemon: /p' "$dir/daemon.log" | head -n 1
    # Delay planned after each failure (NEXT_REFRESH minus the time of the line) and time between failures.
    python3 - "$dir/daemon.log" >"$dir/backoff" <<'PY'
import re, sys, datetime
rows = []
for line in open(sys.argv[1]):
    m = re.match(r"([0-9.]+) <3>msa-svc1\$: FAILED.* NEXT_REFRESH=(\S+)", line)
    if m:
        at = float(m.group(1))
        nxt = datetime.datetime.fromisoformat(m.group(2).replace("Z", "+00:00")).timestamp()
        rows.append((at, nxt - at))
print(" ".join("%.0f" % d for _, d in rows))
print(" ".join("%.1f" % (b[0] - a[0]) for a, b in zip(rows, rows[1:])))
PY
    mapfile -t backoff <"$dir/backoff"
    # NEXT_REFRESH has whole seconds and the daemon looks every 5 s: a retry comes up to ~6 s after its plan.
    printf 'figure: %s blocked: daemon failures at +0 s and %s s later; retry planned in %s s after each (30 s doubling, 50-100 %% jitter)\n' \
        "$what" "${backoff[1]:-?}" "${backoff[0]:-?}"
    read -r d1 d2 _ <<<"${backoff[0]}"
    read -r gap _ <<<"${backoff[1]}"
    check "$what blocked: no retry sooner than the shortest backoff (${gap:-?} s >= 14 s)" \
        awk -v g="${gap:-0}" 'BEGIN { exit !(g >= 14) }'
    check "$what blocked: the second retry is planned later than the first (${d1:-?} s, then ${d2:-?} s)" \
        awk -v a="${d1:-0}" -v b="${d2:-0}" 'BEGIN { exit !(a >= 14 && b > a) }'
    "$BINARY" status -c "$cfg" 2>&1 | sed 's/^/  status: /'
    check "$what blocked: no keytab written meanwhile" test ! -e "$dir/msa-svc1.keytab"

    unblock
    t0=$(now)
    check "$what back: the daemon writes the keytab by itself (planned retry ${d2:-?} s after the last failure)" \
        wait_for "$((${d2:-60} + 15))" keytab_written "$name"
    printf 'figure: %s back: keytab written %s s after the rule was removed\n' "$what" "$(elapsed "$t0")"
    check "$what back: kinit -k with the keytab works" authenticates "$name"
    check "$what back: status is ok again" bash -c "'$BINARY' status -c '$cfg' | grep -q '^msa-svc1\\\$: ok'"
    kill "$DAEMON" 2>/dev/null
    wait "$DAEMON" 2>/dev/null
    DAEMON=
}

T_START=$(now)
scenario kdc kdc "Kerberos ticket for $LAB_HOST_PRINCIPAL@$LAB_REALM from the KDC"
scenario ldap ldap "cannot reach LDAP on $LAB_DC (port 389)"
# A firewall that drops instead: sync waits for the KDC (MIT krb5: 1 s per UDP try, then TCP) or for the LDAP
# timeout (3 s here), then says the same.
for what in kdc ldap; do
    cfg=$(config "$what-drop" 3)
    block "$what" drop || { fail "$what: cannot add the nftables rule"; continue; }
    t0=$(now)
    out=$(timeout 120 "$BINARY" sync -c "$cfg" 2>&1)
    rc=$?
    seconds=$(elapsed "$t0")
    unblock
    printf 'figure: %s dropped: sync exit %s after %s s: %s\n' "$what" "$rc" "$seconds" "$(head -n 1 <<<"$out" | cut -c1-160)"
    check "$what dropped: sync exits 69 after $seconds s" test "$rc" = 69
    pattern="cannot reach LDAP on $LAB_DC (port 389)"
    [[ $what == ldap ]] || pattern="Kerberos ticket for $LAB_HOST_PRINCIPAL@$LAB_REALM from the KDC"
    check "$what dropped: the message says: $pattern" grep -qF -- "$pattern" <<<"$out"
done
printf 'figure: unreachable-test took %s s\n' "$(elapsed "$T_START")"

test_summary
