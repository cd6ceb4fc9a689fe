#!/usr/bin/env bash
# Benchmark of `gmsa-keytabd sync` (not a test): for N = 1, 100, 500 authorized gMSAs in a fresh lab,
# runs sync cold (no keytabs) and warm (all current) and prints wall time, CPU time, peak RSS, LDAP binds
# and searches sent, keytabs written and accounts whose keys were derived.
#   sudo bench/sync-benchmark.sh [N...]       (default: 1 100 500; builds the release binary first)
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
counts=("$@")
((${#counts[@]})) || counts=(1 100 500)

if [[ ${_GMSA_BENCH_INNER:-} != 1 ]]; then
    # The shipped build (static Swift runtime): `make build`.
    make -C "$root" build >/dev/null
    binary=$root/.build/release/gmsa-keytabd
    printf '%-5s %-5s %8s %8s %9s %6s %9s %8s %8s\n' N pass wall_s cpu_s rss_mib binds searches written derived
    for n in "${counts[@]}"; do
        LAB_EXTRA_GMSAS=$n _GMSA_BENCH_INNER=1 GMSA_BENCH_BINARY=$binary GMSA_BENCH_N=$n \
            "$root/lab/lab.sh" run -- "$root/bench/sync-benchmark.sh"
    done
    exit 0
fi

# Inside the lab: the N msa-bench-i accounts, each in its own keytab.
work=$LAB_DIR/bench
mkdir -p "$work/keytabs"
{
    printf '[domain]\nrealm = "%s"\n[host]\nkeytab = "%s"\n[daemon]\nstate_directory = "%s"\n' "$LAB_REALM" "$LAB_HOST_KEYTAB" "$work/state"
    for ((i = 1; i <= GMSA_BENCH_N; i++)); do
        printf '[[account]]\nname = "msa-bench-%d$"\nkeytab = "%s/keytabs/msa-bench-%d.keytab"\n' "$i" "$work" "$i"
    done
} >"$work/gmsa-keytabd.toml"

for pass in cold warm; do
    out=$(python3 "$root/bench/measure.py" "$GMSA_BENCH_BINARY" sync -c "$work/gmsa-keytabd.toml" --statistics)
    figures=$(grep '^MEASURE' <<<"$out")
    stats=$(grep '^statistics:' <<<"$out" || true)
    status=$(sed -n 's/.*status=\([0-9]*\).*/\1/p' <<<"$figures")
    if [[ $status != 0 ]]; then
        printf 'sync failed (status %s):\n%s\n' "$status" "$(grep -v '^msa-bench.*: \(wrote\|current\)' <<<"$out" | head -20)" >&2
        exit 1
    fi
    printf '%-5s %-5s %8s %8s %9s %6s %9s %8s %8s\n' "$GMSA_BENCH_N" "$pass" \
        "$(sed -n 's/.*wall=\([0-9.]*\).*/\1/p' <<<"$figures")" \
        "$(sed -n 's/.*cpu=\([0-9.]*\).*/\1/p' <<<"$figures")" \
        "$(sed -n 's/.*rss_mib=\([0-9.]*\).*/\1/p' <<<"$figures")" \
        "$(sed -n 's/.* \([0-9]*\) bind(s).*/\1/p' <<<"$stats")" \
        "$(sed -n 's/.* \([0-9]*\) search(es).*/\1/p' <<<"$stats")" \
        "$(sed -n 's/.* \([0-9]*\) keytab(s) written.*/\1/p' <<<"$stats")" \
        "$(sed -n 's/.*keys derived for \([0-9]*\) of.*/\1/p' <<<"$stats")"
done
