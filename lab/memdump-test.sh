#!/usr/bin/env bash
# What a memory dump of the running daemon shows of the secrets it has read, run inside a lab (make
# swift-test does):
#
#   lab/lab.sh run -- lab/memdump-test.sh [BINARY]
#
# The daemon keeps msa-web$ and msa-svc1$ and reads them three times (start, two refreshes: three LDAP
# connections opened and closed); then gdb's gcore dumps its memory (gdb ignores the coredump_filter of 0 the
# daemon sets for itself, and root may ptrace a non-dumpable process). The needles, kept in a private directory
# and never printed: each blob (read again as the host, through lab/fetch-blob.sh), its passwords (UTF-16LE
# and UTF-8), the PBKDF2 intermediate keys and every key of the keytabs the daemon wrote
# (lab/memdump-search.py). Passes with 0 hits outside a decoded LDAP stream that a library keeps (README,
# "Secrets": libldap's SASL socket buffer, MIT GSS-API's gss_unwrap output, each named by the search): none
# in our buffers, stacks or the stack frames glibc's lazy binding saves registers in, none of the passwords'
# UTF-8 form or of the keys, which only we ever hold. Prints each hit's place and the figures, then
# "N passed, M failed". The dump is secret: it lives in a 0700 directory removed at exit, whatever happens.
set -uo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
BINARY=${1:-$HERE/../.build/debug/gmsa-keytabd}
[[ -n ${LAB_DIR:-} ]] || { echo "memdump-test: run inside 'lab/lab.sh run --'" >&2; exit 2; }
[[ -x $BINARY ]] || { echo "memdump-test: $BINARY is not built (swift build)" >&2; exit 2; }
command -v gdb >/dev/null || { echo "memdump-test: gdb is missing (lab/install-deps.sh installs it)" >&2; exit 2; }
# shellcheck source=test-lib.sh
. "$HERE/test-lib.sh"

WORK=$(mktemp -d "$LAB_DIR/memdump.XXXXXX")
SECRET=$WORK/secret
mkdir -m 700 "$SECRET"
trap '[[ -n ${DAEMON:-} ]] && kill "$DAEMON" 2>/dev/null; rm -rf -- "$SECRET"' EXIT
ACCOUNTS=(msa-web msa-svc1)

cfg=$WORK/gmsa-keytabd.toml
{
    printf '[domain]\nrealm = "%s"\nservers = ["%s"]\n' "$LAB_REALM" "$LAB_DC"
    printf '[host]\nkeytab = "%s"\n[daemon]\nstate_directory = "%s/state"\n' "$LAB_HOST_KEYTAB" "$WORK"
    for a in "${ACCOUNTS[@]}"; do
        printf '[[account]]\nname = "%s$"\nkeytab = "%s/%s.keytab"\n' "$a" "$SECRET" "$a"
    done
} >"$cfg"

"$BINARY" run -c "$cfg" --log-target stderr >/dev/null 2>"$WORK/daemon.log" &
DAEMON=$!
written() { for a in "${ACCOUNTS[@]}"; do [[ -s $SECRET/$a.keytab ]] || return 1; done; }
check "the daemon wrote both keytabs" wait_for 60 written
for round in 1 2; do
    check "refresh $round: both accounts read again" helper "$BINARY" refresh -c "$cfg" --wait 30
done
check "the daemon is still running" kill -0 "$DAEMON"

# gdb stops every thread, copies /proc/PID/maps (to name the mappings hits fall in), then dumps.
t0=$(now)
helper gdb -batch -nx -p "$DAEMON" -ex "shell cat /proc/$DAEMON/maps > $SECRET/maps" \
    -ex 'set use-coredump-filter off' -ex "gcore $SECRET/core" -ex detach
check "gcore dumped the daemon" test -s "$SECRET/core"
printf 'figure: gcore: %s MiB in %s s\n' "$(($(stat -c %s "$SECRET/core" 2>/dev/null || echo 0) / 1048576))" "$(elapsed "$t0")"
kill "$DAEMON" 2>/dev/null
wait "$DAEMON" 2>/dev/null
DAEMON=

# The blobs, read as the host (the same password as the daemon's reads: no rollover is due for 30 days).
pairs=()
for a in "${ACCOUNTS[@]}"; do
    (umask 077 && "$HERE/fetch-blob.sh" "$a" 2>>"$WORK/helpers.log" | base64 -d >"$SECRET/$a.blob")
    check "the blob of $a\$ read for the search" test -s "$SECRET/$a.blob"
    pairs+=("$SECRET/$a.blob" "$SECRET/$a.keytab")
done

python3 "$HERE/memdump-search.py" "$SECRET/core" "$SECRET/maps" "$LAB_REALM" "${pairs[@]}" >"$WORK/search.log" 2>&1
search_rc=$?
sed 's/^/  /' "$WORK/search.log"
check "the search ran (rc $search_rc)" test "$search_rc" = 0
check "the dump holds the daemon's heap" grep -qx 'heap dumped: yes' "$WORK/search.log"
needles=$(grep -c '^needle: ' "$WORK/search.log")
printf 'figure: %s needles, %s hits, %s outside a library'"'"'s decoded LDAP stream\n' "$needles" \
    "$(sed -n 's/^hits: //p' "$WORK/search.log")" "$(sed -n 's/^unexplained: //p' "$WORK/search.log")"
check "every needle was searched ($needles: blob, 2 passwords in 2 forms, 2 PBKDF2 keys, keys, per account)" \
    test "$needles" -ge 14
check "no hit outside a decoded LDAP stream a library keeps (our buffers hold none)" grep -qx 'unexplained: 0' "$WORK/search.log"
check "no hit of a password's UTF-8 form, a PBKDF2 intermediate or a key (only we hold those)" \
    awk '/^needle: .*(UTF-8|PBKDF2|key kvno)/ && !/: 0 whole, 0 partial$/ { bad = 1 } END { exit bad }' "$WORK/search.log"

test_summary
