#!/usr/bin/env bash
# Boots ROOTFS with its own systemd as PID 1; lab/host-test.sh runs it under
# `unshare --pid --fork --mount --uts --ipc`, inside the lab's network namespace.
#
#   lab/host-boot.sh ROOTFS CGROUP NAME
#
# CGROUP: a cgroup v2 directory to create and enter first (the container's cgroup namespace is rooted there);
# empty where the machine has no cgroup2 hierarchy of its own. Standard output becomes the container's
# /dev/console. The rootfs is entered with pivot_root, with its own /run and /tmp (a systemd that saw the
# machine's own /tmp would empty it) and a read-only /proc/sys.
set -euo pipefail

root=$1 cgroup=$2 name=$3

if [[ ${_GMSA_BOOT_STAGE:-} != cgroup-ns ]]; then
    if [[ -n $cgroup ]]; then
        mkdir "$cgroup"
        echo 0 >"$cgroup/cgroup.procs"
    fi
    _GMSA_BOOT_STAGE=cgroup-ns exec unshare --cgroup -- bash "${BASH_SOURCE[0]}" "$@"
fi

mount --make-rprivate /
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
# The kernel's settings are the machine's: the container's systemd-sysctl must not change them (systemd-coredump's
# sysctl.d file would point the machine's core_pattern at a program that only exists in the rootfs). As
# systemd-nspawn does, /proc/sys is read-only inside.
mount --bind "$root/proc/sys" "$root/proc/sys"
mount -o remount,bind,ro "$root/proc/sys"
mount -t sysfs sysfs "$root/sys"
mount -t cgroup2 cgroup2 "$root/sys/fs/cgroup"
mount --rbind /dev "$root/dev"
# The container's console is our standard output, not the machine's console.
mount --bind /proc/self/fd/1 "$root/dev/console"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
mkdir -p "$root/.oldroot"
cd "$root"
pivot_root . .oldroot
umount -l /.oldroot
rmdir /.oldroot
exec env -i container="$name" TERM=dumb /lib/systemd/systemd --system
