#!/usr/bin/env bash
# Makes (once) a clean build root of a Debian release other than the build machine's, and prints its path.
#
#   packaging/build-root.sh SUITE        (root; SUITE: bookworm or trixie)
#
# A minimal debootstrap of SUITE with what the release build needs from that release: the C toolchain and C++
# runtime the Swift toolchain links with, the libraries SwiftPM's toolchain loads, the -dev packages of the
# libraries the daemon links (so dpkg-shlibdeps computes that release's Depends), debhelper and lintian.
# Swift itself is not a Debian package: packaging/build-deb.sh bind-mounts the machine's toolchain
# (/opt/swift) and its package mirror into the root. Cached in $GMSA_BUILD_ROOTS (default
# /var/cache/gmsa-keytabd-build/SUITE), rebuilt when the package list changes.
set -euo pipefail

die() { printf 'build-root: ERROR: %s\n' "$*" >&2; exit 1; }
log() { printf 'build-root: %s\n' "$*" >&2; }

(($# == 1)) || die "usage: $0 SUITE"
suite=$1
((EUID == 0)) || die "must run as root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap not found (apt-get install debootstrap)"

common=build-essential,gcc,g++,libc6-dev,libcurl4-openssl-dev,libxml2-dev,libedit-dev,libsqlite3-dev,libncurses-dev
common+=,libkrb5-dev,libldap-dev,libsasl2-dev,libgnutls28-dev,debhelper,dpkg-dev,lintian,git,ca-certificates
case $suite in
trixie) packages=$common,libstdc++-14-dev,libcurl4t64,libxml2,libedit2,libsqlite3-0,libncurses6 ;;
bookworm) packages=$common,libstdc++-12-dev,libcurl4,libxml2,libedit2,libsqlite3-0,libncurses6 ;;
*) die "no build root recipe for '$suite' (bookworm, trixie)" ;;
esac

base=${GMSA_BUILD_ROOTS:-/var/cache/gmsa-keytabd-build}
root=$base/$suite
stamp="$suite minbase $packages"
if [[ -f $root/.gmsa-stamp && $(cat "$root/.gmsa-stamp") == "$stamp" ]]; then
    printf '%s\n' "$root"
    exit 0
fi

mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
log "debootstrap $suite into $root (once; cached for later builds)"
mkdir -p "$base"
rm -rf --one-file-system -- "$root.new" "$root"
start=$SECONDS
# debootstrap's own resolver does not follow virtual packages (lintian's perl modules need one): it lays down
# minbase, and apt in the new root installs the rest.
if ! debootstrap --variant=minbase "$suite" "$root.new" "$mirror" >"$base/$suite.log" 2>&1; then
    tail -n 20 "$base/$suite.log" >&2
    die "debootstrap failed (log: $base/$suite.log)"
fi
cp /etc/resolv.conf "$root.new/etc/resolv.conf"
if ! "$(dirname -- "${BASH_SOURCE[0]}")/in-root.sh" "$root.new" -- \
    sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends ${packages//,/ } && apt-get clean" \
    >>"$base/$suite.log" 2>&1; then
    tail -n 20 "$base/$suite.log" >&2
    die "installing the build packages into the $suite root failed (log: $base/$suite.log)"
fi
printf '%s\n' "$stamp" >"$root.new/.gmsa-stamp"
mv "$root.new" "$root"
log "build root ready in $((SECONDS - start)) s"
printf '%s\n' "$root"
