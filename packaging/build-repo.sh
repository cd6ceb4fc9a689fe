#!/usr/bin/env bash
# Writes (or updates) a signed apt repository holding gmsa-keytabd packages, one suite per Debian release.
#
#   packaging/build-repo.sh REPO_DIR DEB...
#
# Each package goes to the suite its version names (+deb12: bookworm, +deb13: trixie); a newer version
# replaces the one before it in that suite. The repository is managed by reprepro (its conf/ and db/ live in
# REPO_DIR too); what a web server publishes is REPO_DIR/dists and REPO_DIR/pool, plus the public key
# REPO_DIR/gmsa-keytabd-archive-keyring.gpg for the hosts' Signed-By=.
#
# Signing: GMSA_REPO_GNUPGHOME (default: REPO_DIR/../apt-signing-key) is the GnuPG home, GMSA_REPO_KEY the
# fingerprint of the key to sign with (default: the only secret key there). When that home holds no secret
# key, a throwaway key is generated in it, for tests: publish nothing signed with it.
set -euo pipefail

die() { printf 'build-repo: ERROR: %s\n' "$*" >&2; exit 1; }
log() { printf 'build-repo: %s\n' "$*" >&2; }

(($# >= 2)) || die "usage: $0 REPO_DIR DEB..."
repo=$1
shift
for tool in reprepro gpg; do
    command -v "$tool" >/dev/null || die "$tool not found (apt-get install reprepro gnupg)"
done
mkdir -p "$repo/conf"
repo=$(cd -- "$repo" && pwd -P)
export GNUPGHOME=${GMSA_REPO_GNUPGHOME:-$(dirname -- "$repo")/apt-signing-key}
mkdir -p "$GNUPGHOME"
chmod 0700 "$GNUPGHOME"

secret_keys() { gpg --batch --with-colons --list-secret-keys 2>/dev/null | awk -F: '$1 == "fpr" { print $10 }' | sort -u; }
key=${GMSA_REPO_KEY:-}
if [[ -z $key ]]; then
    if [[ -z $(secret_keys) ]]; then
        log "no signing key in $GNUPGHOME: generating a throwaway test key (set GMSA_REPO_GNUPGHOME and GMSA_REPO_KEY to sign with yours)"
        gpg --batch --quiet --passphrase '' \
            --quick-gen-key 'gmsa-keytabd test repository (throwaway) <gmsa-keytabd@example.org>' rsa3072 sign 2y
    fi
    mapfile -t keys < <(secret_keys)
    ((${#keys[@]} == 1)) || die "$GNUPGHOME holds ${#keys[@]} secret keys: set GMSA_REPO_KEY to the fingerprint to sign with"
    # Only primary key fingerprints sign here (no subkeys were made for the throwaway key).
    key=${keys[0]}
fi
gpg --batch --list-secret-keys "$key" >/dev/null 2>&1 || die "no secret key $key in $GNUPGHOME"

# One suite per release; the codename is what a host's sources entry names (Suites: trixie).
{
    for release in bookworm:12 trixie:13; do
        printf 'Origin: gmsa-keytabd\nLabel: gmsa-keytabd\nCodename: %s\nArchitectures: amd64\nComponents: main\n' "${release%%:*}"
        printf 'Description: gmsa-keytabd for Debian %s (%s)\nSignWith: %s\n\n' "${release##*:}" "${release%%:*}" "$key"
    done
} >"$repo/conf/distributions"

for deb in "$@"; do
    [[ -f $deb ]] || die "$deb not found"
    version=$(dpkg-deb -f "$deb" Version)
    case $version in
    *+deb12) suite=bookworm ;;
    *+deb13) suite=trixie ;;
    *) die "$deb: version $version names no release (+deb12, +deb13); build it with packaging/build-deb.sh" ;;
    esac
    reprepro --silent -b "$repo" includedeb "$suite" "$deb"
    log "$suite: gmsa-keytabd $version"
done
# Re-sign every suite's index, also those this run did not touch (the key may have changed).
reprepro --silent -b "$repo" export
gpg --batch --yes --export "$key" >"$repo/gmsa-keytabd-archive-keyring.gpg"
log "signed with $key; public key: $repo/gmsa-keytabd-archive-keyring.gpg"
printf '%s\n' "$repo"
