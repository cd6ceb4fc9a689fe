#!/usr/bin/env bash
# Throwaway Active Directory lab for gmsa-keytabd: a Samba AD DC on loopback
# inside a private network + mount namespace.  See lab/README.md.
#
#   lab/lab.sh run [--] COMMAND [ARGS...]   run COMMAND inside a fresh lab
#   lab/lab.sh shell                        interactive bash inside a fresh lab
#
# Env: LAB_KEEP=1 (keep the lab directory), LAB_EXTRA_GMSAS=N (also create
# msa-bench-1..N), LAB_START_TIMEOUT=seconds (default 60), LAB_FULL_SAMBA=1
# (also run smbd and winbindd).
set -euo pipefail

LAB_SRC=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lab-lib.sh
. "$LAB_SRC/lab-lib.sh"

usage() {
    sed -n '5,11s/^# \{0,1\}//p' "$LAB_SRC/lab.sh" >&2
    exit 2
}

mode=${1:-}
case $mode in
run)
    shift
    [[ ${1:-} != -- ]] || shift
    (($# > 0)) || usage
    ;;
shell)
    shift
    (($# == 0)) || usage
    ;;
*) usage ;;
esac

extra=${LAB_EXTRA_GMSAS:-0}
[[ $extra =~ ^[0-9]+$ ]] || lab_die "LAB_EXTRA_GMSAS must be a number, got '$extra'"

# ---------------------------------------------------------------------------
# Outside: re-exec inside a private network + mount (+ UTS) namespace.
if [[ ${_GMSA_LAB_INNER:-} != 1 ]]; then
    ((EUID == 0)) || lab_die "must run as root (namespaces, bind mounts, samba)"
    for tool in unshare ip samba samba-tool kinit ldapsearch; do
        command -v "$tool" >/dev/null || lab_die "$tool not found; run lab/install-deps.sh"
    done
    if [[ $mode == run ]]; then set -- run -- "$@"; else set -- shell; fi
    _GMSA_LAB_INNER=1 exec unshare --net --mount --uts --fork -- bash "$LAB_SRC/lab.sh" "$@"
fi
unset _GMSA_LAB_INNER

# ---------------------------------------------------------------------------
# Inside the namespace.
t_start=$(lab_now)

REALM=COMPANY.TEST
DOMAIN=company.test
NETBIOS=COMPANY
DC_HOST=dc1
BASE_DN=DC=company,DC=test
HOST_NAME=linuxhost1
ADMIN_PASSWORD=${LAB_ADMIN_PASSWORD:-Lab-Adm1n-Passw0rd}
HOST_PASSWORD=Lab-H0st-Passw0rd.$RANDOM$RANDOM

LAB=$(mktemp -d "${TMPDIR:-/tmp}/gmsa-lab.XXXXXX")
export LAB_DIR=$LAB
export LAB_SMB_CONF=$LAB/dc1/etc/smb.conf

# shellcheck disable=SC2317  # invoked by trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    set +e
    lab_stop_samba all
    if [[ ${LAB_KEEP:-0} == 1 ]]; then
        lab_log "kept $LAB (LAB_KEEP=1)"
    else
        rm -rf -- "$LAB"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Nothing we mount here may leak to the host.
mount --make-rprivate /
ip link set lo up
hostname "$HOST_NAME"

cat >"$LAB/hosts" <<EOF
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
127.0.0.1	$DC_HOST.$DOMAIN $DC_HOST
127.0.0.1	$HOST_NAME.$DOMAIN $HOST_NAME
EOF
printf 'nameserver 127.0.0.1\nsearch %s\n' "$DOMAIN" >"$LAB/resolv.conf"
mount --bind "$LAB/hosts" /etc/hosts
mount --bind "$LAB/resolv.conf" /etc/resolv.conf

# --- provision --------------------------------------------------------------
t0=$(lab_now)
# -s empty.conf: otherwise provision merges the host's /etc/samba/smb.conf.
: >"$LAB/empty.conf"
if ! samba-tool domain provision -s "$LAB/empty.conf" \
    --realm="$REALM" --domain="$NETBIOS" --server-role=dc \
    --dns-backend=SAMBA_INTERNAL --adminpass="$ADMIN_PASSWORD" \
    --host-name="$DC_HOST" --targetdir="$LAB/dc1" \
    --option="interfaces=lo" --option="bind interfaces only=yes" \
    --option="ad dc functional level = 2016" --function-level=2016 \
    >"$LAB/provision.log" 2>&1; then
    tail -n 30 "$LAB/provision.log" >&2
    lab_die "provision failed (log: $LAB/provision.log)"
fi
mkdir -p "$LAB/dc1/run" "$LAB/dc1/log"
# No DNS forwarding (provision copied our resolv.conf), everything under $LAB.
# smbd (s3fs) and winbindd are not needed for LDAP/Kerberos/DNS and would
# open log files under /var/log/samba; LAB_FULL_SAMBA=1 keeps them.
services="-s3fs -winbindd"
[[ ${LAB_FULL_SAMBA:-0} != 1 ]] || services=
awk -v lab="$LAB/dc1" -v fqdn="$DC_HOST.$DOMAIN" -v services="$services" '
    /^[[:space:]]*dns forwarder[[:space:]]*=/ { next }
    { print }
    /^\[global\]/ {
        print "\tdns forwarder ="
        print "\tdns hostname = " fqdn
        print "\tlog file = " lab "/log/log.%m"
        print "\tmax log size = 0"
        if (services != "") print "\tserver services = " services
        print "\tpid directory = " lab "/run"
        print "\tncalrpc dir = " lab "/run/ncalrpc"
        print "\twinbindd socket directory = " lab "/run/winbindd"
        print "\tntp signd socket directory = " lab "/run/ntp_signd"
        print "\tnmbd:socket dir = " lab "/run/nmbd"
    }' "$LAB_SMB_CONF" >"$LAB_SMB_CONF.new"
mv "$LAB_SMB_CONF.new" "$LAB_SMB_CONF"
t_prov=$(lab_elapsed "$t0")

# --- objects (offline, straight into sam.ldb, one python process) -----------
t0=$(lab_now)
gmsa() { # name dns-host-name trustee|- [create options...]
    local name=$1 dns=$2 trustee=$3
    shift 3
    echo "service-account create --name=$name --dns-host-name=$dns $*"
    [[ $trustee == - ]] || echo "service-account group-msa-membership add --name=$name --principal=$trustee"
    echo "user enable '$name\$'"
}
{
    echo "computer create $HOST_NAME --description='gmsa-keytabd lab member host'"
    echo "user setpassword '$HOST_NAME\$' --newpassword='$HOST_PASSWORD'"
    echo "group add gmsa-hosts --description='hosts allowed to read msa-group'"
    echo "group addmembers gmsa-hosts '$HOST_NAME\$'"
    gmsa msa-web web.$DOMAIN "'$HOST_NAME\$'"
    echo "spn add HTTP/web.$DOMAIN 'msa-web\$'"
    echo "spn add HTTP/web 'msa-web\$'"
    gmsa msa-svc1 svc1.$DOMAIN "'$HOST_NAME\$'"
    gmsa msa-denied denied.$DOMAIN -
    gmsa msa-daily daily.$DOMAIN "'$HOST_NAME\$'" --managed-password-interval=1
    # A group trustee must be given as a DN (a bare name only finds users).
    gmsa msa-group group.$DOMAIN "'CN=gmsa-hosts,CN=Users,$BASE_DN'"
    echo "domain exportkeytab '$LAB/host.keytab' --principal='$HOST_NAME\$'"
    # Provision registers no A record for 127.0.0.1; SRV records need one.
    echo "@dns-a $DC_HOST.$DOMAIN 127.0.0.1 $HOST_NAME.$DOMAIN 127.0.0.1"
} >"$LAB/objects.cmds"
if ! /usr/bin/python3 "$LAB_SRC/lab-objects.py" "$LAB_SMB_CONF" batch \
    <"$LAB/objects.cmds" >"$LAB/objects.log" 2>&1; then
    tail -n 20 "$LAB/objects.log" >&2
    lab_die "object creation failed (log: $LAB/objects.log)"
fi
t_obj=$(lab_elapsed "$t0")

t_extra=0
if ((extra > 0)); then
    t0=$(lab_now)
    if ! /usr/bin/python3 "$LAB_SRC/lab-objects.py" "$LAB_SMB_CONF" bench \
        "$extra" msa-bench "$HOST_NAME\$" >>"$LAB/objects.log" 2>&1; then
        tail -n 20 "$LAB/objects.log" >&2
        lab_die "creating $extra extra gMSAs failed (log: $LAB/objects.log)"
    fi
    t_extra=$(lab_elapsed "$t0")
fi

# --- Kerberos client config -----------------------------------------------
cat >"$LAB/krb5.conf" <<EOF
[libdefaults]
	default_realm = $REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
	dns_canonicalize_hostname = false
	default_ccache_name = FILE:$LAB/ccache-default

[realms]
	$REALM = {
		kdc = 127.0.0.1
		admin_server = 127.0.0.1
	}

[domain_realm]
	.$DOMAIN = $REALM
	$DOMAIN = $REALM
EOF
export KRB5_CONFIG=$LAB/krb5.conf
export KRB5CCNAME=FILE:$LAB/ccache-admin

# --- start the DC ------------------------------------------------------------
t0=$(lab_now)
# shellcheck disable=SC2119  # no extra environment for samba here
lab_start_samba
t_samba=$(lab_elapsed "$t0")

printf '%s\n' "$ADMIN_PASSWORD" | kinit "Administrator@$REALM" >"$LAB/kinit-admin.log" 2>&1 ||
    lab_die "kinit Administrator failed: $(cat "$LAB/kinit-admin.log")"

export LAB_REALM=$REALM
export LAB_DOMAIN=$DOMAIN
export LAB_DC=$DC_HOST.$DOMAIN
export LAB_BASE_DN=$BASE_DN
export LAB_HOST_KEYTAB=$LAB/host.keytab
export LAB_HOST_PRINCIPAL="$HOST_NAME\$"
export LAB_ADMIN_PASSWORD=$ADMIN_PASSWORD
export LAB_SAM_LDB=$LAB/dc1/private/sam.ldb
export LAB_SRC

# For lab-faketime.sh and for debugging from another terminal:
#   nsenter -t "$(cat $LAB/lab.pid)" --net --mount --uts bash, then . $LAB/env.sh
echo "$$" >"$LAB/lab.pid"
{
    for v in LAB_DIR LAB_SRC LAB_REALM LAB_DOMAIN LAB_DC LAB_BASE_DN LAB_HOST_KEYTAB \
        LAB_HOST_PRINCIPAL LAB_ADMIN_PASSWORD LAB_SAM_LDB LAB_SMB_CONF KRB5_CONFIG KRB5CCNAME; do
        printf 'export %s=%q\n' "$v" "${!v}"
    done
} >"$LAB/env.sh"

printf 'lab: ready in %ss (provision %ss, objects %ss, extra gMSAs %d in %ss, samba start %ss) LAB_DIR=%s\n' \
    "$(lab_elapsed "$t_start")" "$t_prov" "$t_obj" "$extra" "$t_extra" "$t_samba" "$LAB" >&2

# --- run -------------------------------------------------------------------
if [[ $mode == shell ]]; then
    cat >"$LAB/bashrc" <<'EOF'
[[ -f ~/.bashrc ]] && . ~/.bashrc
PS1='[lab \W]\$ '
EOF
    # A no-op (not ignored) INT trap: Ctrl-C stays usable in the shell.
    trap ':' INT
    set +e
    bash --rcfile "$LAB/bashrc" -i
    rc=$?
else
    # COMMAND runs as a child we wait for, so that a TERM/HUP/INT sent to this
    # script is passed on at once (bash would otherwise delay the trap until
    # COMMAND ends) and the lab is always torn down. Stdin is kept and SIGINT
    # is restored (bash gives background children /dev/null and ignored INT).
    env --default-signal=INT,QUIT "$@" <&0 &
    child=$!
    # shellcheck disable=SC2317  # invoked by trap
    forward() {
        if ((forwarded++ > 0)); then sig=KILL; else sig=$1; fi
        kill -s "$sig" "$child" 2>/dev/null || true
    }
    forwarded=0
    trap 'forward INT' INT
    trap 'forward TERM' TERM
    trap 'forward HUP' HUP
    set +e
    while :; do
        wait "$child"
        rc=$?
        kill -0 "$child" 2>/dev/null || break
    done
fi
exit "$rc"
