#!/usr/bin/env bash
# Throwaway Active Directory lab for gmsa-keytabd: a Samba AD DC on loopback
# inside a private network + mount namespace.  See lab/README.md.
#
#   lab/lab.sh run [--] COMMAND [ARGS...]   run COMMAND inside a fresh lab
#   lab/lab.sh shell                        interactive bash inside a fresh lab
#
# Env: LAB_KEEP=1 (keep the lab directory), LAB_EXTRA_GMSAS=N (also create
# msa-bench-1..N), LAB_START_TIMEOUT=seconds (default 60), LAB_FULL_SAMBA=1
# (also run smbd and winbindd), LAB_DC2=1 (also join a second DC, dc2 on
# 127.0.0.2, before COMMAND runs; lab-lib.sh's lab_dc_stop, lab_dc_start,
# lab_dc_freeze and lab_dc_thaw act on dc1 or dc2), LAB_SITES=1 (with LAB_DC2=1:
# dc2 joins a second AD site, Site2, and 127.0.0.0/8, the lab's client
# addresses, is mapped to Site2), LAB_RODC=1 (with LAB_SITES=1: also join a
# read-only DC, rodc on 127.0.0.3, in Site2; its SRV records are Site2's only).
set -euo pipefail

LAB_SRC=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lab-lib.sh
. "$LAB_SRC/lab-lib.sh"

usage() {
    sed -n '5,15s/^# \{0,1\}//p' "$LAB_SRC/lab.sh" >&2
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
dc2=0
[[ ${LAB_DC2:-0} != 1 ]] || dc2=1
sites=0
if [[ ${LAB_SITES:-0} == 1 ]]; then
    ((dc2)) || lab_die "LAB_SITES=1 needs LAB_DC2=1 (dc2 is the DC of the second site)"
    sites=1
fi
rodc=0
if [[ ${LAB_RODC:-0} == 1 ]]; then
    ((sites)) || lab_die "LAB_RODC=1 needs LAB_DC2=1 LAB_SITES=1 (the RODC is in Site2)"
    rodc=1
fi

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
# Inside, LAB_DC2 is dc2's name, LAB_SITES dc2's site and LAB_RODC the RODC's name (exported below) or unset.
unset LAB_DC2 LAB_SITES LAB_RODC

REALM=COMPANY.TEST
DOMAIN=company.test
NETBIOS=COMPANY
DC_HOST=dc1
DC2_HOST=dc2
DC2_ADDRESS=$(lab_dc_address dc2)
RODC_HOST=rodc
RODC_ADDRESS=$(lab_dc_address rodc)
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
if ((dc2)); then
    ip addr add "$DC2_ADDRESS/8" dev lo
    printf '%s\t%s %s\n' "$DC2_ADDRESS" "$DC2_HOST.$DOMAIN" "$DC2_HOST" >>"$LAB/hosts"
fi
if ((rodc)); then
    ip addr add "$RODC_ADDRESS/8" dev lo
    printf '%s\t%s %s\n' "$RODC_ADDRESS" "$RODC_HOST.$DOMAIN" "$RODC_HOST" >>"$LAB/hosts"
fi
printf 'nameserver 127.0.0.1\nsearch %s\n' "$DOMAIN" >"$LAB/resolv.conf"
mount --bind "$LAB/hosts" /etc/hosts
mount --bind "$LAB/resolv.conf" /etc/resolv.conf
# LAB_FULL_SAMBA=1: smbd maps a session's SIDs to uids through winbindd, and libwbclient knows one socket
# directory, the compiled-in /run/samba/winbindd ("winbindd socket directory" moves winbindd's end only; without
# this every SMB session setup fails with NT_STATUS_INTERNAL_ERROR). A private /run/samba (smbclient keeps its
# gencache there too) with dc1's socket directory in it; only the empty mount point stays on the host. smbd reads a
# share as the session's user: the shares (sysvol, netlogon) lie under $LAB, which the user must be able to cross.
if [[ ${LAB_FULL_SAMBA:-0} == 1 ]]; then
    chmod 711 "$LAB"
    mkdir -p /run/samba "$LAB/dc1/run/winbindd"
    mount -t tmpfs -o mode=0755 tmpfs /run/samba
    mkdir /run/samba/winbindd
    mount --bind "$LAB/dc1/run/winbindd" /run/samba/winbindd
fi

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
# No DNS forwarding (provision copied our resolv.conf), everything under $LAB.
# smbd (s3fs) and winbindd are not needed for LDAP/Kerberos/DNS and would
# open log files under /var/log/samba; LAB_FULL_SAMBA=1 keeps them.
services="-s3fs -winbindd"
[[ ${LAB_FULL_SAMBA:-0} != 1 ]] || services=
dc_settings() { # NAME: [global] settings of a lab DC, one "key = value" a line
    local dir=$LAB/$1
    printf '%s\n' "dns forwarder =" "dns hostname = $1.$DOMAIN" "log file = $dir/log/log.%m" "max log size = 0"
    [[ -z $services ]] || printf '%s\n' "server services = $services"
    printf '%s\n' "pid directory = $dir/run" "ncalrpc dir = $dir/run/ncalrpc" \
        "winbindd socket directory = $dir/run/winbindd" \
        "ntp signd socket directory = $dir/run/ntp_signd" "nmbd:socket dir = $dir/run/nmbd"
}
set_global() { # SMB_CONF: settings from stdin go first in [global], replacing the same keys
    local settings
    settings=$(cat)
    LAB_SETTINGS=$settings awk '
        function key(line) { sub(/=.*/, "", line); line = tolower(line); gsub(/[ \t]/, "", line); return line }
        BEGIN { n = split(ENVIRON["LAB_SETTINGS"], set, "\n"); for (i = 1; i <= n; i++) drop[key(set[i])] = 1 }
        /^[[:space:]]*\[/ { global = ($0 ~ /^[[:space:]]*\[global\]/) }
        global && /=/ && (key($0) in drop) { next }
        { print }
        /^[[:space:]]*\[global\]/ { for (i = 1; i <= n; i++) print "\t" set[i] }
        ' "$1" >"$1.new"
    mv "$1.new" "$1"
}
mkdir -p "$LAB/dc1/run" "$LAB/dc1/log"
{
    dc_settings "$DC_HOST"
    # "interfaces = lo" would take dc2's address as well.
    ((dc2 == 0)) || echo "interfaces = 127.0.0.1 ::1"
} | set_global "$LAB_SMB_CONF"
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
    if ((sites)); then
        # The DC maps the address a client's LDAP ping comes from to a site through the forest's subnets. The
        # lab's client talks from 127.0.0.1 to dc1 and from 127.0.0.2 to dc2: the whole of 127/8 is Site2's.
        echo "sites create Site2"
        echo "sites subnet create 127.0.0.0/8 Site2"
    fi
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
kdc2=
((dc2 == 0)) || printf -v kdc2 '\n\t\tkdc = %s' "$DC2_ADDRESS"
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
		kdc = 127.0.0.1$kdc2
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

# --- second DC (LAB_DC2=1) ----------------------------------------------------
# join_dc HOST ADDRESS ROLE [OPTION...]: joins a Samba DC (ROLE DC or RODC) to dc1's domain in $LAB/HOST, listening
# on ADDRESS alone. The join writes these settings to its smb.conf; the paths keep the join itself from writing
# /var/log/samba and /run/samba. Then the same settings as dc1's (the join rewrote some), and the functional
# level: without it samba refuses to start ("'ad dc functional level' maps to 4, which is less than the domain
# functional level of 7").
join_dc() {
    local host=$1 address=$2 role=$3 setting
    shift 3
    mkdir -p "$LAB/$host/run" "$LAB/$host/log"
    local join_opts=()
    while IFS= read -r setting; do join_opts+=("--option=$setting"); done < <(
        dc_settings "$host"
        printf '%s\n' "netbios name = ${host^^}" "interfaces = $address" "bind interfaces only = yes"
    )
    if ! samba-tool domain join "$DOMAIN" "$role" -s "$LAB/empty.conf" \
        -U "$NETBIOS\\Administrator" --password="$ADMIN_PASSWORD" --server="$DC_HOST.$DOMAIN" \
        --targetdir="$LAB/$host" --dns-backend=SAMBA_INTERNAL "${join_opts[@]}" "$@" \
        >"$LAB/$host-join.log" 2>&1; then
        tail -n 30 "$LAB/$host-join.log" >&2
        lab_die "joining $host failed (log: $LAB/$host-join.log)"
    fi
    {
        dc_settings "$host"
        echo "ad dc functional level = 2016"
    } | set_global "$LAB/$host/etc/smb.conf"
}
# has_spn SAM_LDB: the DB (read directly) has dc2's ldap/ SPN.
has_spn() {
    ldbsearch -H "$1" "(servicePrincipalName=ldap/$DC2_HOST.$DOMAIN)" dn 2>/dev/null | grep -q '^dn: '
}
if ((dc2)); then
    t0=$(lab_now)
    # LAB_SITES=1: dc2's server object goes to Site2, so samba_dnsupdate below registers it under
    # _ldap._tcp.Site2._sites.dc._msdcs (samba-tool has no command to move a server to another site).
    site_opts=()
    ((sites == 0)) || site_opts=(--site=Site2)
    join_dc "$DC2_HOST" "$DC2_ADDRESS" DC "${site_opts[@]}"
    t_join=$(lab_elapsed "$t0")

    t1=$(lab_now)
    lab_dc_start dc2 || exit 1
    t_dc2_start=$(lab_elapsed "$t1")

    t1=$(lab_now)
    # dc2 adds its ldap/ SPNs (samba_spnupdate, at startup) to its own DB only;
    # until dc1 has them, the KDC on 127.0.0.1 answers "Server not found in
    # Kerberos database" for ldap/dc2. Pull them into dc1 now instead of waiting
    # for the KCC (the remote form of the command fails with WERR_FILE_NOT_FOUND
    # before the KCC has set up the link).
    for ((i = 0; i < 300; i++)); do
        has_spn "$LAB/dc2/private/sam.ldb" && break
        sleep 0.1
    done
    if ! samba-tool drs replicate "$DC_HOST.$DOMAIN" "$DC2_HOST.$DOMAIN" "$BASE_DN" --local \
        -s "$LAB_SMB_CONF" -U "$NETBIOS\\Administrator" --password="$ADMIN_PASSWORD" \
        >"$LAB/dc2-replicate.log" 2>&1 || ! has_spn "$LAB/dc1/private/sam.ldb"; then
        tail -n 20 "$LAB/dc2-replicate.log" >&2
        lab_die "dc1 did not get dc2's ldap/ SPN from dc2 (log: $LAB/dc2-replicate.log)"
    fi
    # samba_dnsupdate skips loopback addresses, so dc2 registers no DNS records
    # by itself: register them once in dc1's zone (over RPC), the way a DC
    # does, without the A records for the domain, gc._msdcs and the DNS zone
    # partitions (dc1 has none either). dc2's DNS gets them by replication.
    awk '{ t = $1; sub(/^\$\{IF_[A-Z_]+\}/, "", t) }
        t == "AAAA" || (t == "A" && $2 != "${HOSTNAME}") { next }
        { print }' "$LAB/dc2/private/dns_update_list" >"$LAB/dc2/dns_update_list"
    if ! samba_dnsupdate -s "$LAB/dc2/etc/smb.conf" --use-samba-tool --current-ip="$DC2_ADDRESS" \
        --rpc-server-ip=127.0.0.1 --update-list="$LAB/dc2/dns_update_list" --fail-immediately \
        >"$LAB/dc2-dnsupdate.log" 2>&1; then
        tail -n 20 "$LAB/dc2-dnsupdate.log" >&2
        lab_die "registering dc2 in DNS failed (log: $LAB/dc2-dnsupdate.log)"
    fi
    t_dc2_repl=$(lab_elapsed "$t1")
    t_dc2=$(lab_elapsed "$t0")
fi

# --- read-only DC (LAB_RODC=1) ----------------------------------------------------
if ((rodc)); then
    t0=$(lab_now)
    join_dc "$RODC_HOST" "$RODC_ADDRESS" RODC --site=Site2
    t_rodc_join=$(lab_elapsed "$t0")
    t1=$(lab_now)
    lab_dc_start rodc || exit 1
    t_rodc_start=$(lab_elapsed "$t1")
    # Samba's RODC join registers no ldap/ SPN for it: without one the KDC cannot issue the ticket a SASL GSSAPI
    # bind to the RODC needs ("Server not found in Kerberos database"). A Windows RODC has one. The RODC's
    # samba_spnupdate may have added it by the time it answers.
    # The RODC's DNS records as an RODC registers them (MS-ADTS 6.3.2.3): its A record and the site-specific
    # SRV records of its own site, none of the domain-wide ones (samba_dnsupdate skips loopback addresses).
    rodc_fqdn=$RODC_HOST.$DOMAIN
    rodc_setup() { # samba-tool ARGS...: run against dc1 as Administrator, logged
        samba-tool "$@" --use-kerberos=required >>"$LAB/rodc-setup.log" 2>&1 && return
        tail -n 20 "$LAB/rodc-setup.log" >&2
        lab_die "setting up rodc failed at 'samba-tool $*' (log: $LAB/rodc-setup.log)"
    }
    samba-tool spn list 'RODC$' -H "ldap://$DC_HOST.$DOMAIN" --use-kerberos=required 2>>"$LAB/rodc-setup.log" |
        grep -qix "[[:space:]]*ldap/$rodc_fqdn" || rodc_setup spn add "ldap/$rodc_fqdn" 'RODC$' -H "ldap://$DC_HOST.$DOMAIN"
    rodc_setup dns add "$DC_HOST.$DOMAIN" "$DOMAIN" "$RODC_HOST" A "$RODC_ADDRESS"
    rodc_setup dns add "$DC_HOST.$DOMAIN" "$DOMAIN" _ldap._tcp.Site2._sites SRV "$rodc_fqdn 389 0 100"
    rodc_setup dns add "$DC_HOST.$DOMAIN" "$DOMAIN" _kerberos._tcp.Site2._sites SRV "$rodc_fqdn 88 0 100"
    rodc_setup dns add "$DC_HOST.$DOMAIN" "_msdcs.$DOMAIN" _ldap._tcp.Site2._sites.dc SRV "$rodc_fqdn 389 0 100"
    rodc_setup dns add "$DC_HOST.$DOMAIN" "_msdcs.$DOMAIN" _kerberos._tcp.Site2._sites.dc SRV "$rodc_fqdn 88 0 100"
    t_rodc=$(lab_elapsed "$t0")
fi

export LAB_REALM=$REALM
export LAB_DOMAIN=$DOMAIN
export LAB_DC=$DC_HOST.$DOMAIN
export LAB_BASE_DN=$BASE_DN
export LAB_HOST_KEYTAB=$LAB/host.keytab
export LAB_HOST_PRINCIPAL="$HOST_NAME\$"
export LAB_ADMIN_PASSWORD=$ADMIN_PASSWORD
export LAB_SAM_LDB=$LAB/dc1/private/sam.ldb
export LAB_SRC
env_vars=(LAB_DIR LAB_SRC LAB_REALM LAB_DOMAIN LAB_DC LAB_BASE_DN LAB_HOST_KEYTAB
    LAB_HOST_PRINCIPAL LAB_ADMIN_PASSWORD LAB_SAM_LDB LAB_SMB_CONF KRB5_CONFIG KRB5CCNAME)
if ((dc2)); then
    export LAB_DC2=$DC2_HOST.$DOMAIN
    export LAB_DC2_ADDRESS=$DC2_ADDRESS
    export LAB_DC2_SMB_CONF=$LAB/dc2/etc/smb.conf
    env_vars+=(LAB_DC2 LAB_DC2_ADDRESS LAB_DC2_SMB_CONF)
    if ((sites)); then
        export LAB_SITES=Site2
        env_vars+=(LAB_SITES)
    fi
    if ((rodc)); then
        export LAB_RODC=$RODC_HOST.$DOMAIN
        export LAB_RODC_ADDRESS=$RODC_ADDRESS
        env_vars+=(LAB_RODC LAB_RODC_ADDRESS)
    fi
fi

# For lab-faketime.sh and for debugging from another terminal:
#   nsenter -t "$(cat $LAB/lab.pid)" --net --mount --uts bash, then . $LAB/env.sh
echo "$$" >"$LAB/lab.pid"
{
    for v in "${env_vars[@]}"; do
        printf 'export %s=%q\n' "$v" "${!v}"
    done
} >"$LAB/env.sh"

t_dc2_info=
if ((dc2)); then
    t_dc2_info=", dc2 ${t_dc2}s (join ${t_join}s, start ${t_dc2_start}s, SPN replication + DNS ${t_dc2_repl}s)"
fi
((rodc == 0)) || t_dc2_info+=", rodc ${t_rodc}s (join ${t_rodc_join}s, start ${t_rodc_start}s)"

printf 'lab: ready in %ss (provision %ss, objects %ss, extra gMSAs %d in %ss, samba start %ss%s) LAB_DIR=%s\n' \
    "$(lab_elapsed "$t_start")" "$t_prov" "$t_obj" "$extra" "$t_extra" "$t_samba" "$t_dc2_info" "$LAB" >&2

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
