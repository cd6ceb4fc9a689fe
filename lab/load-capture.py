#!/usr/bin/python3
"""What the lab DC receives on loopback, for lab/load-test.sh (run inside the lab namespace, as root).

  load-capture.py capture EVENTS
      Records, until SIGTERM, one line per packet of interest seen on `lo` (AF_PACKET, IPv4, real clock):
        S TIME PORT DPORT   a client's SYN to the DC's LDAP (389) or Kerberos (88) port; PORT = client port
        D TIME PORT         a reply with payload from the DC's 389 to client port PORT
        F TIME PORT         the client's FIN on its connection to 389
        U TIME              a Kerberos request over UDP (to port 88)
      Headers only: LDAP is sealed (GSSAPI) anyway, and no payload byte is kept.

  load-capture.py report EVENTS NAME:START:END...
      One row per phase (times on the real clock, epoch seconds): LDAP connections (each is one SASL bind
      and the searches of one pass), Kerberos requests, the span from first to last connection, the average
      and peak (busiest 1-second bucket) connections per second, and the read latency of each connection,
      from its SYN to the DC's last reply before the client closes: median, 95th percentile, worst.
"""
import signal
import socket
import struct
import sys

LDAP, KDC = 389, 88


def capture(path):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
    sock.bind(("lo", 0))
    # Kernel receive times: the capture may lag behind on a busy machine. SO_TIMESTAMP is 29 on Linux
    # (Python 3.11 has no constant for it).
    stamp = getattr(socket, "SO_TIMESTAMP", 29)
    sock.setsockopt(socket.SOL_SOCKET, stamp, 1)
    sock.settimeout(0.5)
    running = True

    def stop(*_):
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with open(path, "w", buffering=1) as out:
        while running:
            try:
                data, ancillary, _, address = sock.recvmsg(128, socket.CMSG_SPACE(16))
            except (InterruptedError, socket.timeout):
                continue
            if address[2] == socket.PACKET_OUTGOING:  # loopback shows each packet twice
                continue
            when = None
            for level, kind, value in ancillary:
                if level == socket.SOL_SOCKET and kind == stamp and len(value) >= 16:
                    seconds, micros = struct.unpack("qq", value[:16])
                    when = seconds + micros / 1e6
            if when is None or len(data) < 20:
                continue
            header = (data[0] & 0x0F) * 4
            total = struct.unpack("!H", data[2:4])[0]
            protocol = data[9]
            if protocol == 17 and len(data) >= header + 4:
                dport = struct.unpack("!H", data[header + 2:header + 4])[0]
                if dport == KDC:
                    out.write("U %.6f\n" % when)
            elif protocol == 6 and len(data) >= header + 14:
                sport, dport = struct.unpack("!HH", data[header:header + 4])
                offset = (data[header + 12] >> 4) * 4
                flags = data[header + 13]
                payload = total - header - offset
                if dport in (LDAP, KDC) and flags & 0x02 and not flags & 0x10:
                    out.write("S %.6f %d %d\n" % (when, sport, dport))
                elif dport == LDAP and flags & 0x01:
                    out.write("F %.6f %d\n" % (when, sport))
                elif sport == LDAP and payload > 0:
                    out.write("D %.6f %d\n" % (when, dport))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(path, phases):
    connections = []  # [syn, last reply, closed]
    kerberos = []
    open_by_port = {}
    for line in open(path):
        fields = line.split()
        if len(fields) < 2:
            continue
        kind, when = fields[0], float(fields[1])
        if kind == "U" or (kind == "S" and int(fields[3]) == KDC):
            kerberos.append(when)
        elif kind == "S":
            connection = [when, None, None]
            connections.append(connection)
            open_by_port[int(fields[2])] = connection
        elif kind in "DF" and int(fields[2]) in open_by_port:
            connection = open_by_port[int(fields[2])]
            if kind == "D" and connection[2] is None:
                connection[1] = when
            elif kind == "F":
                connection[2] = when
                del open_by_port[int(fields[2])]
    print("%-14s %6s %6s %8s %9s %9s %10s %10s %10s" % (
        "phase", "ldap", "krb5", "span s", "avg /s", "peak /s", "lat p50", "lat p95", "lat max"))
    for phase in phases:
        name, start, end = phase.split(":")
        start, end = float(start), float(end)
        inside = [c for c in connections if start <= c[0] < end]
        krb = [t for t in kerberos if start <= t < end]
        latencies = [(c[1] - c[0]) * 1000 for c in inside if c[1] is not None]
        if inside:
            first, last = inside[0][0], inside[-1][0]
            span = last - first
            buckets = {}
            for c in inside:
                second = int(c[0] - first)
                buckets[second] = buckets.get(second, 0) + 1
            average = len(inside) / max(span, 1.0)
            peak = max(buckets.values())
        else:
            span = average = peak = 0
        lat = ("%8.0fms" % percentile(latencies, 0.5), "%8.0fms" % percentile(latencies, 0.95),
               "%8.0fms" % max(latencies)) if latencies else ("-", "-", "-")
        print("%-14s %6d %6d %8.1f %9.2f %9d %10s %10s %10s" % (
            name, len(inside), len(krb), span, average, peak, *lat))
    unanswered = [c for c in connections if c[1] is None]
    if unanswered:
        print("connections without any reply from the DC: %d" % len(unanswered))
    return 0


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "capture":
        return capture(sys.argv[2]) or 0
    if len(sys.argv) >= 4 and sys.argv[1] == "report":
        return report(sys.argv[2], sys.argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
