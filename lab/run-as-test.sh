#!/usr/bin/env bash
# gmsa-keytabd run-as, run inside a lab (make swift-test does):
#
#   LAB_FULL_SAMBA=1 lab/lab.sh run -- lab/run-as-test.sh [BINARY]
#
# A local user gmsa-job (uid 4242, in group gmsa-extra too; private copies of /etc/passwd and /etc/group bound
# in the lab's mount namespace) runs a script through `run-as msa-web$ --user gmsa-job`: the script sees its
# uid, gid and groups, no capability and no_new_privs, HOME/USER/LOGNAME as runuser sets them and its own
# cache (0600, its own); klist names msa-web$, kvno of the DC's ldap/ SPN, ldapwhoami -Y GSSAPI and smbclient
# of the DC's netlogon share (LAB_FULL_SAMBA=1 runs its smbd) authenticate as it; its exit status 3 is
# run-as's, and the cache and its directory are gone afterwards. SIGTERM to run-as reaches the command (its
# trap's status comes back, or 143 when it dies of it) and the cache goes. SIGKILL to run-as leaves the
# cache, which the next run-as removes. Refused: not root (77), an unknown account (67), a user that does not
# exist (67), an account whose keytab was never written (66), no '--' (64); a command that does not exist
# gives 127.
# Prints "N passed, M failed". About 10 s (lab included: 30 s).
#
# Not here: the renewal while a command runs. Samba's KDC will not renew a ticket of about 2 minutes or less
# (ticket-cache-test.sh measures it), so a short ticket_lifetime cannot show it in seconds;
# RunAsCacheAgainstLabTests drives the same refresh with an injected clock against the lab's KDC, and
# TicketCacheFreshenerTests the decisions.
set -uo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
BINARY=${1:-$HERE/../.build/debug/gmsa-keytabd}
[[ -n ${LAB_DIR:-} ]] || { echo "run-as-test: run inside 'lab/lab.sh run --'" >&2; exit 2; }
[[ -x $BINARY ]] || { echo "run-as-test: $BINARY is not built (swift build)" >&2; exit 2; }
: "${LAB_DC:?}" "${LAB_REALM:?}"
# shellcheck source=test-lib.sh
. "$HERE/test-lib.sh"

WORK=$(mktemp -d "$LAB_DIR/run-as.XXXXXX")
# The job's user reaches its script and krb5.conf (the lab's directory is 0700).
chmod 0711 "$LAB_DIR"
chmod 0755 "$WORK"
JOB_UID=4242
EXTRA_GID=4243
REALM_NETBIOS=${LAB_REALM%%.*}

# A local user of our own, seen only in this lab's mount namespace (lab.sh made / private).
cp /etc/passwd "$WORK/passwd"
cp /etc/group "$WORK/group"
printf 'gmsa-job:x:%d:%d:run-as test:/home/gmsa-job:/bin/sh\n' "$JOB_UID" "$JOB_UID" >>"$WORK/passwd"
printf 'gmsa-job:x:%d:\ngmsa-extra:x:%d:gmsa-job\n' "$JOB_UID" "$EXTRA_GID" >>"$WORK/group"
mount --bind "$WORK/passwd" /etc/passwd || { echo "run-as-test: cannot bind /etc/passwd" >&2; exit 2; }
mount --bind "$WORK/group" /etc/group || { echo "run-as-test: cannot bind /etc/group" >&2; exit 2; }

cp "$KRB5_CONFIG" "$WORK/krb5.conf"
chmod 0644 "$WORK/krb5.conf"
export KRB5_CONFIG=$WORK/krb5.conf

# A file in the DC's netlogon share for the job's smbclient listing, and smbclient's own state in a directory of
# the job's user (the lab's /run/samba is root's).
netlogon=$(testparm -s "$LAB_SMB_CONF" --section-name=netlogon --parameter-name=path 2>/dev/null)
[[ -d $netlogon ]] || { echo "run-as-test: no netlogon share in $LAB_SMB_CONF" >&2; exit 2; }
echo 'rem run-as job' >"$netlogon/run-as-job.cmd"
mkdir -p "$WORK/smb" && chown "$JOB_UID" "$WORK/smb"
printf '[global]\nrealm = %s\nworkgroup = %s\n' "$LAB_REALM" "$REALM_NETBIOS" >"$WORK/smb.conf"
for key in "lock directory" "state directory" "cache directory" "private dir" "pid directory" "ncalrpc dir"; do
    printf '%s = %s\n' "$key" "$WORK/smb" >>"$WORK/smb.conf"
done
export SMB_CONF=$WORK/smb.conf

CONFIG=$(account_config app msa-web)
account_sync app msa-web
check "sync wrote msa-web\$'s keytab" test "$SYNC_RC" -eq 0

cat >"$WORK/job.sh" <<'SCRIPT'
#!/bin/sh
echo "id: $(id)"
grep -E '^(CapInh|CapPrm|CapEff|CapAmb|NoNewPrivs):' /proc/self/status
echo "env: HOME=$HOME USER=$USER LOGNAME=$LOGNAME KRB5CCNAME=$KRB5CCNAME"
echo "cache: $(stat -c '%u %a' "${KRB5CCNAME#FILE:}")"
klist
kvno "ldap/$LAB_DC"
ldapwhoami -N -Q -Y GSSAPI -H "ldap://$LAB_DC"
smbclient -s "$SMB_CONF" "//$LAB_DC/netlogon" --use-krb5-ccache="$KRB5CCNAME" -c ls 2>&1
exit 3
SCRIPT
chmod 0755 "$WORK/job.sh"

started=$(now)
"$BINARY" run-as -c "$CONFIG" --user gmsa-job msa-web\$ -- "$WORK/job.sh" >"$WORK/job.out" 2>&1
rc=$?
echo "run-as of job.sh as gmsa-job: exit $rc in $(elapsed "$started") s"
sed 's/^/  | /' "$WORK/job.out"
cache=$(sed -n 's/^env: .*KRB5CCNAME=FILE:\(.*\)$/\1/p' "$WORK/job.out")
check "the command's exit status 3 is run-as's" test "$rc" -eq 3
check "id: gmsa-job's uid, gid and groups" grep -qx "id: uid=$JOB_UID(gmsa-job) gid=$JOB_UID(gmsa-job) groups=$JOB_UID(gmsa-job),$EXTRA_GID(gmsa-extra)" "$WORK/job.out"
for set in CapInh CapPrm CapEff CapAmb; do
    check "no capability: $set 0" grep -qx "$set:[[:space:]]*0000000000000000" "$WORK/job.out"
done
check "no_new_privs set" grep -qx "NoNewPrivs:[[:space:]]*1" "$WORK/job.out"
check "HOME, USER, LOGNAME are gmsa-job's" grep -q "^env: HOME=/home/gmsa-job USER=gmsa-job LOGNAME=gmsa-job KRB5CCNAME=FILE:/" "$WORK/job.out"
check "the cache is gmsa-job's, mode 600" grep -qx "cache: $JOB_UID 600" "$WORK/job.out"
check "klist: the cache's principal is msa-web\$" grep -qx "Default principal: msa-web\\\$@$LAB_REALM" "$WORK/job.out"
check "kvno of ldap/$LAB_DC as msa-web\$" grep -q "^ldap/$LAB_DC@$LAB_REALM: kvno = " "$WORK/job.out"
check "ldapwhoami -Y GSSAPI: u:$REALM_NETBIOS\\msa-web\$" grep -qix "u:$REALM_NETBIOS\\\\msa-web\\\$" "$WORK/job.out"
check "smbclient //$LAB_DC/netlogon with the cache lists the share (run-as-job.cmd)" \
    grep -Eq '^ +run-as-job\.cmd +[A-Z]* +[0-9]+ ' "$WORK/job.out"
check "the cache is gone after the command ($cache)" test -n "$cache" -a ! -e "$cache"
check "and its directory too" test -n "$cache" -a ! -e "${cache%/*}"

# SIGTERM to run-as: passed on; the command's trap answers with 5; the cache goes.
# The command writes its KRB5CCNAME to $READY, in a directory of gmsa-job's.
mkdir -m 0700 "$WORK/job" && chown "$JOB_UID:$JOB_UID" "$WORK/job"
READY=$WORK/job/ready
signalled() { # signalled SCRIPT: starts run-as in the background, waits for its cache, sends SIGTERM; sets rc, cache
    rm -f "$READY"
    "$BINARY" run-as -c "$CONFIG" --user gmsa-job msa-web\$ -- /bin/sh -c "$1" >"$WORK/term.out" 2>&1 &
    local pid=$!
    wait_for 20 test -s "$READY"
    cache=$(cat "$READY")
    cache=${cache#FILE:}
    kill -TERM "$pid"
    wait "$pid"
    rc=$?
}
signalled "trap 'echo got TERM; exit 5' TERM; echo \"\$KRB5CCNAME\" >'$READY'; while :; do sleep 0.1; done"
check "SIGTERM reached the command: its trap's status 5 is run-as's" test "$rc" -eq 5
check "the command saw SIGTERM" grep -qx "got TERM" "$WORK/term.out"
check "the cache is gone after SIGTERM" test -n "$cache" -a ! -e "$cache" -a ! -e "${cache%/*}"
signalled "echo \"\$KRB5CCNAME\" >'$READY'; exec sleep 60"
check "a command killed by SIGTERM: run-as exits 143" test "$rc" -eq 143
check "the cache is gone" test -n "$cache" -a ! -e "$cache" -a ! -e "${cache%/*}"

# SIGKILL to run-as: it cannot remove its cache (the command gets SIGTERM from the kernel); the next run-as
# removes the directory once it is a minute old (backdated here) and its lock is free.
signalled_kill() {
    rm -f "$READY"
    "$BINARY" run-as -c "$CONFIG" --user gmsa-job msa-web\$ -- /bin/sh -c "echo \"\$KRB5CCNAME\" >'$READY'; exec sleep 60" \
        >"$WORK/kill.out" 2>&1 &
    local pid=$!
    wait_for 20 test -s "$READY"
    cache=$(cat "$READY")
    cache=${cache#FILE:}
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
}
signalled_kill
check "SIGKILL to run-as leaves its cache (nothing can run after it)" test -n "$cache" -a -e "$cache"
touch -d '2 minutes ago' "${cache%/*}"
out=$("$BINARY" run-as -c "$CONFIG" msa-web\$ -- /bin/true 2>&1)
echo "next run-as: $out"
check "the next run-as removes it and says so" test ! -e "${cache%/*}" -a -n "$(grep 'removed 1 private ticket cache left by run-as processes that were killed' <<<"$out")"

# Refusals.
cp "$BINARY" "$WORK/gmsa-keytabd" && chmod 0755 "$WORK/gmsa-keytabd"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$WORK/gmsa-keytabd" run-as -c "$CONFIG" msa-web\$ -- /bin/true 2>&1)
rc=$?
echo "as nobody: exit $rc: $out"
check "not root: exit 77, says root" test "$rc" -eq 77 -a -n "$(grep 'must run as root' <<<"$out")"
out=$("$BINARY" run-as -c "$CONFIG" msa-nope\$ -- /bin/true 2>&1)
rc=$?
echo "unknown account: exit $rc: $out"
check "an unknown account: exit 67, named, not configured" test "$rc" -eq 67 -a -n "$(grep 'msa-nope\$ is not configured' <<<"$out")"
out=$("$BINARY" run-as -c "$CONFIG" --user no-such-user msa-web\$ -- /bin/true 2>&1)
rc=$?
check "an unknown user: exit 67 ($out)" test "$rc" -eq 67 -a -n "$(grep "unknown user 'no-such-user'" <<<"$out")"
NEVER=$(account_config never msa-svc1)
out=$("$BINARY" run-as -c "$NEVER" msa-svc1\$ -- /bin/true 2>&1)
rc=$?
echo "keytab never written: exit $rc: $out"
check "no keytab yet: exit 66, says to start the daemon" test "$rc" -eq 66 -a -n "$(grep 'start the daemon' <<<"$out")"
out=$("$BINARY" run-as -c "$CONFIG" msa-web\$ /bin/true 2>&1)
check "no '--': exit 64" test $? -eq 64
out=$("$BINARY" run-as -c "$CONFIG" msa-web\$ -- /nonexistent/command 2>&1)
check "a missing command: exit 127 ($out)" test $? -eq 127
check "no run-as directory left in /tmp or /run/gmsa-keytabd" \
    test -z "$(find /tmp /run/gmsa-keytabd -maxdepth 1 -name 'run-as.msa-*' 2>/dev/null)"

test_summary
