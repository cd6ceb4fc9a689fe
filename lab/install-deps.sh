#!/usr/bin/env bash
# Installs the build and lab dependencies on Debian 12 (bookworm), as root.
# Idempotent and non-interactive; CI runs it on a fresh Debian 12.
#  - adds the bookworm-backports apt source (deb822, same URIs and Signed-By
#    as the first entry of /etc/apt/sources.list.d/debian.sources) if missing;
#  - installs the build deps and client tools from bookworm and Samba 4.22
#    (gMSA support needs >= 4.21) from bookworm-backports;
#  - keeps the packaged samba services from starting and disables them: the
#    lab runs its own samba by hand inside a namespace.
# If everything is already installed it does not touch the network.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

APT_DIR=${LAB_APT_DIR:-/etc/apt} # overridable for testing only
BASE_PKGS=(libkrb5-dev libgnutls28-dev libldap2-dev libsasl2-dev krb5-user ldap-utils dpkg-dev debhelper lintian debootstrap reprepro gnupg
    libsasl2-modules-gssapi-mit faketime iproute2 bind9-host nftables jq strace gdb)
# samba-ad-provision is only a Recommends of samba-ad-dc but provision needs it.
BPO_PKGS=(samba-ad-dc samba winbind ldb-tools samba-ad-provision smbclient)
SAMBA_MIN=2:4.21
SAMBA_UNITS=(samba-ad-dc.service smbd.service nmbd.service winbind.service)

log() { printf 'install-deps: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

((EUID == 0)) || die "run as root"
# shellcheck source=/dev/null
. /etc/os-release
[[ ${VERSION_CODENAME:-} == bookworm ]] || log "warning: written for Debian 12 (bookworm), this is ${PRETTY_NAME:-unknown}"

# Value of FIELD in the first stanza of a deb822 file (continuation lines kept).
deb822_field() {
    awk -v want="$2" '
        BEGIN { RS = ""; FS = "\n" }
        {
            for (i = 1; i <= NF; i++) {
                if (tolower($i) !~ "^" tolower(want) ":") continue
                v = substr($i, length(want) + 2)
                sub(/^[ \t]+/, "", v)
                for (j = i + 1; j <= NF && $j ~ /^[ \t]/; j++) v = v "\n" $j
                print v
                exit
            }
            exit
        }' "$1"
}

have_backports_source() {
    grep -Eqs '^[[:space:]]*Suites:.*[[:space:]]bookworm-backports([[:space:]]|$)' "$APT_DIR"/sources.list.d/*.sources ||
        grep -Eqs '^[[:space:]]*deb[[:space:]].*[[:space:]]bookworm-backports([[:space:]]|$)' "$APT_DIR"/sources.list "$APT_DIR"/sources.list.d/*.list
}

add_backports_source() {
    local f uris='' signed_by=''
    f=$APT_DIR/sources.list.d/debian.sources
    if [[ -r $f ]]; then
        uris=$(deb822_field "$f" URIs)
        signed_by=$(deb822_field "$f" Signed-By)
    fi
    uris=${uris:-http://deb.debian.org/debian}
    signed_by=${signed_by:-/usr/share/keyrings/debian-archive-keyring.gpg}
    cat >"$APT_DIR/sources.list.d/bookworm-backports.sources" <<EOF
Types: deb
URIs: $uris
Suites: bookworm-backports
Components: main
Signed-By: $signed_by
EOF
    log "added $APT_DIR/sources.list.d/bookworm-backports.sources"
}

installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]; }

all_installed() {
    local p v
    for p in "${BASE_PKGS[@]}" "${BPO_PKGS[@]}"; do installed "$p" || return 1; done
    v=$(dpkg-query -W -f='${Version}' samba-ad-dc)
    dpkg --compare-versions "$v" ge "$SAMBA_MIN"
}

# Keep package maintainer scripts from starting services during the install
# (Docker images usually ship this file already).
POLICY=/usr/sbin/policy-rc.d
if [[ ! -e $POLICY ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$POLICY"
    chmod 755 "$POLICY"
    trap 'rm -f "$POLICY"' EXIT
fi

added=0
if ! have_backports_source; then
    add_backports_source
    added=1
fi
if ((added)) || ! all_installed; then
    apt-get update -q
    apt-get install -y -q "${BASE_PKGS[@]}"
    apt-get install -y -q -t bookworm-backports "${BPO_PKGS[@]}"
    all_installed || die "packages missing or samba-ad-dc older than $SAMBA_MIN after install"
else
    log "all packages already installed"
fi

# The packaged services are not used (and would read /etc/samba/smb.conf).
if command -v systemctl >/dev/null; then
    for unit in "${SAMBA_UNITS[@]}"; do
        [[ -n $(systemctl list-unit-files --no-legend "$unit" 2>/dev/null) ]] || continue
        if [[ -d /run/systemd/system ]]; then
            systemctl stop "$unit" 2>/dev/null || true
        fi
        systemctl disable --quiet "$unit" 2>/dev/null || true
    done
    systemctl mask --quiet samba-ad-dc.service 2>/dev/null || true
fi
log "ok: $(samba --version 2>/dev/null || echo 'samba ?'), $(dpkg-query -W -f='faketime ${Version}' faketime)"
