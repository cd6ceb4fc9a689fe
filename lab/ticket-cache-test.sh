#!/usr/bin/env bash
# The daemon keeps gMSA ticket caches, run inside a lab with smbd (make swift-test does):
#
#   LAB_FULL_SAMBA=1 lab/lab.sh run -- lab/ticket-cache-test.sh [BINARY]
#
# One daemon, three cache-only accounts whose caches belong to nobody, and a journal of its own (a listener on
# /run/systemd/journal/socket, in the lab's private mount namespace) to see the MESSAGE_IDs:
# - msa-web$: its keys in <state>/keys (0700, keytab 0600), the cache nobody's 0600; as nobody, kvno of an SPN,
#   ldapwhoami -Y GSSAPI (says the gMSA) and smbclient //dc1/netlogon (lists a file the test put in the DC's
#   netlogon share) with the daemon's cache work; a deleted cache is written again at the next tick ("repaired").
# - msa-group$: a cache close to expiry (a 270-second ticket put in its place with kinit, as the owner's own tools
#   might) is renewed with half its lifetime left ("renewed", same renew-until). Samba's KDC refuses to renew a
#   ticket with 2 minutes left ("Ticket expired"), and renewed a 250 s one with 125 s left: 270 s keeps a margin.
#   Put in right after the first pass: the 135 s wait is most of the run.
# - msa-svc1$: its cache too gets a 2-minute ticket, then this host's right to read the account is removed and a
#   refresh reads it: the cache is not renewed, stays while its ticket is valid and is removed once it expired
#   ("removed").
# Then the daemon is stopped: the caches stay and work.
# Prints "N passed, M failed". About 2.5 minutes with the lab.
set -uo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
BINARY=${1:-$HERE/../.build/debug/gmsa-keytabd}
[[ -n ${LAB_DIR:-} ]] || { echo "ticket-cache-test: run inside 'lab/lab.sh run --'" >&2; exit 2; }
[[ -x $BINARY ]] || { echo "ticket-cache-test: $BINARY is not built (swift build)" >&2; exit 2; }
command -v smbclient >/dev/null || { echo "ticket-cache-test: smbclient not found (lab/install-deps.sh installs it)" >&2; exit 2; }
# shellcheck source=test-lib.sh
. "$HERE/test-lib.sh"

# Reachable by nobody (the caches' owner reads its cache and krb5.conf here).
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gmsa-ccache-test.XXXXXX")
chmod 755 "$WORK"
DAEMON= LISTENER=
HOST_ACCOUNT=${LAB_HOST_PRINCIPAL%%@*}
# shellcheck disable=SC2317  # invoked by trap
cleanup() {
    if [[ -n $DAEMON ]]; then kill "$DAEMON" 2>/dev/null; wait "$DAEMON" 2>/dev/null; fi
    if [[ -n $LISTENER ]]; then kill "$LISTENER" 2>/dev/null; wait "$LISTENER" 2>/dev/null; fi
    umount /run/systemd 2>/dev/null
    # The lab ends with this test, but put the right back for a shared lab.
    samba-tool service-account group-msa-membership add --name=msa-svc1 --principal="$HOST_ACCOUNT" \
        -H "ldap://$LAB_DC" --use-kerberos=required >/dev/null 2>&1
    [[ -n ${KEEP_WORK:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT

# A journal for the daemon: journald's native protocol, each entry a JSON line in $WORK/journal.jsonl.
mount -t tmpfs -o mode=0755 tmpfs /run/systemd && mkdir /run/systemd/journal || { echo "cannot mount /run/systemd" >&2; exit 2; }
python3 - "$WORK/journal.jsonl" <<'PY_EOF' &
import json, socket, struct, sys
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind("/run/systemd/journal/socket")
with open(sys.argv[1], "a", buffering=1) as out:
    while True:
        data, fields, i = sock.recv(1 << 20), {}, 0
        while i < len(data):
            end = data.index(b"\n", i)
            line = data[i:end]
            if b"=" in line:
                key, value = line.split(b"=", 1)
                i = end + 1
            else:
                size = struct.unpack("<Q", data[end + 1:end + 9])[0]
                key, value = line, data[end + 9:end + 9 + size]
                i = end + 9 + size + 1
            fields[key.decode()] = value.decode("utf-8", "replace")
        out.write(json.dumps(fields) + "\n")
PY_EOF
LISTENER=$!
wait_for 5 test -S /run/systemd/journal/socket || { echo "no journal listener" >&2; exit 2; }

cp "$KRB5_CONFIG" "$WORK/krb5.conf"
chmod 644 "$WORK/krb5.conf"
mkdir -m 755 "$WORK/run"
cat >"$WORK/gmsa-keytabd.toml" <<TOML_EOF
[domain]
realm = "$LAB_REALM"
[host]
keytab = "$LAB_HOST_KEYTAB"
[ldap]
timeout = 5
[daemon]
state_directory = "$WORK/state"
[[account]]
name = "msa-web$"
ccache = "$WORK/run/msa-web.ccache"
ccache_owner = "nobody"
ccache_group = "nogroup"
[[account]]
name = "msa-svc1$"
ccache = "$WORK/run/msa-svc1.ccache"
ccache_owner = "nobody"
[[account]]
name = "msa-group$"
ccache = "$WORK/run/msa-group.ccache"
ccache_owner = "nobody"
TOML_EOF
WEB=$WORK/run/msa-web.ccache
SVC=$WORK/run/msa-svc1.ccache
GROUP=$WORK/run/msa-group.ccache

# journal MESSAGE_ID ACCOUNT: the daemon's entries with that id for the account, one JSON object a line.
journal() { jq -c --arg id "$1" --arg account "$2" 'select(.MESSAGE_ID == $id and .GMSA_ACCOUNT == $account)' "$WORK/journal.jsonl"; }
RENEWED=1ba2bd93ed9c4df29940106f61ad157d REPAIRED=1d75d2622f594079a1348c8dd28e4fd2
REMOVED=9e6985240e584ba9abe80a9e5321532c ACQUIRED=fe296d805bd640aaa6ae8e4d76eb9d35
as_nobody() {
    setpriv --reuid=nobody --regid=nogroup --clear-groups env -i PATH=/usr/bin:/bin KRB5_CONFIG="$WORK/krb5.conf" \
        KRB5CCNAME="FILE:$1" HOME=/nonexistent "${@:2}"
}
# short_ticket ACCOUNT CACHE LIFETIME: a short TGT from the account's private keys put in place of CACHE (nobody's, 0600).
short_ticket() {
    local new=$WORK/run/.short
    KRB5CCNAME=FILE:$new kinit -k -t "$WORK/state/keys/$1.keytab" -l "$3" -r 1d "$1\$@$LAB_REALM" &&
        chown nobody:"$(stat -c %G "$2")" "$new" && chmod 600 "$new" && mv "$new" "$2"
}
# expiry FILE: the TGT's expiry in seconds since the epoch (klist as root: only the owner's programs need it).
expiry() { date -d "$(KRB5CCNAME=FILE:$1 klist | awk '/krbtgt\// { print $3, $4; exit }')" +%s; }
renew_until() { KRB5CCNAME=FILE:$1 klist | awk '/renew until/ { print $3, $4; exit }'; }

KRB5_CONFIG=$WORK/krb5.conf "$BINARY" run -c "$WORK/gmsa-keytabd.toml" --log-target journal 2>"$WORK/daemon.err" &
DAEMON=$!
started=$(now)
check "the three caches are written after the first pass" wait_for 30 test -s "$WEB" -a -s "$SVC" -a -s "$GROUP"
t_first=$(elapsed "$started")
first=$(date +%s)
check "the caches are nobody's, mode 0600" test "$(stat -c %U:%a "$WEB") $(stat -c %U:%a "$SVC")" = "nobody:600 nobody:600"
check "msa-web\$'s cache has group nogroup" test "$(stat -c %G "$WEB")" = nogroup
check "the keys are in <state>/keys, 0700, each keytab 0600 root's" \
    test "$(stat -c %a:%U "$WORK/state/keys") $(stat -c %a:%U "$WORK/state/keys/msa-web.keytab")" = "700:root 600:root"
check "no keytab beside the caches" test "$(find "$WORK/run" -name '*.keytab' | wc -l)" = 0
check "the journal says 'written' with its MESSAGE_ID, GMSA_CCACHE and TICKET_EXPIRES" \
    bash -c "$(declare -f journal); WORK=$WORK; journal $ACQUIRED 'msa-web\$' | jq -e 'select(.GMSA_CCACHE == \"$WEB\" and (.TICKET_EXPIRES | test(\"Z$\")))' >/dev/null"
lifetime=$(($(expiry "$WEB") - first))
check "the daemon's ticket lives the KDC's 10 hours: $lifetime s" test "$lifetime" -ge 35000 -a "$lifetime" -le 36001

# Close to expiry, as early as may be (the renewal is due 135 s later, the expiry 120 s): short tickets in
# msa-group$'s and msa-svc1$'s caches; msa-web$'s is tried meanwhile.
check "short tickets put in two caches (270 s, 120 s)" short_ticket msa-group "$GROUP" 270s
short_ticket msa-svc1 "$SVC" 2m
first=$(date +%s)
before_until=$(renew_until "$GROUP")
svc_expiry=$(expiry "$SVC")
# Revoked: this host may no longer read msa-svc1; a refresh reads it.
helper samba-tool service-account group-msa-membership remove --name=msa-svc1 --principal="$HOST_ACCOUNT" \
    -H "ldap://$LAB_DC" --use-kerberos=required
out=$("$BINARY" refresh -c "$WORK/gmsa-keytabd.toml" 2>&1)
check "the refresh says the DC withheld msa-svc1\$'s password" grep -q 'msa-svc1\$: FAILED: the DC withheld' <<<"$out"

out=$(as_nobody "$WEB" kvno "ldap/$LAB_DC" 2>&1)
check "kvno of ldap/$LAB_DC as nobody with the cache" grep -q "ldap/$LAB_DC@$LAB_REALM: kvno = " <<<"$out"
out=$(as_nobody "$WEB" ldapwhoami -N -Q -Y GSSAPI -H "ldap://$LAB_DC" 2>&1)
printf '  ldapwhoami as nobody: %s\n' "$out"
check "ldapwhoami -Y GSSAPI says the gMSA" grep -qi 'msa-web\$' <<<"$out"
# A file in the DC's netlogon share for the listing to show.
netlogon=$(testparm -s "$LAB_SMB_CONF" --section-name=netlogon --parameter-name=path 2>/dev/null)
[[ -d $netlogon ]] || { echo "no netlogon share in $LAB_SMB_CONF" >&2; exit 2; }
echo 'rem gmsa-keytabd lab' >"$netlogon/gmsa-lab-logon.cmd"
# smbclient's own state in a directory of the caller's (the lab's /run/samba is root's).
mkdir -p "$WORK/smb" && chown nobody "$WORK/smb"
printf '[global]\nrealm = %s\nworkgroup = COMPANY\n' "$LAB_REALM" >"$WORK/smb.conf"
for key in "lock directory" "state directory" "cache directory" "private dir" "pid directory" "ncalrpc dir"; do
    printf '%s = %s\n' "$key" "$WORK/smb" >>"$WORK/smb.conf"
done
out=$(as_nobody "$WEB" smbclient -s "$WORK/smb.conf" "//$LAB_DC/netlogon" --use-krb5-ccache="FILE:$WEB" -c ls 2>&1)
printf '%s\n' "$out" >"$WORK/smbclient.log"
printf '  smbclient as nobody: %s\n' "$(grep -v '^ *\.\.\? ' <<<"$out" | tr -s ' \t\n' ' ' | cut -c1-160)"
check "smbclient //$LAB_DC/netlogon --use-krb5-ccache lists the share (gmsa-lab-logon.cmd)" \
    grep -Eq '^ +gmsa-lab-logon\.cmd +[A-Z]* +21 ' <<<"$out"

# Deleted: written again within a tick or two, and said.
rm -f "$WEB"
deleted=$(now)
check "a deleted cache is written again at the next tick" wait_for 15 test -s "$WEB"
t_repair=$(elapsed "$deleted")
check "the journal says 'repaired (it was deleted)'" \
    wait_for 5 bash -c "$(declare -f journal); WORK=$WORK; journal $REPAIRED 'msa-web\$' | grep -q 'it was deleted'"
check "the repaired cache is nobody's again" test "$(stat -c %U:%G:%a "$WEB")" = nobody:nogroup:600

# Renewal: a 270 s ticket is refreshed with 135 s left.
check "msa-group\$'s cache is renewed, with its MESSAGE_ID" \
    wait_for 180 bash -c "$(declare -f journal); WORK=$WORK; journal $RENEWED 'msa-group\$' | grep -q ."
t_renew=$(($(date +%s) - first))
check "the renewed ticket is good for its 270 s again" test $(($(expiry "$GROUP") - $(date +%s))) -ge 250
check "the renewal kept renew-until ($before_until)" test "$(renew_until "$GROUP")" = "$before_until"
check "the renewed cache is still nobody's, mode 0600" test "$(stat -c %U:%a "$GROUP")" = nobody:600
out=$(as_nobody "$GROUP" kvno "HTTP/web.$LAB_DOMAIN" 2>&1)
check "kvno of HTTP/web.$LAB_DOMAIN as nobody with the renewed cache" grep -q "kvno = " <<<"$out"

# msa-svc1: kept while valid, removed at expiry, never renewed.
if (($(date +%s) < svc_expiry - 3)); then
    check "msa-svc1\$'s cache stays while its ticket is valid" test -s "$SVC"
fi
check "msa-svc1\$'s cache is removed once its ticket expired" wait_for $((svc_expiry - $(date +%s) + 20)) test ! -e "$SVC"
removed_after=$(($(date +%s) - svc_expiry))
check "the journal says 'removed' with its MESSAGE_ID and why" \
    bash -c "$(declare -f journal); WORK=$WORK; journal $REMOVED 'msa-svc1\$' | grep -q 'may no longer read the account'"
check "msa-svc1\$'s cache was never renewed" bash -c "! { $(declare -f journal); WORK=$WORK; journal $RENEWED 'msa-svc1\$' | grep -q .; }"
check "the daemon is still running" kill -0 "$DAEMON"

# Stopped: the caches stay (systemd keeps /run/gmsa-keytabd with RuntimeDirectoryPreserve=yes) and still work.
kill -TERM "$DAEMON"
wait "$DAEMON"
stopped=$?
DAEMON=
check "the daemon stops on SIGTERM (exit $stopped)" test "$stopped" = 0
check "the caches stay once it stopped" test -s "$WEB" -a -s "$GROUP"
out=$(as_nobody "$WEB" kvno "HTTP/web.$LAB_DOMAIN" 2>&1)
check "kvno as nobody with msa-web\$'s cache after the stop" grep -q "kvno = " <<<"$out"

printf 'figures: first caches %s s after start; repaired %s s after the delete; renewed %s s after the 270 s ticket was put in; revoked cache gone %s s after its expiry (checked after the renewal)\n' \
    "$t_first" "$t_repair" "$t_renew" "$removed_after"
test_summary
