#!/usr/bin/env bash
# A host that is not joined to the domain keeps a gMSA's keytab with a domain user's keytab, run inside a lab
# (make swift-test does):
#
#   lab/lab.sh run -- lab/unjoined-test.sh [BINARY]
#
# The README's "Hosts that are not joined", step by step: a domain user gmsa-reader (samba-tool user create)
# allowed to retrieve msa-svc1$'s password, its keytab (samba-tool domain exportkeytab), a krb5.conf that names
# the KDC, and a configuration with [host] keytab and principal = "gmsa-reader". The commands run as such a
# host would: the lab's host keytab moved away, KRB5_KTNAME and KRB5_CLIENT_KTNAME pointing at nothing, no
# credential cache, and (in a mount namespace of their own) a resolv.conf whose DNS server does not exist.
# Checks: `check`, `sync` and the daemon work, and take the LDAP ticket in the AS request; the keytab works with
# kinit -k; msa-web$ (readable by the lab's host, not by gmsa-reader) is NOT READABLE naming gmsa-reader; a wrong
# principal, a keytab for a name the domain does not know, a principal in another case and no principal at all;
# then the user's password and keytab are rotated as the README says. Prints "N passed, M failed". About 2 s
# (lab included: 12 s).
set -uo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
BINARY=${1:-$HERE/../.build/debug/gmsa-keytabd}
[[ -n ${LAB_DIR:-} ]] || { echo "unjoined-test: run inside 'lab/lab.sh run --'" >&2; exit 2; }
[[ -x $BINARY ]] || { echo "unjoined-test: $BINARY is not built (swift build)" >&2; exit 2; }
# shellcheck source=test-lib.sh
. "$HERE/test-lib.sh"

WORK=$(mktemp -d "$LAB_DIR/unjoined.XXXXXX")
READER=gmsa-reader
READER_KEYTAB=$WORK/$READER.keytab
DAEMON=
# shellcheck disable=SC2317  # invoked by trap
cleanup() {
    if [[ -n ${DAEMON:-} ]]; then kill "$DAEMON" 2>/dev/null; wait "$DAEMON" 2>/dev/null; fi
    [[ ! -e $WORK/host.keytab.away ]] || mv "$WORK/host.keytab.away" "$LAB_HOST_KEYTAB"
}
trap cleanup EXIT

# samba_tool FILE: the samba-tool commands in FILE, one a line, in one process against the DC's sam.ldb
# (lab-objects.py batch).
samba_tool() { /usr/bin/python3 "$HERE/lab-objects.py" "$LAB_SMB_CONF" batch <"$1"; }

# unjoined COMMAND...: COMMAND as the host that is not joined sees things: its own krb5.conf, no default keytab
# or credential cache, and no DNS server (a mount namespace of its own with another resolv.conf; the DC is
# found through /etc/hosts, as any name given in [domain] servers and krb5.conf must be found on such a host).
# env, unshare and bash each exec the next, so a command started in the background is $!.
UNJOINED=(env KRB5_CONFIG="$WORK/krb5.conf" KRB5_KTNAME="FILE:$WORK/absent.keytab"
    KRB5_CLIENT_KTNAME="FILE:$WORK/absent.keytab" KRB5CCNAME="FILE:$WORK/absent.ccache"
    unshare --mount -- bash -c '
        mount --bind "$1/resolv.conf" /etc/resolv.conf || exit 99
        if [[ -e /etc/krb5.keytab ]]; then mount --bind /dev/null /etc/krb5.keytab || exit 99; fi
        shift
        exec "$@"' unjoined "$WORK")
unjoined() { "${UNJOINED[@]}" "$@"; }

# config NAME ACCOUNT [PRINCIPAL|- [KEYTAB]]: a configuration for one gMSA with the reader's keytab (or KEYTAB) as
# the host keytab; PRINCIPAL (default gmsa-reader) is [host] principal, "-" leaves it out.
config() {
    local dir=$WORK/$1 principal=${3:-$READER}
    mkdir -p "$dir"
    {
        printf '[domain]\nrealm = "%s"\nservers = ["%s"]\n' "$LAB_REALM" "$LAB_DC"
        printf '[host]\nkeytab = "%s"\n' "${4:-$READER_KEYTAB}"
        [[ $principal == - ]] || printf 'principal = "%s"\n' "$principal"
        printf '[daemon]\nstate_directory = "%s/state"\n' "$dir"
        printf '[[account]]\nname = "%s"\nkeytab = "%s/%s.keytab"\n' "$2" "$dir" "$2"
    } >"$dir/gmsa-keytabd.toml"
    printf '%s\n' "$dir/gmsa-keytabd.toml"
}
# run NAME COMMAND...: runs the daemon's COMMAND as the unjoined host; output in $out, exit status in $rc.
run() {
    local name=$1
    shift
    out=$(unjoined "$BINARY" "$@" 2>&1)
    rc=$?
    printf '%s\n' "$out" >"$WORK/$name.out"
    printf '  %s: exit %s: %s\n' "$name" "$rc" "$(head -c 300 <<<"$out" | tr '\n' ' ')"
}
says() { grep -qF -- "$1" <<<"$out"; }
authenticates() { unjoined env KRB5CCNAME=MEMORY: kinit -k -t "$1" "$2@$LAB_REALM" >>"$WORK/kinit.log" 2>&1; }

T_START=$(now)
# --- what the admin creates in AD ------------------------------------------------------------------------
printf -- '--- the domain: user %s, allowed to retrieve msa-svc1$'"'"'s password, and its keytab\n' "$READER"
password="Lab-Read3r-Passw0rd.$RANDOM$RANDOM"
cat >"$WORK/create.cmds" <<EOF
user create $READER '$password' --description='reads gMSA passwords for hosts that are not joined'
user setexpiry $READER --noexpiry
service-account group-msa-membership add --name=msa-svc1 --principal=$READER
domain exportkeytab '$READER_KEYTAB' --principal=$READER
EOF
if ! helper samba_tool "$WORK/create.cmds"; then
    fail "creating $READER, its right to msa-svc1\$ and its keytab"
    test_summary
    exit 1
fi
klist -k "$READER_KEYTAB" | sed 's/^/  /'
check "the reader's keytab holds $READER@$LAB_REALM only" \
    bash -c "klist -k '$READER_KEYTAB' | awk 'NR > 3 { print \$2 }' | sort -u | grep -qx '$READER@$LAB_REALM'"

# --- the host: no host keytab, its own krb5.conf, no DNS ----------------------------------------------------
mv "$LAB_HOST_KEYTAB" "$WORK/host.keytab.away"
check "the lab's host keytab is out of reach" test ! -e "$LAB_HOST_KEYTAB"
# The README's krb5.conf for a host that is not joined: the realm and its KDCs by name, nothing from DNS.
cat >"$WORK/krb5.conf" <<EOF
[libdefaults]
	default_realm = $LAB_REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false

[realms]
	$LAB_REALM = {
		kdc = $LAB_DC
	}

[domain_realm]
	.$LAB_DOMAIN = $LAB_REALM
	$LAB_DOMAIN = $LAB_REALM
EOF
# 127.0.0.9: no DNS server answers there.
printf 'nameserver 127.0.0.9\noptions timeout:1 attempts:1\n' >"$WORK/resolv.conf"
srv_record() { "$@" host -W 2 -t SRV "_ldap._tcp.dc._msdcs.$LAB_DOMAIN" >/dev/null 2>&1; }
no_srv_record() { ! srv_record unjoined; }
check "the lab's DNS has the domain's SRV records" srv_record
check "the unjoined host's resolver has none (no DNS server)" no_srv_record

printf -- '--- check and sync as %s\n' "$READER"
cfg=$(config allowed msa-svc1)
run check-before check -c "$cfg"
check "check: authenticates as $READER@$LAB_REALM with the reader's keytab" \
    says "host: $READER@$LAB_REALM from $READER_KEYTAB:"
# The AS request asks for the first server's LDAP ticket directly (no TGT, no TGS request), for a user too.
check "check: the first ticket is dc1's LDAP ticket from the AS request (no TGT)" \
    says "host: $READER@$LAB_REALM from $READER_KEYTAB: LDAP ticket for $LAB_DC valid until"
check "check: bound to $LAB_DC with a security layer" says "ldap: bound to $LAB_DC with SASL GSSAPI, security strength"
check "check: msa-svc1\$ is readable" says 'msa-svc1$: readable'
run sync sync -c "$cfg" --statistics
check "sync exits 0" test "$rc" = 0
sed -n 's/.*\(host ticket: .*\)/  sync --statistics: \1/p' <<<"$out"
check "sync: one host ticket, from one AS request" says "host ticket: 1 new, 0 reused"
check "sync writes msa-svc1\$'s keytab" says "msa-svc1\$: wrote $WORK/allowed/msa-svc1.keytab"
check "kinit -k with the keytab works (msa-svc1\$@$LAB_REALM)" authenticates "$WORK/allowed/msa-svc1.keytab" 'msa-svc1$'
run check-after check -c "$cfg"
check "check passes afterwards: exit 0" test "$rc" = 0
check "check passes afterwards: msa-svc1\$'s keytab current, result: OK" \
    bash -c "grep -qF 'keytab: $WORK/allowed/msa-svc1.keytab: current' '$WORK/check-after.out' && grep -qx 'result: OK' '$WORK/check-after.out'"

printf -- '--- the daemon\n'
cfg=$(config daemon msa-svc1)
"${UNJOINED[@]}" "$BINARY" run -c "$cfg" --log-target stderr >/dev/null 2>"$WORK/daemon/daemon.log" &
DAEMON=$!
daemon_wrote() { [[ -s $WORK/daemon/msa-svc1.keytab ]]; }
check "the daemon writes msa-svc1\$'s keytab" wait_for 30 daemon_wrote
check "kinit -k with the daemon's keytab works" authenticates "$WORK/daemon/msa-svc1.keytab" 'msa-svc1$'
kill "$DAEMON" 2>/dev/null
wait "$DAEMON"
rc=$?
DAEMON=
sed 's/^/  daemon: /' "$WORK/daemon/daemon.log" | head -n 5
check "the daemon stops on SIGTERM with exit 0, having logged no error" \
    bash -c "test '$rc' = 0 && ! grep -q '^<[0-3]>' '$WORK/daemon/daemon.log'"

printf -- '--- a gMSA the user may not read\n'
# msa-web$ is readable by the lab's host linuxhost1$, not by gmsa-reader.
cfg=$(config denied msa-web)
run denied-sync sync -c "$cfg"
check "sync of msa-web\$ exits 1" test "$rc" = 1
check "msa-web\$ is NOT READABLE, naming $READER@$LAB_REALM" \
    says "msa-web\$: NOT READABLE: the DC withheld msDS-ManagedPassword: this host ($READER@$LAB_REALM) is not in msDS-GroupMSAMembership of CN=msa-web,"
check "no keytab for msa-web\$" test ! -e "$WORK/denied/msa-web.keytab"
run denied-check check -c "$cfg"
check "check says the same and exits 1" bash -c "test '$rc' = 1 && grep -qF 'msa-web\$: NOT READABLE' '$WORK/denied-check.out'"

printf -- '--- [host] principal\n'
cfg=$(config wrong msa-svc1 nobody-here)
run wrong sync -c "$cfg"
check "principal = \"nobody-here\": sync exits 69 (host authentication failed)" test "$rc" = 69
check "principal = \"nobody-here\": the message names the principal and what the keytab holds" \
    says "host authentication failed: cannot get Kerberos credentials for nobody-here@$LAB_REALM: the host keytab $READER_KEYTAB has no key for it (it holds $READER@$LAB_REALM)"
check "principal = \"nobody-here\": and says what to do" \
    says "; set [host] principal to the account whose keys the keytab holds (klist -k $READER_KEYTAB)"
check "principal = \"nobody-here\": no keytab written" test ! -e "$WORK/wrong/msa-svc1.keytab"
# A keytab for a name the domain does not know (a typo in ktpass /princ, a deleted user).
printf 'addent -password -p nobody-here@%s -k 2 -e aes256-cts-hmac-sha1-96\nNot-The-Passw0rd\nwkt %s\n' \
    "$LAB_REALM" "$WORK/nobody.keytab" | ktutil >>"$WORK/helpers.log" 2>&1
cfg=$(config unknown msa-svc1 nobody-here "$WORK/nobody.keytab")
run unknown sync -c "$cfg"
check "a keytab for nobody-here, unknown to the domain: sync exits 69, saying the domain has no such account" \
    bash -c "test '$rc' = 69 && grep -qF 'cannot get Kerberos credentials for nobody-here@$LAB_REALM from $WORK/nobody.keytab: the domain has no such account' '$WORK/unknown.out'"
cfg=$(config spelled msa-svc1 "GMSA-Reader@${LAB_REALM,,}")
run spelled sync -c "$cfg"
check "principal = \"GMSA-Reader@${LAB_REALM,,}\" (another case, as AD allows): sync exits 0" test "$rc" = 0
cfg=$(config unset msa-svc1 -)
run unset sync -c "$cfg"
check "no [host] principal with a user's keytab: sync exits 69" test "$rc" = 69
check "no [host] principal: the message says to set it, naming what the keytab holds" \
    says "has no machine account entry (NAME\$@$LAB_REALM) (it holds $READER@$LAB_REALM); set [host] principal"

printf -- '--- rotating the user'"'"'s password and keytab\n'
cp "$READER_KEYTAB" "$WORK/reader-old.keytab"
new_password="Lab-Read3r-Passw0rd.$RANDOM$RANDOM"
cat >"$WORK/rotate.cmds" <<EOF
user setpassword $READER --newpassword='$new_password'
domain exportkeytab '$READER_KEYTAB.new' --principal=$READER
EOF
if helper samba_tool "$WORK/rotate.cmds"; then
    old_kvno=$(klist -k "$WORK/reader-old.keytab" | awk 'NR > 3 { print $1; exit }')
    new_kvno=$(klist -k "$READER_KEYTAB.new" | awk 'NR > 3 { print $1; exit }')
    check "the new keytab has a new kvno ($old_kvno -> $new_kvno)" test "$new_kvno" -gt "$old_kvno"
    old_key_refused() { ! authenticates "$WORK/reader-old.keytab" "$READER"; }
    check "the old keytab no longer gets a ticket" old_key_refused
    cfg=$WORK/allowed/gmsa-keytabd.toml
    before=$(md5sum <"$WORK/allowed/msa-svc1.keytab")
    run stale sync -c "$cfg"
    check "sync with the old keytab still in place exits 69 (host authentication failed)" \
        bash -c "test '$rc' = 69 && grep -qF 'host authentication failed: cannot get Kerberos credentials for $READER@$LAB_REALM' '$WORK/stale.out'"
    check "and keeps msa-svc1\$'s keytab" test "$(md5sum <"$WORK/allowed/msa-svc1.keytab")" = "$before"
    mv "$READER_KEYTAB.new" "$READER_KEYTAB"
    run rotated sync -c "$cfg"
    check "sync with the new keytab in place exits 0, msa-svc1\$ current" \
        bash -c "test '$rc' = 0 && grep -qF 'msa-svc1\$: current' '$WORK/rotated.out'"
else
    fail "rotating $READER's password and keytab"
fi
printf 'figure: unjoined-test took %s s\n' "$(elapsed "$T_START")"

test_summary
