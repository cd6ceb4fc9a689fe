#!/usr/bin/env bash
# Inside a lab: write Samba's own keytab for gMSA NAME to OUT, computed on the
# DC side by `samba-tool domain exportkeytab` from sam.ldb (a reference to
# compare the daemon's keytab with). Keys for NAME$@REALM only; Samba exports
# SPN principals with RC4 keys only. Under time travel, run it through
# `lab/lab-faketime.sh exec`.
#   lab/ref-keytab.sh NAME OUT [--only-current-keys]
set -euo pipefail
(($# >= 2)) || { echo "usage: $0 NAME OUT [exportkeytab options]" >&2; exit 2; }
[[ -n ${LAB_SAM_LDB:-} ]] || { echo "$0: run this inside the lab" >&2; exit 2; }
name=${1%\$}
out=$2
shift 2
if ! log=$(samba-tool domain exportkeytab "$out" -H "$LAB_SAM_LDB" -s "$LAB_SMB_CONF" \
    --principal="$name\$" "$@" 2>&1); then
    printf '%s: exportkeytab failed: %s\n' "${0##*/}" "$log" >&2
    exit 1
fi
