#!/usr/bin/env python3
"""Describe an msDS-ManagedPassword blob without printing any secret.

  lab/fetch-blob.sh msa-web | lab/blob-info.py [--json]

Prints the header fields, the two intervals (seconds), whether a previous
password is present, and an 8-hex-digit SHA-256 tag of each password (so two
fetches can be compared: "current tag of fetch 1 == previous tag of fetch 2").
"""
import base64
import hashlib
import json
import struct
import sys


def password_tag(blob, off):
    end = off
    while end + 1 < len(blob) and blob[end:end + 2] != b"\0\0":
        end += 2
    return hashlib.sha256(blob[off:end]).hexdigest()[:8], (end - off)


def describe(blob):
    if len(blob) < 16:
        raise ValueError("blob shorter than 16 bytes")
    ver, _res, length, cur, prev, qoff, uoff = struct.unpack_from("<HHIHHHH", blob)
    info = {"version": ver, "length": length, "actual_length": len(blob),
            "current_offset": cur, "previous_offset": prev,
            "query_offset": qoff, "unchanged_offset": uoff,
            "has_previous": prev != 0}
    (query,) = struct.unpack_from("<Q", blob, qoff)
    (unchanged,) = struct.unpack_from("<Q", blob, uoff)
    info["query_interval_s"] = round(query / 1e7, 3)
    info["unchanged_interval_s"] = round(unchanged / 1e7, 3)
    info["current_tag"], info["current_bytes"] = password_tag(blob, cur)
    if prev:
        info["previous_tag"], info["previous_bytes"] = password_tag(blob, prev)
    return info


def main():
    data = sys.stdin.read().strip()
    try:
        info = describe(base64.b64decode(data, validate=True))
    except (ValueError, struct.error) as e:
        sys.exit("blob-info: not a valid blob (%s)" % e)
    if "--json" in sys.argv[1:]:
        print(json.dumps(info, sort_keys=True))
        return
    q = info["query_interval_s"]
    print("version=%(version)d length=%(length)d/%(actual_length)d "
          "offsets=%(current_offset)d/%(previous_offset)d/%(query_offset)d/%(unchanged_offset)d "
          "has_previous=%(has_previous)s" % info)
    print("query_interval=%.1fs (%.2fh) unchanged_interval=%.1fs (%.2fh)"
          % (q, q / 3600, info["unchanged_interval_s"], info["unchanged_interval_s"] / 3600))
    print("current_tag=%s previous_tag=%s"
          % (info["current_tag"], info.get("previous_tag", "-")))


if __name__ == "__main__":
    main()
