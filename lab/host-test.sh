#!/usr/bin/env bash
# The acceptance test of the Debian package, done as an admin would: a clean Debian member host (no Swift) of
# one release installs gmsa-keytabd from our signed apt repository, boots its own systemd as PID 1 inside the
# lab's network namespace, runs the daemon under the shipped unit against the lab's Samba AD DC, upgrades it
# from the repository with apt-get upgrade, then removes and purges it.
#
#   lab/host-test.sh SUITE REPO_DIR     (root; SUITE: bookworm or trixie; `make test-host` runs both)
#
# REPO_DIR is `make repo`'s dist/apt; its signing key's GnuPG home is GMSA_REPO_GNUPGHOME (default: beside it,
# apt-signing-key), used to add the rebuilt newer version for the upgrade. Outside the lab it debootstraps a
# minimal rootfs of SUITE once (cached in $GMSA_HOST_CACHE, default /var/cache/gmsa-keytabd-test), copies it,
# adds the repository (a file: source with Signed-By=) and runs apt-get install gmsa-keytabd in the copy
# (Depends resolve from Debian's archive), then re-runs itself inside a fresh lab (lab/lab.sh) to boot the
# copy and test it. Env: GMSA_HOST_KEEP=1 keeps the work directory. Prints "N passed, M failed" last; exit 1 on
# a failure.
#
# Never boot a systemd on the host's own root: its tmpfiles rules would empty the host's /tmp. The copy is
# entered with pivot_root, with its own /run and /tmp, and a read-only /proc/sys (the kernel's settings are
# the machine's, not the container's).
set -euo pipefail

HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
SRC=$(cd -- "$HERE/.." && pwd -P)
CACHE=${GMSA_HOST_CACHE:-/var/cache/gmsa-keytabd-test}
# What the cached rootfs holds besides minbase: systemd as init, and the Kerberos tools a test (and an admin)
# uses; debootstrap's --include. Then, installed with apt: nginx, the service an on_change command reloads,
# and systemd-coredump, which would store a crashing daemon's memory. Nothing of gmsa-keytabd's own
# dependencies: those must come from the package's Depends.
ROOTFS_PACKAGES=systemd,systemd-sysv,dbus,krb5-user
ROOTFS_EXTRA_PACKAGES="nginx systemd-coredump"
CONTAINER=gmsa-host-test

log() { printf 'host-test: %s\n' "$*" >&2; }
die() { printf 'host-test: ERROR: %s\n' "$*" >&2; exit 1; }

# shellcheck source=test-lib.sh
. "$HERE/test-lib.sh"

# ===========================================================================================================
# Outside the lab: the rootfs and the package.
# apt_in_root ROOT SCRIPT: an apt script (sh) in ROOT, through packaging/in-root.sh (nothing mounted leaks out,
# /proc/sys read-only), with a policy-rc.d that keeps what it installs from starting in the chroot (nginx's init
# script would start it on the machine's own network).
apt_in_root() {
    local root=$1 rc=0
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 0755 "$root/usr/sbin/policy-rc.d"
    "$SRC/packaging/in-root.sh" "$root" -- sh -c "$2" || rc=$?
    rm -f "$root/usr/sbin/policy-rc.d"
    return "$rc"
}

prepare() {
    local suite=$1 repo=$2 work=$3 mirror
    [[ -f $repo/gmsa-keytabd-archive-keyring.gpg && -d $repo/dists/$suite ]] ||
        die "$repo holds no $suite suite or no public key (make repo)"
    command -v debootstrap >/dev/null || die "debootstrap not found (lab/install-deps.sh installs it)"
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    mirror=${mirror:-http://deb.debian.org/debian}

    local cached=$CACHE/$suite-minbase stamp="$suite minbase $ROOTFS_PACKAGES $ROOTFS_EXTRA_PACKAGES"
    if [[ ! -f $cached/.gmsa-stamp || $(cat "$cached/.gmsa-stamp") != "$stamp" ]]; then
        local t0
        t0=$(now)
        log "debootstrap $suite into $cached (once; cached for later runs)"
        mkdir -p "$CACHE"
        rm -rf --one-file-system -- "$cached.new" "$cached"
        if ! debootstrap --variant=minbase --include="$ROOTFS_PACKAGES" "$suite" "$cached.new" "$mirror" \
            >"$CACHE/debootstrap-$suite.log" 2>&1; then
            tail -n 20 "$CACHE/debootstrap-$suite.log" >&2
            die "debootstrap failed (log: $CACHE/debootstrap-$suite.log)"
        fi
        cp /etc/resolv.conf "$cached.new/etc/resolv.conf"
        if ! apt_in_root "$cached.new" "apt-get update -q && apt-get install -y -q --no-install-recommends $ROOTFS_EXTRA_PACKAGES && apt-get clean" \
            >>"$CACHE/debootstrap-$suite.log" 2>&1; then
            tail -n 20 "$CACHE/debootstrap-$suite.log" >&2
            die "installing $ROOTFS_EXTRA_PACKAGES failed (log: $CACHE/debootstrap-$suite.log)"
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
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    # The test host is what an admin has before installing: no Swift anywhere.
    if chroot "$root" sh -c 'command -v swift || ls /usr/lib/swift /opt/swift' >/dev/null 2>&1; then
        die "the rootfs has Swift; it must not"
    fi
    # The repository as an admin adds it: its key, and a deb822 source that names it in Signed-By=. Here the
    # repository is a directory of the host (file:); on a fleet it is an https:// URI.
    mkdir -p "$root/srv/gmsa-apt"
    cp -a "$repo/dists" "$repo/pool" "$root/srv/gmsa-apt/"
    install -m 0644 "$repo/gmsa-keytabd-archive-keyring.gpg" "$root/usr/share/keyrings/gmsa-keytabd-archive-keyring.gpg"
    cat >"$root/etc/apt/sources.list.d/gmsa-keytabd.sources" <<EOF
Types: deb
URIs: file:/srv/gmsa-apt
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/gmsa-keytabd-archive-keyring.gpg
EOF
    log "apt-get install gmsa-keytabd from the repository in the clean $suite rootfs"
    if ! apt_in_root "$root" 'apt-get update -q && apt-get install -y -q --no-install-recommends gmsa-keytabd' \
        >"$work/apt-install.log" 2>&1; then
        tail -n 30 "$work/apt-install.log" >&2
        die "apt-get install gmsa-keytabd failed (log: $work/apt-install.log)"
    fi
    # Inside the lab's network namespace Debian's archive is out of reach: from here on apt sees only the
    # gmsa-keytabd repository (apt-get update would otherwise fail on the archive).
    rm -f "$root/etc/apt/sources.list.d/debian.sources"
    : >"$root/etc/apt/sources.list"
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
        printf 'group = "www-data"\nmode = "0640"\n'
        printf 'on_change = ["systemctl", "try-reload-or-restart", "nginx.service"]\n\n'
        printf '[[account]]\nname = "msa-svc1$"\nkeytab = "/var/lib/gmsa-keytabd/msa-svc1.keytab"\n'
        printf 'on_change = ["/bin/sh", "-c", "echo hook of msa-svc1 says hello; echo hook of msa-svc1 complains >&2"]\n\n'
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

# The journal's cursor now: what is logged after it is this step's.
journal_cursor() { on_host journalctl -n 0 --show-cursor --no-pager | sed -n 's/^-- cursor: //p'; }

journal_json() { on_host journalctl -u gmsa-keytabd.service -o json --no-pager "$@"; }

# core_forward_start WORK: the machine's core_pattern hands a crash inside the test host to the test host's own
# systemd-coredump (as if it were the host's kernel), with that package's sysctl.d settings; other crashes on the
# machine are dropped. core_forward_stop restores the machine's settings.
SAVED_CORE_PATTERN= SAVED_SUID_DUMPABLE= SAVED_CORE_PIPE_LIMIT=
core_forward_start() {
    local work=$1 line helper args host_ns
    line=$(sed -n 's/^kernel\.core_pattern=|//p' "$ROOT/usr/lib/sysctl.d/50-coredump.conf")
    helper=${line%% *}
    args=${line#* }
    [[ -n $helper && -n $args ]] || die "no core_pattern in the test host's 50-coredump.conf"
    host_ns=$(readlink "/proc/$SYSTEMD_PID/ns/pid")
    cat >"$work/core-forward" <<EOF
#!/bin/sh
# Run by the kernel for a crash anywhere on the machine while the host test runs: a process of the test host
# (its pid namespace) goes to the test host's systemd-coredump, under its pid there; anything else is dropped.
exec 2>>"$work/core-forward.log"
echo "core of pid \$1: \$*" >&2
pid=\$1
shift
if [ "\$(readlink /proc/\$pid/ns/pid)" != "$host_ns" ]; then
    cat >/dev/null
    exit 0
fi
inner=\$(awk '/^NSpid:/ { print \$NF }' /proc/\$pid/status)
exec nsenter -t $SYSTEMD_PID -m -p -- $helper "\$inner" "\$@"
EOF
    chmod 0755 "$work/core-forward"
    SAVED_CORE_PATTERN=$(cat /proc/sys/kernel/core_pattern)
    SAVED_SUID_DUMPABLE=$(cat /proc/sys/fs/suid_dumpable)
    SAVED_CORE_PIPE_LIMIT=$(cat /proc/sys/kernel/core_pipe_limit)
    printf '|%s %s\n' "$work/core-forward" "$args" >/proc/sys/kernel/core_pattern
    echo 2 >/proc/sys/fs/suid_dumpable
    echo 16 >/proc/sys/kernel/core_pipe_limit
}
core_forward_stop() {
    [[ -n $SAVED_CORE_PATTERN ]] || return 0
    printf '%s\n' "$SAVED_CORE_PATTERN" >/proc/sys/kernel/core_pattern
    echo "$SAVED_SUID_DUMPABLE" >/proc/sys/fs/suid_dumpable
    echo "$SAVED_CORE_PIPE_LIMIT" >/proc/sys/kernel/core_pipe_limit
    SAVED_CORE_PATTERN=
}

inside() {
    local work=$1 t_start
    t_start=$(now)
    ROOT=$work/root
    trap 'core_forward_stop; shutdown_host' EXIT
    configure_host

    local t0
    t0=$(now)
    boot "$work"
    log "the host's systemd is up in $(elapsed "$t0")s"
    check "the daemon is installed at /usr/sbin and its libraries resolve without Swift" \
        bash -c "! on_host ldd /usr/sbin/gmsa-keytabd | grep -q 'not found' && ! on_host ldd /usr/sbin/gmsa-keytabd | grep -qi swift"
    check "the package's version is gmsa-keytabd --version's plus the release marker ($SUITE_MARKER)" \
        bash -c "[[ \$(on_host dpkg-query -W -f='\${Version}' gmsa-keytabd) == \$(on_host gmsa-keytabd --version)+$SUITE_MARKER ]]"
    check "the host runs Debian $SUITE_RELEASE with systemd $SUITE_SYSTEMD" \
        bash -c "on_host grep -qx 'VERSION_ID=\"$SUITE_RELEASE\"' /etc/os-release && on_host systemctl --version | head -n 1 | grep -q '^systemd $SUITE_SYSTEMD '"
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

    local cursor nginx_pid
    nginx_pid=$(on_host systemctl show -p MainPID --value nginx.service)
    check "nginx, the service whose keytab changes, runs (main pid $nginx_pid)" \
        bash -c "[[ \$(on_host systemctl is-active nginx.service) == active && '$nginx_pid' != 0 ]]"
    cursor=$(journal_cursor)
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

    # --- on_change: the hooks ran under the shipped unit --------------------------------------------------------
    check "on_change 'systemctl try-reload-or-restart nginx.service' reloaded nginx (a reload job done, same main pid $nginx_pid)" \
        wait_for 20 bash -c "on_host journalctl -u nginx.service -o json --no-pager --after-cursor='$cursor' |
            grep '\"JOB_TYPE\":\"reload\"' | grep -q '\"JOB_RESULT\":\"done\"' &&
            [[ \$(on_host systemctl show -p MainPID --value nginx.service) == '$nginx_pid' ]]"
    local hook_journal=$work/hook-journal.json
    hook_lines() { # STREAM TEXT: the unit's journal has TEXT from msa-svc1$'s hook on STREAM
        on_host journalctl -u gmsa-keytabd.service -o json --no-pager --after-cursor="$cursor" >"$hook_journal"
        python3 -c '
import json, sys
stream, text = sys.argv[2], sys.argv[3]
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("GMSA_ACCOUNT") == "msa-svc1$" and e.get("GMSA_HOOK_STREAM") == stream and text in str(e.get("MESSAGE")):
        sys.exit(0)
sys.exit(1)' "$hook_journal" "$1" "$2"
    }
    check "a hook's stdout reaches the journal tagged with its account (GMSA_ACCOUNT=msa-svc1\$, GMSA_HOOK_STREAM=stdout)" \
        wait_for 20 hook_lines stdout 'on_change: hook of msa-svc1 says hello'
    check "and its stderr too (GMSA_HOOK_STREAM=stderr)" \
        hook_lines stderr 'on_change: hook of msa-svc1 complains'

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

    # --- run-as under a systemd timer: the shipped example units -------------------------------------------------
    # gmsa-job.service/.timer from /usr/share/doc/gmsa-keytabd/examples, msa-app$ made msa-web$, the timer also
    # firing 1 s after it is started; the job, as a system user app, prints klist and a kvno of msa-web$'s SPN.
    local examples=$ROOT/usr/share/doc/gmsa-keytabd/examples
    check "the package ships the example units in /usr/share/doc/gmsa-keytabd/examples" \
        test -f "$examples/gmsa-job.service" -a -f "$examples/gmsa-job.timer" -a -f "$examples/gmsa-app.service"
    on_host useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app
    mkdir -p "$ROOT/usr/local/bin" "$ROOT/etc/systemd/system/gmsa-job.timer.d"
    printf '#!/bin/sh\necho "job runs as $(id -un)"\nklist\nkvno HTTP/web.%s\n' "$LAB_DOMAIN" >"$ROOT/usr/local/bin/job"
    chmod 0755 "$ROOT/usr/local/bin/job"
    sed 's/run-as msa-app /run-as msa-web /' "$examples/gmsa-job.service" >"$ROOT/etc/systemd/system/gmsa-job.service"
    cp "$examples/gmsa-job.timer" "$ROOT/etc/systemd/system/gmsa-job.timer"
    # RandomizedDelaySec= applies to every trigger of the timer, the added one too, and AccuracySec= (1 min by
    # default) lets systemd 252 fire it up to a minute late.
    printf '[Timer]\nOnActiveSec=1s\nRandomizedDelaySec=0\nAccuracySec=1s\n' >"$ROOT/etc/systemd/system/gmsa-job.timer.d/now.conf"
    on_host systemctl daemon-reload
    on_host systemctl enable --now gmsa-job.timer 2>&1 | sed 's/^/  enable: /'
    job_journal() { on_host journalctl -u gmsa-job.service -o cat --no-pager; }
    export -f job_journal
    check "the timer ran the job: klist in its journal names msa-web\$" \
        wait_for 30 bash -c "job_journal | grep -qx 'Default principal: msa-web\\\$@$LAB_REALM'"
    check "the job ran as app, with a cache in /run/gmsa-keytabd" \
        bash -c "job_journal | grep -qx 'job runs as app' && job_journal | grep -q '^Ticket cache: FILE:/run/gmsa-keytabd/run-as.msa-web.'"
    check "kvno of HTTP/web.$LAB_DOMAIN as msa-web\$ worked in the job" \
        bash -c "job_journal | grep -q '^HTTP/web.$LAB_DOMAIN@$LAB_REALM: kvno = '"
    job_journal | sed 's/^/  gmsa-job: /'
    if ! job_journal | grep -q 'Default principal'; then
        on_host systemctl status --no-pager gmsa-job.timer gmsa-job.service 2>&1 | sed 's/^/  gmsa-job status: /'
        on_host systemctl list-timers --all --no-pager 2>&1 | sed 's/^/  timers: /'
    fi
    check "gmsa-job.service succeeded and left no cache behind" \
        wait_for 10 bash -c "[[ \$(on_host systemctl show -p Result --value gmsa-job.service) == success ]] &&
            [[ -z \$(on_host find /run/gmsa-keytabd -maxdepth 1 -name 'run-as.*') ]]"
    on_host systemctl disable --now gmsa-job.timer >/dev/null 2>&1 || true

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

    # --- core dumps: a host with systemd-coredump stores none of the daemon's memory ------------------------------
    # The kernel's core_pattern is the machine's, not the container's: for this part the machine hands a crash
    # inside the test host to that host's own systemd-coredump, with the arguments its sysctl.d file gives, and
    # fs.suid_dumpable=2 as that file sets (so even a process that made itself non-dumpable is dumped); every
    # other crash on the machine is dropped. The settings are restored afterwards.
    core_forward_start "$work"
    printf '#!/bin/sh\n# Aborts itself: the control of the core dump check.\nkill -ABRT $$\n' >"$ROOT/usr/local/bin/gmsa-crash-probe"
    chmod 0755 "$ROOT/usr/local/bin/gmsa-crash-probe"
    on_host systemd-run --wait --quiet --unit=gmsa-core-probe -p LimitCORE=infinity /usr/local/bin/gmsa-crash-probe 2>/dev/null || true
    if wait_for 20 bash -c "ls '$ROOT/var/lib/systemd/coredump/' 2>/dev/null | grep -q '^core\.'"; then
        pass "positive control: a crashing process of the test host gets its core stored by systemd-coredump"
    else
        fail "positive control: a crashing process of the test host gets its core stored by systemd-coredump"
        { cat /proc/sys/kernel/core_pattern "$work/core-forward.log"; on_host journalctl --no-pager -o short-monotonic -n 30; } >&2 || true
    fi

    # --- the watchdog (its SIGABRT must not dump core) ---------------------------------------------------------
    printf '[Service]\nWatchdogSec=4s\nRestartSec=1s\nTimeoutAbortSec=3s\n' >"$ROOT/etc/systemd/system/gmsa-keytabd.service.d/watchdog.conf"
    on_host systemctl daemon-reload
    on_host systemctl restart gmsa-keytabd.service
    local pid new_pid core_cursor
    core_cursor=$(journal_cursor)
    pid=$(unit_property MainPID)
    on_host kill -STOP "$pid"
    t0=$(now)
    wait_for 40 bash -c "p=\$(unit_property MainPID); [[ \$p != 0 && \$p != $pid && \$(unit_property ActiveState) == active ]]" || true
    new_pid=$(unit_property MainPID)
    check "SIGSTOP of the main pid: the watchdog restarts it ($pid -> $new_pid in $(elapsed "$t0")s)" \
        bash -c "[[ $new_pid != 0 && $new_pid != $pid ]]"
    check "and it is healthy again: '$(unit_property StatusText)'" \
        wait_for 10 bash -c "unit_property StatusText | grep -q '^4 account(s) current'"
    check "the watchdog's SIGABRT killed the daemon without a core dump (code=killed, not dumped)" \
        bash -c "on_host journalctl -u gmsa-keytabd.service --no-pager -o cat --after-cursor='$core_cursor' |
            grep -q 'code=killed, status=6/ABRT' &&
            ! on_host journalctl -u gmsa-keytabd.service --no-pager -o cat --after-cursor='$core_cursor' | grep -q 'code=dumped'"
    sleep 2
    check "no core of gmsa-keytabd is stored, and systemd-coredump logged none" \
        bash -c "! ls '$ROOT/var/lib/systemd/coredump/' | grep -q gmsa-keytabd &&
            ! on_host journalctl --no-pager -o cat --after-cursor='$core_cursor' SYSLOG_IDENTIFIER=systemd-coredump | grep -q gmsa-keytabd"
    core_forward_stop
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

    # --- owner and group names that resolve late (sssd, winbind still starting) ------------------------------
    check "the unit orders itself after nss-user-lookup.target (users and groups), not only nss-lookup.target" \
        bash -c "unit_property After | tr ' ' '\n' | grep -qx nss-user-lookup.target"
    # The stand-in for an NSS module that answers late: the group is created a few seconds after the daemon
    # started, as a group of sssd's would appear once it is online.
    on_host groupdel late-admins >/dev/null 2>&1 || true
    write_config '[[account]]' 'name = "msa-daily$"' 'keytab = "/var/lib/gmsa-keytabd/msa-daily.keytab"' \
        'group = "late-admins"' 'mode = "0640"'
    cursor=$(journal_cursor)
    on_host systemctl restart --no-block gmsa-keytabd.service
    wait_for 10 bash -c "unit_property StatusText | grep -q late-admins" || true
    local waiting_pid waiting_status waiting_state
    waiting_pid=$(unit_property MainPID)
    waiting_state=$(unit_property ActiveState)
    waiting_status=$(unit_property StatusText)
    check "a group that does not resolve yet: the daemon waits, still starting ($waiting_state: '$waiting_status')" \
        bash -c '[[ $1 == activating ]] && grep -q "group .late-admins." <<<"$2"' bash "$waiting_state" "$waiting_status"
    sleep 3
    on_host groupadd late-admins
    t0=$(now)
    wait_for 20 bash -c "unit_property StatusText | grep -q '^4 account(s) current'" || true
    check "once the group resolves, the same process carries on: active, 4 accounts current in $(elapsed "$t0")s" \
        bash -c "[[ \$(unit_property ActiveState) == active && \$(unit_property MainPID) == $waiting_pid ]] &&
            unit_property StatusText | grep -q '^4 account(s) current'"
    check "and the keytab belongs to that group: root:late-admins 0640" \
        bash -c "[[ \$(ownership /var/lib/gmsa-keytabd/msa-daily.keytab) == 'root:late-admins 640' ]]"
    check "the journal said what it waited for, once" \
        bash -c "[[ \$(on_host journalctl -u gmsa-keytabd.service --no-pager -o cat --after-cursor='$cursor' | grep -c \"late-admins\") -ge 1 ]]"

    # A name that never exists is still a configuration error: exit 78 after the wait, and no restart.
    write_config '[[account]]' 'name = "msa-daily$"' 'keytab = "/var/lib/gmsa-keytabd/msa-daily.keytab"' \
        'group = "no-such-group"' 'mode = "0640"'
    cursor=$(journal_cursor)
    t0=$(now)
    on_host systemctl restart --no-block gmsa-keytabd.service
    wait_for 90 bash -c "[[ \$(unit_property ActiveState) == failed ]]" || true
    check "a group that never exists: the unit fails with 78 after $(elapsed "$t0")s and is not restarted" \
        bash -c "[[ \$(unit_property ActiveState) == failed && \$(unit_property ExecMainStatus) == 78 ]]"
    check "the journal names the group and says it is a configuration error" \
        bash -c "on_host journalctl -u gmsa-keytabd.service --no-pager -o cat --after-cursor='$cursor' | grep \"no-such-group\" | grep -q 'still unknown after 60 s'"
    on_host systemctl reset-failed gmsa-keytabd.service
    write_config '[[account]]' 'name = "msa-daily$"' 'keytab = "/var/lib/gmsa-keytabd/msa-daily.keytab"'
    on_host systemctl start gmsa-keytabd.service
    wait_for 20 bash -c "unit_property StatusText | grep -q '^4 account(s) current'" || true

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

    # --- upgrade from the repository to a rebuilt newer version: conffile and state survive, the daemon restarts
    on_host systemctl start gmsa-keytabd.service
    local conf_sum new_version
    conf_sum=$(md5sum <"$ROOT/etc/gmsa-keytabd/gmsa-keytabd.toml")
    new_version=$(dpkg-deb -f "$UPGRADE_DEB" Version)
    pid=$(unit_property MainPID)
    # The repository is published again with the newer version in it, as a fleet's repository would be.
    rm -rf "$ROOT/srv/gmsa-apt/dists" "$ROOT/srv/gmsa-apt/pool"
    cp -a "$UPGRADE_REPO/dists" "$UPGRADE_REPO/pool" "$ROOT/srv/gmsa-apt/"
    if on_host env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update -q && apt-get upgrade -y -q' \
        >"$work/apt-upgrade.log" 2>&1; then
        pass "apt-get update && apt-get upgrade from the repository (signature checked against Signed-By=)"
    else
        fail "apt-get upgrade: $(tail -n 5 "$work/apt-upgrade.log" | tr '\n' ' ')"
    fi
    check "the upgrade kept the admin's conffile" bash -c "[[ \$(md5sum <'$ROOT/etc/gmsa-keytabd/gmsa-keytabd.toml') == '$conf_sum' ]]"
    check "apt-get upgrade installed $new_version and restarted the running daemon" \
        wait_for 10 bash -c "p=\$(unit_property MainPID); [[ \$p != 0 && \$p != $pid && \$(unit_property ActiveState) == active ]] &&
            [[ \$(on_host dpkg-query -W -f='\${Version}' gmsa-keytabd) == '$new_version' ]]"
    check "the state survived the upgrade (kvnos and schedule of every account)" \
        bash -c "grep -q 'msa-web' '$ROOT/var/lib/gmsa-keytabd/state.json' && grep -q 'msa-daily' '$ROOT/var/lib/gmsa-keytabd/state.json'"
    check "the fingerprint key is root's alone (0600, 16 bytes); the state carries keyed fingerprints" \
        bash -c "[[ \$(stat -c '%a %s %U' '$ROOT/var/lib/gmsa-keytabd/fingerprint.key') == '600 16 root' ]] &&
            grep -q '\"keysFingerprint\"' '$ROOT/var/lib/gmsa-keytabd/state.json'"
    check "and the daemon is current again: '$(unit_property StatusText)'" \
        wait_for 10 bash -c "unit_property StatusText | grep -q '^4 account(s) current'"

    # --- remove, then purge: nothing of the package is left but the keytabs ----------------------------------
    # A refresh request leaves its file in the state directory, as an admin's 'gmsa-keytabd refresh' does.
    on_host gmsa-keytabd refresh 'msa-web$' >/dev/null 2>&1 || true
    on_host systemctl enable gmsa-keytabd.service >/dev/null 2>&1
    on_host env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q gmsa-keytabd >"$work/apt-remove.log" 2>&1 || true
    check "remove stops the daemon and takes the binary and the unit; the configuration stays" \
        bash -c "[[ \$(on_host systemctl is-active gmsa-keytabd.service) != active ]] && ! on_host test -e /usr/sbin/gmsa-keytabd &&
            [[ -z \$(on_host systemctl list-unit-files --no-legend gmsa-keytabd.service) ]] && on_host test -e /etc/gmsa-keytabd/gmsa-keytabd.toml"
    on_host env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q gmsa-keytabd >"$work/apt-purge.log" 2>&1 || true
    local leftovers
    # The admin's own drop-in (gmsa-keytabd.service.d/keytabs.conf, made above) is theirs, not the package's.
    leftovers=$(on_host sh -c 'find /etc /usr /var/lib/systemd -name "*gmsa-keytabd*" ! -path "/etc/systemd/system/gmsa-keytabd.service.d*" ! -path "/etc/apt/*" ! -path "/usr/share/keyrings/*" 2>/dev/null;
        find /var/lib/gmsa-keytabd -mindepth 1 ! -name "*.keytab" 2>/dev/null; dpkg-query -W -f="\${Status}\n" gmsa-keytabd 2>/dev/null | grep -v not-installed; true' | tr '\n' ' ')
    check "after remove and purge nothing of the package is left (no enablement link, no state file)${leftovers:+: $leftovers}" \
        test -z "$leftovers"
    check "purge leaves every keytab in place" \
        on_host test -s /var/lib/gmsa-keytabd/msa-web.keytab -a -s /var/lib/gmsa-keytabd/msa-svc1.keytab -a -s /etc/nginx/keytabs/msa-group.keytab

    shutdown_host
    trap - EXIT
    log "host test inside the lab took $(elapsed "$t_start")s"
    test_summary
}

# ===========================================================================================================
# What each release is: its Debian version, its systemd, the package's version marker.
suite_facts() {
    case $1 in
    bookworm) SUITE_RELEASE=12 SUITE_SYSTEMD=252 SUITE_MARKER=deb12 ;;
    trixie) SUITE_RELEASE=13 SUITE_SYSTEMD=257 SUITE_MARKER=deb13 ;;
    *) die "unsupported release '$1' (bookworm, trixie)" ;;
    esac
}

if [[ ${1:-} == --inside ]]; then
    work=$2
    UPGRADE_DEB=$3
    UPGRADE_REPO=$4
    suite_facts "$5"
    export -f on_host unit_property ownership wait_for
    export SYSTEMD_PID
    inside "$work"
    exit $?
fi

(($# == 2)) || die "usage: $0 SUITE REPO_DIR"
((EUID == 0)) || die "must run as root"
suite=$1
suite_facts "$suite"
repo=$(realpath "$2")
t_total=$(now)
work=$(mktemp -d /var/tmp/gmsa-host-test.XXXXXX)
cleanup() {
    local rc=$?
    if [[ ${GMSA_HOST_KEEP:-0} == 1 ]]; then log "kept $work"; else rm -rf --one-file-system -- "$work"; fi
    exit "$rc"
}
trap cleanup EXIT
log "Debian $SUITE_RELEASE ($suite)"
prepare "$suite" "$repo" "$work"
# The upgrade: the same source rebuilt for this release under a higher version, published in a copy of the
# repository signed with the same key.
version=$(chroot "$work/root" dpkg-query -W -f='${Version}' gmsa-keytabd)
version=${version%+"$SUITE_MARKER"}
upgrade=$("$SRC/packaging/build-deb.sh" "$suite" "$work/upgrade" "$version+rebuild1")
cp -a "$repo" "$work/apt-upgrade"
GMSA_REPO_GNUPGHOME=${GMSA_REPO_GNUPGHOME:-$(dirname -- "$repo")/apt-signing-key} \
    "$SRC/packaging/build-repo.sh" "$work/apt-upgrade" "$upgrade" >/dev/null
log "rootfs and the upgrade ready in $(elapsed "$t_total")s"
set +e
"$HERE/lab.sh" run -- bash "$HERE/host-test.sh" --inside "$work" "$upgrade" "$work/apt-upgrade" "$suite"
rc=$?
set -e
log "the host test of Debian $SUITE_RELEASE ($suite) took $(elapsed "$t_total")s in all"
exit "$rc"
