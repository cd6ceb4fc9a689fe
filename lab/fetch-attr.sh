#!/usr/bin/env bash
# Inside a lab: print attribute ATTR of gMSA NAME, one value per line, read as
# the lab's member host (sealed SASL/GSSAPI).  Binary values are printed as
# base64 (ldapsearch's "attr::" form).
#   lab/fetch-attr.sh NAME ATTR   e.g. lab/fetch-attr.sh msa-web msDS-KeyVersionNumber
set -euo pipefail
LAB_SRC=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=fetch-lib.sh
. "$LAB_SRC/fetch-lib.sh"

(($# == 2)) || { echo "usage: $0 NAME ATTR" >&2; exit 2; }
fetch_entry "$1" "$2"
value=$(fetch_value "$2")
[[ -n $value ]] || fetch_die "attribute $2 not returned for $FETCH_SAM"
printf '%s\n' "$value"
