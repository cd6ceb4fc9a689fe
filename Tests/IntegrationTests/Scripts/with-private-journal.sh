#!/usr/bin/env bash
# Runs COMMAND with a stand-in journald: inside a private mount namespace a tmpfs hides /run/systemd, and
# datagram-listener.py listens at /run/systemd/journal/socket (where the daemon sends its entries), writing every
# entry to OUTPUT. Nothing outside the namespace changes.
#   with-private-journal.sh OUTPUT COMMAND [ARGS...]
set -euo pipefail
if [[ ${_GMSA_PRIVATE_JOURNAL:-} != 1 ]]; then
    _GMSA_PRIVATE_JOURNAL=1 exec unshare --mount --propagation private -- "$0" "$@"
fi
output=$1
shift
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
mkdir -p /run/systemd
mount -t tmpfs -o mode=0755 tmpfs /run/systemd
mkdir -p /run/systemd/journal
python3 "$here/datagram-listener.py" /run/systemd/journal/socket "$output" &
listener=$!
for _ in $(seq 100); do [[ -e /run/systemd/journal/socket.ready ]] && break; sleep 0.05; done
set +e
"$@"
status=$?
sleep 0.3
# SIGKILL: the test runner may hand its children a blocked SIGTERM; every entry is already on disk.
kill -KILL "$listener" 2>/dev/null
wait "$listener" 2>/dev/null
exit "$status"
