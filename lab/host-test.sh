#!/usr/bin/env bash
# The acceptance test of the Debian package, done as an admin would: a clean Debian 12 member host (no Swift)
# gets the .deb through apt, boots its own systemd as PID 1 inside the lab's network namespace, and runs the
# daemon under the shipped unit against the lab's Samba AD DC.
#
#   lab/host-test.sh DEB        (root; `make test-host` builds the .deb and calls this)
#
# Outside the lab it debootstraps a minimal bookworm rootfs once (cached in $GMSA_HOST_CACHE, default
# /var/cache/gmsa-keytabd-test), copies it, installs the .deb into the copy with apt (Depends resolve from
# Debian's archive), then re-runs itself inside a fresh lab (lab/lab.sh) to boot the copy and test it.
# Env: GMSA_HOST_KEEP=1 keeps the work directory. Prints "N passed, M failed" last; exit 1 on a failure.
#
# Never boot a systemd on the host's own root: its tmpfiles rules would empty the host's /tmp. The copy is
# entered with pivot_root, with its own /run and /tmp.
set -euo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
SRC=$(cd -- "$HERE/.." && pwd -P)
CACHE=${GMSA_HOST_CACHE:-/var/cache/gmsa-keytabd-test}
# What the cached rootfs holds besides minbase: systemd as init, and the Kerberos tools a test (and an admin)
# uses. Nothing of gmsa-keytabd's own dependencies: those must come from the package's Depends.
ROOTFS_PACKAGES=systemd,systemd-sysv,dbus,krb5-user
CONTAINER=gmsa-host-test

log() { printf 'host-test: %s\n' "$*" >&2; }
die() { printf 'host-test: ERROR: %s\n' "$*" >&2; exit 1; }

# shellcheck source=test-lib.sh
. "$HERE/test-lib.sh"

# ===========================================================================================================
# Outside the lab: the rootfs and the package.
prepare() {
    local deb=$1 work=$2 mirror
    [[ -f $deb ]] || die "$deb not found (make deb)"
    command -v debootstrap >/dev/null || die "debootstrap not found (lab/install-deps.sh installs it)"
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    mirror=${mirror:-http://deb.debian.org/debian}

    local cached=$CACHE/bookworm-minbase stamp="bookworm minbase $ROOTFS_PACKAGES"
    if [[ ! -f $cached/.gmsa-stamp || $(cat "$cached/.gmsa-stamp") != "$stamp" ]]; then
        local t0
        t0=$(now)
        log "debootstrap bookworm into $cached (once; cached for later runs)"
        mkdir -p "$CACHE"
        rm -rf -- "$cached.new" "$cached"
        if ! debootstrap --variant=minbase --include="$ROOTFS_PACKAGES" bookworm "$cached.new" "$mirror" \
            >"$CACHE/debootstrap.log" 2>&1; then
            tail -n 20 "$CACHE/debootstrap.log" >&2
            die "debootstrap failed (log: $CACHE/debootstrap.log)"
        fi
        printf '%s\n' "$stamp" >"$cached.new/.gmsa-stamp"
        mv "$cached.new" "$cached"
        log "debootstrap took $(elapsed "$t0")s"
    else
        log "using the cached rootfs $cached"
    fi

    local root=$work/root
    cp -a "$cached" "$root"
    rm -f "$root/.gmsa-stamp"
    cp "$deb" "$root/root/"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    # The test host is what an admin has before installing: no Swift anywhere.
    if chroot "$root" sh -c 'command -v swift || ls /usr/lib/swift /opt/swift' >/dev/null 2>&1; then
        die "the rootfs has Swift; it must not"
    fi
    log "apt-get install ./$(basename "$deb") in the clean rootfs"
    # apt in a chroot of its own mount namespace: /proc and /dev for the maintainer scripts, nothing leaks.
    if ! unshare --mount --fork -- bash -c '
        set -e
        root=$1 deb=$2
        mount --make-rprivate /
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get update -q
        chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "/root/$deb"
    ' bash "$root" "$(basename "$deb")" >"$work/apt-install.log" 2>&1; then
        tail -n 30 "$work/apt-install.log" >&2
        die "apt-get install of the package failed (log: $work/apt-install.log)"
    fi
}

# ===========================================================================================================
# Inside the lab: boot the rootfs and test.
ROOT=
SYSTEMD_PID=
CGROUP=

# on_host COMMAND...: run COMMAND inside the booted host (its namespaces and root).
on_host() {
    nsenter -t "$SYSTEMD_PID" -m -u -i -n -p -C -r -w -- \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}

configure_host() {
    local realm=$LAB_REALM domain=$LAB_DOMAIN
    cat >"$ROOT/etc/hosts" <<EOF
127.0.0.1	localhost
127.0.0.1	$LAB_DC ${LAB_DC%%.*}
127.0.0.1	linuxhost1.$domain linuxhost1
EOF
    printf 'nameserver 127.0.0.1\nsearch %s\n' "$domain" >"$ROOT/etc/resolv.conf"
    printf 'linuxhost1\n' >"$ROOT/etc/hostname"
    cat >"$ROOT/etc/krb5.conf" <<EOF
[libdefaults]
	default_realm = $realm
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
	dns_canonicalize_hostname = false

[realms]
	$realm = {
		kdc = 127.0.0.1
	}

[domain_realm]
	.$domain = $realm
	$domain = $realm
EOF
    install -m 0600 "$LAB_HOST_KEYTAB" "$ROOT/etc/krb5.keytab"
    mkdir -p "$ROOT/etc/nginx/keytabs" "$ROOT/srv/keytabs"
    # A container has no consoles to log in on.
    ln -sf /dev/null "$ROOT/etc/systemd/system/console-getty.service"
    ln -sf /dev/null "$ROOT/etc/systemd/system/getty@.service"
}

# The admin's edit of the conffile: two accounts now, more later.
write_config() { # extra-block...
    {
        printf '[domain]\nrealm = "%s"\n\n' "$LAB_REALM"
        printf '[[account]]\nname = "msa-web$"\nkeytab = "/var/lib/gmsa-keytabd/msa-web.keytab"\n'
        printf 'group = "www-data"\nmode = "0640"\n\n'
        printf '[[account]]\nname = "msa-svc1$"\nkeytab = "/var/lib/gmsa-keytabd/msa-svc1.keytab"\n\n'
        printf '[[account]]\nname = "msa-group$"\nkeytab = "/etc/nginx/keytabs/msa-group.keytab"\n\n'
        printf '%s\n' "$@"
    } >"$ROOT/etc/gmsa-keytabd/gmsa-keytabd.toml"
}

boot() {
    local work=$1
    CGROUP=/sys/fs/cgroup/unified/$CONTAINER.$$
    [[ -d /sys/fs/cgroup/unified ]] || CGROUP=
    # PID 1 of a new pid namespace, in a cgroup namespace rooted at a fresh cgroup, in a mount namespace
    # whose root is the copy (pivot_root): the machine's / and /tmp are out of reach (lab/host-boot.sh).
    unshare --pid --fork --mount --uts --ipc -- "$HERE/host-boot.sh" "$ROOT" "$CGROUP" "$CONTAINER" \
        </dev/null >"$work/console.log" 2>&1 &
    BOOT_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do
        SYSTEMD_PID=$(pgrep -P "$BOOT_PID" || true)
        [[ -n $SYSTEMD_PID && $(cat "/proc/$SYSTEMD_PID/comm" 2>/dev/null) == systemd ]] && break
        sleep 0.1
    done
    [[ $(cat "/proc/$SYSTEMD_PID/comm" 2>/dev/null) == systemd ]] || { tail -n 30 "$work/console.log" >&2; die "systemd did not start"; }
    wait_for 30 on_host test -S /run/systemd/private || true
    local state
    state=$(on_host timeout 60 systemctl is-system-running --wait 2>"$work/is-running.err" || true)
    if [[ $state != running && $state != degraded ]]; then
        tail -n 30 "$work/console.log" "$work/is-running.err" >&2
        die "the host's systemd did not come up: ${state:-no answer}"
    fi
    [[ $state == running ]] || log "systemd is $state: $(on_host systemctl --failed --no-legend --plain | tr '\n' ' ')"
}

shutdown_host() {
    [[ -n ${BOOT_PID:-} ]] || return 0
    if kill -0 "$BOOT_PID" 2>/dev/null; then
        on_host systemctl exit >/dev/null 2>&1 || true
        local i
        for ((i = 0; i < 100; i++)); do
            kill -0 "$BOOT_PID" 2>/dev/null || break
            sleep 0.1
        done
        [[ -z ${SYSTEMD_PID:-} ]] || kill -KILL "$SYSTEMD_PID" 2>/dev/null || true
        wait "$BOOT_PID" 2>/dev/null || true
    fi
    BOOT_PID=
    # The cgroups the host's systemd made, deepest first.
    if [[ -n ${CGROUP:-} && -d $CGROUP ]]; then
        find "$CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null || true
    fi
}

unit_property() { on_host systemctl show -p "$1" --value gmsa-keytabd.service; }


# stat of a file inside the host: "user:group mode"
ownership() { on_host stat -c '%U:%G %a' "$1" 2>/dev/null; }

journal_json() { on_host journalctl -u gmsa-keytabd.service -o json --no-pager "$@"; }

inside() {
    local work=$1 t_start
    t_start=$(now)
    ROOT=$work/root
    trap 'shutdown_host' EXIT
    configure_host

    local t0
    t0=$(now)
    boot "$work"
    log "the host's systemd is up in $(elapsed "$t0")s"
    check "the daemon is installed at /usr/sbin and its libraries resolve without Swift" \
        bash -c "! on_host ldd /usr/sbin/gmsa-keytabd | grep -q 'not found' && ! on_host ldd /usr/sbin/gmsa-keytabd | grep -qi swift"
    check "gmsa-keytabd --version prints the package's version" \
        bash -c "[[ \$(on_host gmsa-keytabd --version) == \$(on_host dpkg-query -W -f='\${Version}' gmsa-keytabd) ]]"
    check "the package's Depends brought libsasl2-modules-gssapi-mit" \
        bash -c "on_host dpkg-query -W -f='\${Status}' libsasl2-modules-gssapi-mit | grep -q 'install ok installed'"
    check "a fresh install leaves the unit disabled and inactive" \
        bash -c "[[ \$(on_host systemctl is-enabled gmsa-keytabd.service) == disabled && \$(unit_property ActiveState) == inactive ]]"

    # --- not configured yet: one clear line, no restart storm ----------------------------------------------
    on_host systemctl start gmsa-keytabd.service >/dev/null 2>&1 || true
    sleep 1
    check "started before it is configured, the unit fails once and is not restarted" \
        bash -c "[[ \$(unit_property ActiveState) == failed && \$(unit_property NRestarts) == 0 && \$(unit_property ExecMainStatus) == 78 ]]"
    check "the journal says 'not configured yet' in one line" \
        bash -c "[[ \$(on_host journalctl -u gmsa-keytabd.service --no-pager -o cat | grep -c 'not configured yet') == 1 ]]"
    on_host systemctl reset-failed gmsa-keytabd.service

    # --- configure as an admin would ---------------------------------------------------------------------------
    write_config
    local out
    out=$(on_host gmsa-keytabd check 2>&1 || true)
    local dropin_line="ReadWritePaths=/etc/nginx/keytabs"
    check "check names the drop-in a keytab directory outside /var/lib/gmsa-keytabd needs" \
        grep -q "CANNOT WRITE /etc/nginx/keytabs: .*'\[Service\]' and '$dropin_line'" <<<"$out"
    mkdir -p "$ROOT/etc/systemd/system/gmsa-keytabd.service.d"
    printf '[Service]\n%s\n' "$dropin_line" >"$ROOT/etc/systemd/system/gmsa-keytabd.service.d/keytabs.conf"
    on_host systemctl daemon-reload
    out=$(on_host gmsa-keytabd check 2>&1 || true)
    check "with that drop-in, check says the unit may write every keytab directory" \
        bash -c "grep -q '^systemd unit: may write every keytab directory' <<<\"\$1\" && ! grep -q 'CANNOT WRITE' <<<\"\$1\"" bash "$out"

    local cursor
    cursor=$(on_host journalctl -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p')
    t0=$(now)
    on_host systemctl enable --now gmsa-keytabd.service >/dev/null 2>&1 || true
    wait_for 10 bash -c '[[ $(unit_property ActiveState) == active ]]' || true
    local started
    started=$(elapsed "$t0")
    check "systemctl enable --now: active in ${started}s (at most 10 s)" \
        bash -c "[[ \$(unit_property ActiveState) == active ]] && awk 'BEGIN { exit !($started <= 10) }'"
    local status
    status=$(unit_property StatusText)
    check "StatusText says every account is current: '$status'" grep -q '^3 account(s) current' <<<"$status"

    # --- the keytabs, as the services use them ---------------------------------------------------------------
    check "msa-web.keytab is root:www-data 0640" \
        bash -c "[[ \$(ownership /var/lib/gmsa-keytabd/msa-web.keytab) == 'root:www-data 640' ]]"
    check "msa-svc1.keytab is root:root 0600" \
        bash -c "[[ \$(ownership /var/lib/gmsa-keytabd/msa-svc1.keytab) == 'root:root 600' ]]"
    check "www-data authenticates with kinit -k from its group's keytab" \
        on_host runuser -u www-data -- env KRB5CCNAME=MEMORY: kinit -k -t /var/lib/gmsa-keytabd/msa-web.keytab "msa-web\$@$LAB_REALM"
    check "a user outside the group cannot read that keytab" \
        bash -c "! on_host runuser -u nobody -- env KRB5CCNAME=MEMORY: kinit -k -t /var/lib/gmsa-keytabd/msa-web.keytab 'msa-web\$@$LAB_REALM' 2>/dev/null"
    check "kvno -k validates HTTP/web.$LAB_DOMAIN against the keytab" \
        on_host bash -c "export KRB5CCNAME=FILE:/tmp/kvno.cc; kinit -k -t /var/lib/gmsa-keytabd/msa-web.keytab 'msa-web\$@$LAB_REALM' &&
            kvno -k /var/lib/gmsa-keytabd/msa-web.keytab HTTP/web.$LAB_DOMAIN | grep -q 'keytab entry valid'"
    check "the keytab in /etc/nginx/keytabs (allowed by the drop-in) authenticates" \
        on_host env KRB5CCNAME=MEMORY: kinit -k -t /etc/nginx/keytabs/msa-group.keytab "msa-group\$@$LAB_REALM"

    # --- the journal ------------------------------------------------------------------------------------------
    journal_json --after-cursor="$cursor" >"$work/journal.json"
    check "journal entries carry GMSA_ACCOUNT, KVNO, KEYTAB and MESSAGE_ID" \
        python3 -c '
import json, sys
entries = [json.loads(line) for line in open(sys.argv[1])]
ok = any(all(k in e for k in ("GMSA_ACCOUNT", "KVNO", "KEYTAB", "MESSAGE_ID")) for e in entries)
sys.exit(0 if ok else 1)' "$work/journal.json"
    check "journalctl -x shows the catalog's explanation" \
        bash -c "on_host journalctl -u gmsa-keytabd.service -x --no-pager | grep -q 'The file was replaced atomically'"

    # --- a keytab deleted by a careless admin comes back -------------------------------------------------------
    rm "$ROOT/var/lib/gmsa-keytabd/msa-web.keytab"
    check "a deleted keytab is repaired, as root:www-data 0640, within a tick and a read" \
        wait_for 15 bash -c "[[ \$(ownership /var/lib/gmsa-keytabd/msa-web.keytab) == 'root:www-data 640' ]]"
    check "the journal says 'keytab repaired' with its MESSAGE_ID" \
        wait_for 5 bash -c "on_host journalctl -u gmsa-keytabd.service -o json --no-pager MESSAGE_ID=e7a2c94f1b3d4d8e9f60a5b7c2d1e348 |
            grep -q 'keytab repaired (it was deleted)'"
    check "www-data authenticates with the repaired keytab" \
        on_host runuser -u www-data -- env KRB5CCNAME=MEMORY: kinit -k -t /var/lib/gmsa-keytabd/msa-web.keytab "msa-web\$@$LAB_REALM"

    # --- reload: a new account ----------------------------------------------------------------------------------
    write_config '[[account]]' 'name = "msa-daily$"' 'keytab = "/var/lib/gmsa-keytabd/msa-daily.keytab"'
    check "systemctl reload succeeds" on_host systemctl reload gmsa-keytabd.service
    check "systemctl reload after adding an account writes its keytab" \
        wait_for 20 on_host test -s /var/lib/gmsa-keytabd/msa-daily.keytab
    check "that keytab authenticates" \
        wait_for 5 on_host env KRB5CCNAME=MEMORY: kinit -k -t /var/lib/gmsa-keytabd/msa-daily.keytab "msa-daily\$@$LAB_REALM"

    # --- the watchdog -------------------------------------------------------------------------------------------
    printf '[Service]\nWatchdogSec=4s\nRestartSec=1s\nTimeoutAbortSec=3s\n' >"$ROOT/etc/systemd/system/gmsa-keytabd.service.d/watchdog.conf"
    on_host systemctl daemon-reload
    on_host systemctl restart gmsa-keytabd.service
    local pid new_pid
    pid=$(unit_property MainPID)
    on_host kill -STOP "$pid"
    t0=$(now)
    wait_for 40 bash -c "p=\$(unit_property MainPID); [[ \$p != 0 && \$p != $pid && \$(unit_property ActiveState) == active ]]" || true
    new_pid=$(unit_property MainPID)
    check "SIGSTOP of the main pid: the watchdog restarts it ($pid -> $new_pid in $(elapsed "$t0")s)" \
        bash -c "[[ $new_pid != 0 && $new_pid != $pid ]]"
    check "and it is healthy again: '$(unit_property StatusText)'" \
        wait_for 10 bash -c "unit_property StatusText | grep -q '^4 account(s) current'"
    rm "$ROOT/etc/systemd/system/gmsa-keytabd.service.d/watchdog.conf"
    on_host systemctl daemon-reload

    # --- a keytab directory the sandbox does not allow: the error names the drop-in ------------------------
    write_config '[[account]]' 'name = "msa-daily$"' 'keytab = "/srv/keytabs/msa-daily.keytab"'
    on_host systemctl reload gmsa-keytabd.service
    check "a keytab in a directory outside ReadWritePaths fails with the exact drop-in to add" \
        wait_for 20 bash -c "on_host journalctl -u gmsa-keytabd.service --no-pager -o cat | grep -q \"'ReadWritePaths=/srv/keytabs'\""
    write_config '[[account]]' 'name = "msa-daily$"' 'keytab = "/var/lib/gmsa-keytabd/msa-daily.keytab"'
    on_host systemctl reload gmsa-keytabd.service
    wait_for 20 bash -c "unit_property StatusText | grep -q '^4 account(s) current'" || true

    # --- nothing in the unit's journal but the daemon's own messages and systemd's --------------------------
    journal_json --after-cursor="$cursor" >"$work/journal.json"
    local noise
    noise=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    own = e.get("_TRANSPORT") == "journal" and e.get("SYSLOG_IDENTIFIER") == "gmsa-keytabd"
    systemd = e.get("_PID") == "1" or e.get("SYSLOG_IDENTIFIER") == "systemd"
    if not (own or systemd):
        print(e.get("_TRANSPORT"), e.get("SYSLOG_IDENTIFIER"), str(e.get("MESSAGE"))[:200])' "$work/journal.json")
    check "no line in the unit's journal is neither the daemon's own message nor systemd's${noise:+: $noise}" \
        test -z "$noise"

    # --- stop ---------------------------------------------------------------------------------------------------
    on_host systemctl stop gmsa-keytabd.service
    check "systemctl stop leaves it inactive and the pid file gone" \
        bash -c "[[ \$(unit_property ActiveState) == inactive ]] && ! on_host test -e /var/lib/gmsa-keytabd/gmsa-keytabd.pid"

    # --- the sandbox's score ----------------------------------------------------------------------------------
    local exposure
    exposure=$(on_host systemd-analyze security gmsa-keytabd.service --no-pager 2>/dev/null |
        sed -n 's/.*Overall exposure level for gmsa-keytabd.service: \([0-9.]*\).*/\1/p')
    check "systemd-analyze security: ${exposure:-?} (at most 2.5)" \
        awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 2.5) }'
    printf 'systemd-analyze security gmsa-keytabd.service: %s\n' "${exposure:-?}"

    # --- upgrade to a rebuilt package: conffile and state survive, a running daemon restarts ----------------
    on_host systemctl start gmsa-keytabd.service
    local conf_sum
    conf_sum=$(md5sum <"$ROOT/etc/gmsa-keytabd/gmsa-keytabd.toml")
    pid=$(unit_property MainPID)
    cp "$UPGRADE_DEB" "$ROOT/root/"
    if on_host env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "/root/$(basename "$UPGRADE_DEB")" \
        >"$work/apt-upgrade.log" 2>&1; then
        pass "apt-get install of the rebuilt package ($(basename "$UPGRADE_DEB"))"
    else
        fail "apt-get install of the rebuilt package: $(tail -n 5 "$work/apt-upgrade.log" | tr '\n' ' ')"
    fi
    check "the upgrade kept the admin's conffile" bash -c "[[ \$(md5sum <'$ROOT/etc/gmsa-keytabd/gmsa-keytabd.toml') == '$conf_sum' ]]"
    check "the upgrade to $(dpkg-deb -f "$UPGRADE_DEB" Version) restarted the running daemon" \
        wait_for 10 bash -c "p=\$(unit_property MainPID); [[ \$p != 0 && \$p != $pid && \$(unit_property ActiveState) == active ]] &&
            [[ \$(on_host dpkg-query -W -f='\${Version}' gmsa-keytabd) == \$(dpkg-deb -f '$UPGRADE_DEB' Version) ]]"
    check "the state survived the upgrade (kvnos and schedule of every account)" \
        bash -c "grep -q 'msa-web' '$ROOT/var/lib/gmsa-keytabd/state.json' && grep -q 'msa-daily' '$ROOT/var/lib/gmsa-keytabd/state.json'"
    check "the fingerprint key is root's alone (0600, 16 bytes); the state carries keyed fingerprints" \
        bash -c "[[ \$(stat -c '%a %s %U' '$ROOT/var/lib/gmsa-keytabd/fingerprint.key') == '600 16 root' ]] &&
            grep -q '\"keysFingerprint\"' '$ROOT/var/lib/gmsa-keytabd/state.json'"
    check "and the daemon is current again: '$(unit_property StatusText)'" \
        wait_for 10 bash -c "unit_property StatusText | grep -q '^4 account(s) current'"

    # --- purge: config and state go, keytabs stay -----------------------------------------------------------
    on_host env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q gmsa-keytabd >"$work/apt-purge.log" 2>&1 || true
    check "purge stops the daemon and removes the config, state.json and fingerprint.key" \
        bash -c "! on_host test -e /etc/gmsa-keytabd/gmsa-keytabd.toml && ! on_host test -e /var/lib/gmsa-keytabd/state.json && ! on_host test -e /var/lib/gmsa-keytabd/fingerprint.key &&
            [[ \$(on_host systemctl is-active gmsa-keytabd.service) != active ]]"
    check "purge leaves every keytab in place" \
        on_host test -s /var/lib/gmsa-keytabd/msa-web.keytab -a -s /var/lib/gmsa-keytabd/msa-svc1.keytab -a -s /etc/nginx/keytabs/msa-group.keytab

    shutdown_host
    trap - EXIT
    log "host test inside the lab took $(elapsed "$t_start")s"
    test_summary
}

# ===========================================================================================================
if [[ ${1:-} == --inside ]]; then
    work=$2
    UPGRADE_DEB=$3
    export -f on_host unit_property ownership wait_for
    export SYSTEMD_PID
    inside "$work"
    exit $?
fi

(($# == 1)) || die "usage: $0 DEB"
((EUID == 0)) || die "must run as root"
deb=$(realpath "$1")
t_total=$(now)
work=$(mktemp -d /var/tmp/gmsa-host-test.XXXXXX)
cleanup() {
    local rc=$?
    if [[ ${GMSA_HOST_KEEP:-0} == 1 ]]; then log "kept $work"; else rm -rf --one-file-system -- "$work"; fi
    exit "$rc"
}
trap cleanup EXIT
prepare "$deb" "$work"
# The upgrade: the same binary packaged again under a higher version.
version=$(dpkg-deb -f "$deb" Version)
upgrade=$("$SRC/packaging/build-deb.sh" "$work/root/usr/sbin/gmsa-keytabd" "$work/upgrade" "$version+rebuild1")
log "rootfs ready in $(elapsed "$t_total")s"
set +e
"$HERE/lab.sh" run -- bash "$HERE/host-test.sh" --inside "$work" "$upgrade"
rc=$?
set -e
log "make test-host took $(elapsed "$t_total")s in all"
exit "$rc"
