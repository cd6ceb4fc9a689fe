#!/usr/bin/env python3
"""Binds a Unix datagram socket at PATH and appends every datagram it receives to OUTPUT as one JSON line
(the text, decoded as UTF-8 with replacement). Used by the integration tests to stand in for journald's
socket and for systemd's NOTIFY_SOCKET. Stops on SIGTERM or after --timeout seconds."""
import json
import os
import signal
import socket
import sys

path, output = sys.argv[1], sys.argv[2]
timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 300.0
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
if os.path.exists(path):
    os.unlink(path)
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
os.chmod(path, 0o666)
sock.settimeout(timeout)
with open(path + ".ready", "w") as ready:
    ready.write("ready\n")
with open(output, "a", buffering=1) as out:
    while True:
        try:
            data = sock.recv(1 << 20)
        except socket.timeout:
            break
        out.write(json.dumps(data.decode("utf-8", "replace")) + "\n")
