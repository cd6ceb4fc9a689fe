#!/usr/bin/env bash
# Inside a lab: print the msDS-ManagedPassword blob of gMSA NAME as one line
# of base64, read over sealed SASL/GSSAPI as the lab's member host.
#   lab/fetch-blob.sh NAME        (NAME = msa-web or msa-web$)
# Exit 1 with a message on stderr if the account is missing or the blob is
# absent (e.g. the host is not allowed to read it).
set -euo pipefail
LAB_SRC=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=fetch-lib.sh
. "$LAB_SRC/fetch-lib.sh"

(($# == 1)) || { echo "usage: $0 NAME" >&2; exit 2; }
fetch_entry "$1" msDS-ManagedPassword
value=$(fetch_value msDS-ManagedPassword)
[[ -n $value ]] || fetch_die "no msDS-ManagedPassword returned for $FETCH_SAM (is $LAB_HOST_PRINCIPAL allowed to read it?)"
printf '%s\n' "$value"
