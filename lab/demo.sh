#!/usr/bin/env bash
# `make demo`: the main job on an embedded default. Inside a throwaway lab DC (lab/lab.sh run lab/demo.sh):
# checks the setup, runs the daemon against the DC, shows the keytabs it writes, and authenticates with one.
set -euo pipefail
[[ -n ${LAB_DIR:-} ]] || { echo "run inside the lab: lab/lab.sh run $0" >&2; exit 2; }
binary=${GMSA_KEYTABD:?set GMSA_KEYTABD to the gmsa-keytabd binary}
demo=$LAB_DIR/demo
mkdir -p "$demo/keytabs"
cat >"$demo/gmsa-keytabd.toml" <<EOT
# The demo's configuration: the lab domain, this lab host's keytab, every gMSA the host may read.
[domain]
realm = "$LAB_REALM"

[host]
keytab = "$LAB_HOST_KEYTAB"

[daemon]
state_directory = "$demo/state"

[discovery]
enabled = true
keytab = "$demo/keytabs/{account}.keytab"
EOT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "configuration ($demo/gmsa-keytabd.toml)"
grep -v '^#' "$demo/gmsa-keytabd.toml" | sed '/^$/d'

step "gmsa-keytabd check  (writes nothing, so every keytab is still MISSING; msa-denied is deliberately not authorized)"
"$binary" check -c "$demo/gmsa-keytabd.toml" || true

step "gmsa-keytabd run  (the daemon, logging to stderr; stopped after its first pass)"
"$binary" run -c "$demo/gmsa-keytabd.toml" --log-target stderr &
daemon=$!
for _ in $(seq 150); do
    [[ -s $demo/state/state.json ]] && grep -q lastSuccess "$demo/state/state.json" && break
    sleep 0.2
done
sleep 1

step "gmsa-keytabd status"
"$binary" status -c "$demo/gmsa-keytabd.toml" || true
kill -TERM "$daemon"
wait "$daemon" || true

step "the keytabs it wrote"
ls -l "$demo/keytabs"
klist -kte "$demo/keytabs/msa-web.keytab"

step "kinit with a keytab, then a service ticket for its SPN checked against the keytab"
export KRB5CCNAME=FILE:$demo/ccache
kinit -k -t "$demo/keytabs/msa-web.keytab" 'msa-web$'
klist
kvno -k "$demo/keytabs/msa-web.keytab" HTTP/web.company.test
printf '\nThe demo domain and its keytabs are removed when this script ends.\n'
