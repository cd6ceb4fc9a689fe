#!/usr/bin/env python3
"""Runs a command and prints one line: wall seconds, CPU seconds (user+sys), peak RSS in MiB, exit status.
Usage: measure.py COMMAND [ARGS...]   (the command's own output goes to stdout before the figures line)"""
import os
import resource
import subprocess
import sys
import time

start = time.monotonic()
process = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stdout.write(process.stdout)
print(f"MEASURE wall={wall:.2f} cpu={usage.ru_utime + usage.ru_stime:.2f} rss_mib={usage.ru_maxrss / 1024:.1f} status={process.returncode}")
