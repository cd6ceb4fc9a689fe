#!/usr/bin/env bash
# Builds the Debian package of gmsa-keytabd from an already built binary.
#
#   packaging/build-deb.sh BINARY OUTDIR [VERSION]
#
# VERSION defaults to the one in Sources/gmsa-keytabd/Version.swift (the only place it is set); the host test
# passes a higher one to test an upgrade. Prints the path of the .deb it wrote. Needs dpkg-dev (dpkg-shlibdeps)
# and the -dev packages the binary was built against (Depends are computed from the binary's libraries).
set -euo pipefail

die() { printf 'build-deb: ERROR: %s\n' "$*" >&2; exit 1; }

(($# == 2 || $# == 3)) || die "usage: $0 BINARY OUTDIR [VERSION]"
binary=$1
outdir=$2
src=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
version=${3:-$(sed -n 's/^let gmsaKeytabdVersion = "\(.*\)"$/\1/p' "$src/Sources/gmsa-keytabd/Version.swift")}
[[ -n $version ]] || die "no version in Sources/gmsa-keytabd/Version.swift"
[[ -x $binary ]] || die "$binary is not an executable (build it first: make build)"
for tool in dpkg-deb dpkg-shlibdeps; do
    command -v "$tool" >/dev/null || die "$tool not found (apt-get install dpkg-dev)"
done
# Reproducible: every time stamp is the last commit's (or now, outside git).
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct 2>/dev/null || date +%s)}

work=$(mktemp -d "${TMPDIR:-/tmp}/gmsa-keytabd-deb.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
root=$work/root
doc=$root/usr/share/doc/gmsa-keytabd

install -d -m 0755 "$root/DEBIAN" "$root/usr/sbin" "$root/usr/lib/systemd/system" "$root/usr/lib/systemd/catalog" \
    "$root/usr/share/man/man8" "$root/usr/share/man/man5" "$root/etc/gmsa-keytabd" "$doc"
install -m 0755 "$binary" "$root/usr/sbin/gmsa-keytabd"
# Symbol tables only; Swift's runtime metadata lives in sections that strip keeps.
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/sbin/gmsa-keytabd"
# A library search path in a system binary (SwiftPM's default $ORIGIN) would make the loader try /usr/sbin first.
if readelf -d "$root/usr/sbin/gmsa-keytabd" | grep -qE '\((RUNPATH|RPATH)\)'; then
    die "$binary has a RUNPATH or RPATH; build it with make build (--disable-local-rpath)"
fi
install -m 0644 "$src/systemd/gmsa-keytabd.service" "$root/usr/lib/systemd/system/"
install -m 0644 "$src/systemd/gmsa-keytabd.catalog" "$root/usr/lib/systemd/catalog/"
install -m 0644 "$src/config/gmsa-keytabd.toml" "$root/etc/gmsa-keytabd/"
gzip -9n <"$src/man/gmsa-keytabd.8" >"$root/usr/share/man/man8/gmsa-keytabd.8.gz"
gzip -9n <"$src/man/gmsa-keytabd.toml.5" >"$root/usr/share/man/man5/gmsa-keytabd.toml.5.gz"
gzip -9n <"$src/README.md" >"$doc/README.md.gz"
install -m 0644 "$src/packaging/deb/copyright" "$doc/copyright"
changelog_date=$(date -u -R -d "@$SOURCE_DATE_EPOCH")
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$changelog_date/" "$src/packaging/deb/changelog.in" | gzip -9n >"$doc/changelog.gz"
chmod 0644 "$root"/usr/share/man/man*/*.gz "$doc"/*

# Depends: what the binary links (dpkg-shlibdeps wants a debian/control to read), plus what it loads or needs
# at run time without linking it: libsasl2 loads the GSSAPI mechanism as a plugin, systemd runs the unit, and
# the unit's ExecReload= is /bin/kill (procps; a minimal Debian 12 has no kill at all).
mkdir "$work/debian"
printf 'Source: gmsa-keytabd\n\nPackage: gmsa-keytabd\nArchitecture: amd64\n' >"$work/debian/control"
shlibs=$(cd "$work" && dpkg-shlibdeps -O --warnings=1 -e"$root/usr/sbin/gmsa-keytabd" | sed -n 's/^shlibs:Depends=//p')
[[ -n $shlibs ]] || die "dpkg-shlibdeps found no dependencies"
depends="$shlibs, libsasl2-modules-gssapi-mit, procps, systemd"

installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$installed_size/" -e "s/@DEPENDS@/$depends/" \
    "$src/packaging/deb/control.in" >"$root/DEBIAN/control"
install -m 0644 "$src/packaging/deb/conffiles" "$root/DEBIAN/conffiles"
install -m 0755 "$src/packaging/deb/postinst" "$src/packaging/deb/prerm" "$src/packaging/deb/postrm" "$root/DEBIAN/"
(cd "$root" && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' -printf '%P\0' | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"
find "$root" -exec touch --no-dereference -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$outdir"
deb=$outdir/gmsa-keytabd_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
printf '%s\n' "$deb"
