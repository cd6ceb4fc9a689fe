#!/usr/bin/env bash
# Runs a command in a Debian root directory (a build root or a test host's rootfs), as root.
#
#   packaging/in-root.sh ROOT [--bind DIR]... [--ro-bind DIR]... [--env NAME=VALUE]... -- COMMAND [ARG]...
#
# The command runs under chroot in a mount namespace of its own, so nothing mounted leaks out: /proc (with
# /proc/sys read-only: a maintainer script must not change the machine's kernel settings, as systemd-coredump's
# postinst would apply its core_pattern), the machine's /dev, and each DIR at the same path inside, writable or
# read-only. Its environment is only PATH, HOME, LANG, DEBIAN_FRONTEND=noninteractive and the --env settings
# (which may replace those). Used by build-root.sh, build-deb.sh and lab/host-test.sh.
set -euo pipefail

die() { printf 'in-root: ERROR: %s\n' "$*" >&2; exit 1; }

(($# >= 3)) || die "usage: $0 ROOT [--bind DIR]... [--ro-bind DIR]... [--env NAME=VALUE]... -- COMMAND..."
root=$1
shift
[[ -d $root ]] || die "$root is not a directory"
binds=() ro_binds=()
environment=(PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive)
while (($#)); do
    case $1 in
    --bind) binds+=("$2"); shift 2 ;;
    --ro-bind) ro_binds+=("$2"); shift 2 ;;
    --env) environment+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) die "unknown option '$1'" ;;
    esac
done
(($#)) || die "no command"

exec unshare --mount --fork -- bash -c '
    set -e
    root=$1 nbinds=$2 nro=$3 nenv=$4
    shift 4
    mount --make-rprivate /
    mount -t proc proc "$root/proc"
    mount --bind "$root/proc/sys" "$root/proc/sys"
    mount -o remount,bind,ro "$root/proc/sys"
    mount --rbind /dev "$root/dev"
    for ((i = 0; i < nbinds; i++)); do mkdir -p "$root$1" && mount --bind "$1" "$root$1"; shift; done
    for ((i = 0; i < nro; i++)); do mkdir -p "$root$1" && mount --bind -o ro "$1" "$root$1"; shift; done
    environment=("${@:1:nenv}")
    shift "$nenv"
    exec chroot "$root" env -i "${environment[@]}" "$@"
' bash "$root" "${#binds[@]}" "${#ro_binds[@]}" "${#environment[@]}" "${binds[@]}" "${ro_binds[@]}" "${environment[@]}" "$@"
