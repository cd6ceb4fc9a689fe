#!/usr/bin/env python3
"""Listens on 127.0.0.1:PORT and forwards every connection to HOST:TARGET_PORT, byte for byte (the SASL layer
passes through unchanged). Stands in for a DC that serves LDAP on another port. Writes PORT.ready once
listening; stops on SIGTERM or after --timeout seconds."""
import signal
import socket
import sys
import threading

port, host, target = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ready = sys.argv[4]
timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 120.0
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))


def pump(source, sink):
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(8)
listener.settimeout(timeout)
open(ready, "w").close()
try:
    while True:
        client, _ = listener.accept()
        upstream = socket.create_connection((host, target))
        threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
except socket.timeout:
    pass
