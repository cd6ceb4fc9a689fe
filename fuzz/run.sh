#!/usr/bin/env bash
# Builds the fuzz targets (libFuzzer + AddressSanitizer) and runs each for SECONDS, one at a time.
#   fuzz/run.sh SECONDS [TARGET...]      targets: blob attribute config toml state keytab ldapping json (default: all)
# Prints one line per target: executions, executions per second, seconds, crashes. Exits non-zero when a
# target crashed, leaked, timed out or broke a property; the input is saved under .build-fuzz/artifacts/ and
# libFuzzer's full output in .build-fuzz/logs/ (this script never prints inputs: they may be keytabs).
# With FUZZ_CONFIGURATION=release everything goes to .build-fuzz-release instead.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(blob attribute config toml state keytab ldapping json)
# FUZZ_CONFIGURATION=release: optimised (bounds and overflow checks stay), several times more executions.
configuration=${FUZZ_CONFIGURATION:-debug}
build=.build-fuzz
[ "$configuration" = debug ] || build=.build-fuzz-$configuration
swift=${SWIFT:-swift}
# SwiftPM passes `--sanitize fuzzer --sanitize address` to swiftc as two flags, and swiftc keeps only the last
# one: objects got AddressSanitizer but no coverage counters, so libFuzzer mutated blind ("no interesting
# inputs were found"). The combined flag after them gives both; the two --sanitize keep SwiftPM's fuzzer link.
sanitize=(--sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address)

# ld.gold warns once per ASan helper symbol; the rest of the build output stays.
mkdir -p "$build"
products=()
[ ${#targets[@]} -ne 1 ] || products=(--product "fuzz-${targets[0]}")
status=0
$swift build --package-path fuzz --build-path "$build" -c "$configuration" "${sanitize[@]}" "${products[@]}" >"$build/build.log" 2>&1 || status=$?
grep -v "Cannot export local symbol" "$build/build.log" || true
[ "$status" -eq 0 ] || { echo "fuzz: the build failed (exit $status)" >&2; exit 2; }
bin=$($swift build --package-path fuzz --build-path "$build" -c "$configuration" "${sanitize[@]}" --show-bin-path)

# Known leaks of the libraries below us are listed in the file; leaks anywhere else fail.
# A Swift trap goes to libFuzzer's handler, not to the Swift runtime's backtracer (which trips ASan).
export SWIFT_BACKTRACE=enable=no
export LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan-suppressions.txt${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
failed=0
for target in "${targets[@]}"; do
    program="$bin/fuzz-$target"
    [ -x "$program" ] || { echo "fuzz-$target: not built ($program)" >&2; exit 2; }
    # New inputs go to the working corpus under .build-fuzz; the checked-in seeds are only read.
    corpus="$build/corpus/$target" artifacts="$build/artifacts/$target" log="$build/logs/$target.log"
    mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
    rm -f "$artifacts"/*
    options=()
    status=0
    [[ -d fuzz/corpus/$target ]] || { echo "fuzz/run.sh: no seed corpus fuzz/corpus/$target" >&2; exit 2; }
    "$program" "$corpus" "fuzz/corpus/$target" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$artifacts/" "${options[@]}" >"$log" 2>&1 || status=$?
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    crashes=$(find "$artifacts" -type f | wc -l)
    echo "fuzz-$target: ${executions:-?} executions, ${rate:-?} exec/s, ${took:-?} s, $crashes crashes"
    if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
        failed=1
        echo "fuzz-$target: FAILED (exit $status); log $log, inputs:" "$artifacts"/* >&2
        # What failed and where, without the input (libFuzzer prints small inputs in base64).
        grep -E "fuzz property failed|Assertion .* failed|Fatal error|ERROR: |SUMMARY: |^ +#[0-9]+ 0x" "$log" \
            | grep -v -E "in (fuzzer::|__sanitizer_|__pthread_kill|raise |abort |__assert_fail|__libc_start|_start )" \
            | head -25 >&2 || true
    fi
done
exit $failed
