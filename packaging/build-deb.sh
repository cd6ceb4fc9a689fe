#!/usr/bin/env bash
# Builds the Debian package of gmsa-keytabd for one Debian release, with debhelper (debian/), and checks it with
# that release's lintian.
#
#   packaging/build-deb.sh SUITE OUTDIR [VERSION]      (SUITE: bookworm or trixie)
#
# Writes OUTDIR/gmsa-keytabd_<VERSION>+deb<N>_amd64.deb (deb12 for bookworm, deb13 for trixie: a host that
# upgrades its release also upgrades the package) and prints its path. VERSION defaults to the one in
# Sources/gmsa-keytabd/Version.swift, which debian/changelog's first entry must match; the host test passes a
# higher one to test an upgrade.
#
# For the build machine's own release the build runs here. For another release it runs in a clean build root
# of that release (packaging/build-root.sh, debootstrap), with this machine's Swift toolchain and package
# mirror bind-mounted read-only, so the binary links that release's libraries and dpkg-shlibdeps computes
# that release's Depends. SwiftPM's build directory is .build for the machine's release and .build-SUITE for
# another, so rebuilds are incremental. Root is needed for the build root (chroot, mounts).
set -euo pipefail

die() { printf 'build-deb: ERROR: %s\n' "$*" >&2; exit 1; }
log() { printf 'build-deb: %s\n' "$*" >&2; }

(($# == 2 || $# == 3)) || die "usage: $0 SUITE OUTDIR [VERSION]"
suite=$1
outdir=$2
src=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
case $suite in
bookworm) marker=deb12 ;;
trixie) marker=deb13 ;;
*) die "unsupported release '$suite' (bookworm, trixie)" ;;
esac
mkdir -p "$outdir"
outdir=$(cd -- "$outdir" && pwd -P)
this_suite=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")

# ---------------------------------------------------------------------------------------------------------
# Another release: the same script again, inside that release's build root.
if [[ $suite != "$this_suite" && -z ${GMSA_IN_BUILD_ROOT:-} ]]; then
    ((EUID == 0)) || die "building for $suite on $this_suite needs root (a chroot build root)"
    swift_root=$(dirname -- "$(dirname -- "$(dirname -- "$(readlink -f -- "$(command -v swift)")")")")
    [[ -x $swift_root/usr/bin/swift ]] || die "swift not found on PATH"
    root=$("$src/packaging/build-root.sh" "$suite")
    log "building in the $suite build root $root"
    for f in /etc/gitconfig "${HOME:-/root}/.gitconfig"; do
        if [[ -f $f ]]; then mkdir -p "$root$(dirname -- "$f")" && cp "$f" "$root$f"; fi
    done
    # Same paths inside as outside: the source tree and the output directory (writable), the toolchain and
    # SwiftPM's mirror of the package sources (read-only; git reads github.com from /opt/swift-packages, as the
    # machine's gitconfig says).
    mounts=(--bind "$src" --bind "$outdir" --ro-bind "$swift_root")
    [[ -d /opt/swift-packages ]] && mounts+=(--ro-bind /opt/swift-packages)
    exec "$src/packaging/in-root.sh" "$root" "${mounts[@]}" \
        --env PATH="$swift_root/usr/bin:/usr/sbin:/usr/bin:/sbin:/bin" --env GMSA_IN_BUILD_ROOT="$suite" \
        --env SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-}" \
        -- bash "$src/packaging/build-deb.sh" "$suite" "$outdir" ${3:+"$3"}
fi

# ---------------------------------------------------------------------------------------------------------
# This release: debhelper in a copy of the source tree.
command -v swift >/dev/null || die "swift not found on PATH (Swift 6.x builds the binary)"
for tool in dpkg-buildpackage dh lintian; do
    command -v "$tool" >/dev/null || die "$tool not found (apt-get install dpkg-dev debhelper lintian)"
done
source_version=$(sed -n 's/^let gmsaKeytabdVersion = "\(.*\)"$/\1/p' "$src/Sources/gmsa-keytabd/Version.swift")
[[ -n $source_version ]] || die "no version in Sources/gmsa-keytabd/Version.swift"
changelog_version=$(sed -n '1s/^gmsa-keytabd (\([^)]*\)).*/\1/p' "$src/debian/changelog")
[[ $changelog_version == "$source_version" ]] ||
    die "debian/changelog's first entry is $changelog_version, Version.swift says $source_version: add a changelog entry"
version=${3:-$source_version}+$marker
# Reproducible time stamps: the last commit's time, but later than debian/changelog's first entry (the entry
# this build adds on top must be newer than it).
if [[ -z ${SOURCE_DATE_EPOCH:-} ]]; then
    SOURCE_DATE_EPOCH=$(git -c safe.directory="$src" -C "$src" log -1 --format=%ct 2>/dev/null || date +%s)
    entry_time=$(date -u -d "$(sed -n '0,/^ -- /s/^ -- .*>  //p' "$src/debian/changelog")" +%s)
    ((SOURCE_DATE_EPOCH > entry_time)) || SOURCE_DATE_EPOCH=$((entry_time + 1))
fi
export SOURCE_DATE_EPOCH

if [[ -z ${GMSA_IN_BUILD_ROOT:-} ]]; then
    build_dir=$src/.build
else
    build_dir=$src/.build-$suite
fi
stage=$src/.build-deb/$suite
# One path whatever the version: SwiftPM keys its build directory on the source paths, so the same path keeps
# a rebuild incremental.
tree=$stage/gmsa-keytabd
rm -rf -- "$stage"
mkdir -p "$tree"
# What the build reads (Package.swift names every target, tests and benchmarks too); SwiftPM's build directory
# stays outside the copy.
cp -a "$src"/{Package.swift,Makefile,README.md,Sources,Tests,bench,packaging,debian,systemd,man,config} "$tree/"
# The release's own changelog entry on top: this build's version and suite.
{
    printf 'gmsa-keytabd (%s) %s; urgency=medium\n\n' "$version" "$suite"
    printf '  * Built for Debian %s (%s).\n\n' "${marker#deb}" "$suite"
    printf ' -- gmsa-keytabd maintainers <gmsa-keytabd@example.org>  %s\n\n' "$(date -u -R -d "@$SOURCE_DATE_EPOCH")"
    cat "$src/debian/changelog"
} >"$tree/debian/changelog"

log "dpkg-buildpackage $version for $suite (SwiftPM build directory $build_dir)"
if ! (cd "$tree" && GMSA_BUILD_DIR=$build_dir dpkg-buildpackage -b -us -uc) >"$stage/build.log" 2>&1; then
    tail -n 40 "$stage/build.log" >&2
    die "dpkg-buildpackage failed (log: $stage/build.log)"
fi
deb=$stage/gmsa-keytabd_${version}_amd64.deb
[[ -f $deb ]] || die "dpkg-buildpackage wrote no $deb"

# A library search path in a system binary (SwiftPM's default $ORIGIN) would make the loader try /usr/sbin first.
if readelf -d "$tree/debian/gmsa-keytabd/usr/sbin/gmsa-keytabd" | grep -qE '\((RUNPATH|RPATH)\)'; then
    die "the packaged binary has a RUNPATH or RPATH; the release build must use --disable-local-rpath"
fi

# lintian of this release: no error and no warning; pedantic and info tags are printed for the record.
lintian_version=$(lintian --version | awk '{ print $2 }')
if ! lintian --pedantic --display-info --fail-on error,warning "$deb" >"$stage/lintian.txt" 2>&1; then
    cat "$stage/lintian.txt" >&2
    die "lintian $lintian_version ($suite) reports an error or a warning"
fi
log "lintian $lintian_version ($suite): $(grep -c '^[EWIPX]:' "$stage/lintian.txt" || true) tag(s), none an error or a warning"
sed 's/^/build-deb:   /' "$stage/lintian.txt" | sort -u >&2
cp "$stage/lintian.txt" "$outdir/gmsa-keytabd_${version}_amd64.lintian"
cp "$deb" "$outdir/"
printf '%s\n' "$outdir/$(basename -- "$deb")"
