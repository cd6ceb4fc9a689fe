#!/usr/bin/env bash
# Reproduces the time-travel observations in lab/README.md with msa-daily
# (1-day interval = 20-hour period on Samba). Prints no secrets.
#   lab/lab.sh run lab/rollover-check.sh
set -euo pipefail
LAB_SRC=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
[[ -n ${LAB_DIR:-} ]] || { echo "run inside the lab: lab/lab.sh run $0" >&2; exit 2; }
ft=$LAB_SRC/lab-faketime.sh
acct=${1:-msa-daily}
failures=0

kvno() { "$ft" exec "$LAB_SRC/fetch-attr.sh" "$acct" msDS-KeyVersionNumber; }
blob() { "$ft" exec "$LAB_SRC/fetch-blob.sh" "$acct" | /usr/bin/python3 "$LAB_SRC/blob-info.py" --json; }
field() { /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.argv[1]).get(sys.argv[2], "-"))' "$1" "$2"; }
expect() { # description, actual, expected
    if [[ $2 == "$3" ]]; then printf 'PASS  %s (%s)\n' "$1" "$2"
    else printf 'FAIL  %s: got %s, expected %s\n' "$1" "$2" "$3"; failures=$((failures + 1)); fi
}
observe() { # label -> sets K1 (kvno before), B (blob json), K2 (kvno after)
    K1=$(kvno); B=$(blob); K2=$(kvno)
    printf -- '--- %s: offset %s, DC clock %s UTC\n' "$1" "$("$ft" show)" "$("$ft" exec date -u '+%F %T')"
    printf '    kvno before/after blob read: %s/%s; blob length %s, previous %s, query %ss, unchanged %ss; current %s, previous %s\n' \
        "$K1" "$K2" "$(field "$B" length)" "$(field "$B" has_previous)" \
        "$(field "$B" query_interval_s)" "$(field "$B" unchanged_interval_s)" \
        "$(field "$B" current_tag)" "$(field "$B" previous_tag)"
}

observe "real clock"
q=$(field "$B" query_interval_s); q=${q%.*}
cur0=$(field "$B" current_tag)
expect "fresh account has no previous password" "$(field "$B" has_previous)" False
expect "fresh account kvno" "$K2" 1

"$ft" "+$((q - 180))"
observe "3 minutes before expiry"
next=$(field "$B" current_tag)
expect "previous password present before expiry" "$(field "$B" has_previous)" True
expect "previous = password still in use" "$(field "$B" previous_tag)" "$cur0"
expect "current = next password (changed)" "$([[ $next != "$cur0" ]] && echo yes || echo no)" yes
expect "kvno unchanged before expiry" "$K2" 1

"$ft" "+$((q + 600))"
observe "10 minutes after expiry"
expect "kvno before the blob read (rollover is lazy)" "$K1" 1
expect "kvno after the blob read" "$K2" 2
expect "current = the password announced early" "$(field "$B" current_tag)" "$next"

"$ft" "+$((q + 600 + 60 * 3600))"
observe "2.5 days later (two periods skipped)"
expect "kvno jumps by 2 after the blob read" "$K2" 4
expect "previous password present" "$(field "$B" has_previous)" True

"$ft" 0 2>/dev/null
((failures == 0)) || { echo "rollover-check: $failures FAILED"; exit 1; }
echo "rollover-check: all observations as expected"
