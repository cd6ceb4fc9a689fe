#!/usr/bin/env python3
"""Starts a keytab daemon and measures it; used by peer-benchmark.sh.

Usage: peer-measure.py KEYTAB_DIR N IDLE_S LOG -- COMMAND [ARGS...]

KEYTAB_DIR must exist and be empty; the daemon is expected to write N keytabs into it. An inotify watch on the
directory (set before the fork) reports each keytab the moment it is complete: IN_CLOSE_WRITE (written in place,
as gmsad does) or IN_MOVED_TO (renamed into place, as gmsa-keytabd does) of a file whose name ends in .keytab.
The clock starts just before the fork (Popen), so the first figure includes exec and interpreter start-up.
When all N are there, VmHWM (peak RSS so far) is read; after IDLE_S more seconds, VmRSS and smaps_rollup's
Rss, Pss and Private_* (USS). Then SIGTERM (SIGKILL after 10 s). The daemon's output goes to LOG.
Prints one line: PEER first_s=... all_s=... hwm_mib=... rss_mib=... pss_mib=... uss_mib=... idle_hwm_mib=..."""
import ctypes
import os
import select
import signal
import struct
import subprocess
import sys
import time

IN_CLOSE_WRITE = 0x00000008
IN_MOVED_TO = 0x00000080
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000
TIMEOUT_S = 1800


def fail(message):
    print(f"peer-measure: {message}", file=sys.stderr)
    sys.exit(1)


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    fail(f"no {field} in /proc/{pid}/status")


def smaps_rollup_kib(pid):
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                values[parts[0].rstrip(":")] = int(parts[1])
    return values


def main():
    if len(sys.argv) < 7 or sys.argv[5] != "--":
        fail(__doc__.split("\n")[2])
    keytab_dir, expected, idle_s, log_path = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    command = sys.argv[6:]
    if os.listdir(keytab_dir):
        fail(f"{keytab_dir} is not empty")

    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
    if fd < 0 or libc.inotify_add_watch(fd, keytab_dir.encode(), IN_CLOSE_WRITE | IN_MOVED_TO) < 0:
        fail(f"inotify: {os.strerror(ctypes.get_errno())}")

    log = open(log_path, "wb")
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    done = {}
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    try:
        while len(done) < expected:
            if time.monotonic() - start > TIMEOUT_S:
                fail(f"{len(done)} of {expected} keytabs after {TIMEOUT_S} s; see {log_path}")
            if not poller.poll(200):
                if process.poll() is not None:
                    fail(f"the daemon exited with status {process.returncode} after {len(done)} of {expected} "
                         f"keytabs; see {log_path}")
                continue
            now = time.monotonic()
            data = os.read(fd, 65536)
            offset = 0
            while offset < len(data):
                _wd, _mask, _cookie, length = struct.unpack_from("iIII", data, offset)
                name = data[offset + 16:offset + 16 + length].rstrip(b"\0").decode()
                offset += 16 + length
                if name.endswith(".keytab") and name not in done:
                    done[name] = now - start
        hwm = status_kib(process.pid, "VmHWM")
        time.sleep(idle_s)
        if process.poll() is not None:
            fail(f"the daemon exited with status {process.returncode} while idle; see {log_path}")
        rss = status_kib(process.pid, "VmRSS")
        rollup = smaps_rollup_kib(process.pid)
        idle_hwm = status_kib(process.pid, "VmHWM")
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    uss = rollup.get("Private_Clean", 0) + rollup.get("Private_Dirty", 0)
    mib = lambda kib: f"{kib / 1024:.1f}"
    print(f"PEER first_s={min(done.values()):.3f} all_s={max(done.values()):.3f} hwm_mib={mib(hwm)} "
          f"rss_mib={mib(rss)} pss_mib={mib(rollup.get('Pss', 0))} uss_mib={mib(uss)} idle_hwm_mib={mib(idle_hwm)}")


main()
