#!/usr/bin/env python3
"""Search a core dump for a gMSA's secrets and say where each hit lies, without printing any secret.

  lab/memdump-search.py CORE MAPS REALM BLOB KEYTAB [BLOB KEYTAB...]

CORE: an ELF core (gdb's gcore). MAPS: /proc/PID/maps captured while the process was stopped for the dump.
BLOB: an msDS-ManagedPassword blob (raw bytes); KEYTAB: the keytab the daemon wrote from it. The needles:
the blob; each password (UTF-16LE as the blob holds it, and the "munged" UTF-8 string-to-key takes, see
docs/protocol.md section 2); each PBKDF2 intermediate key; each key in the keytab. A needle is found whole,
or in part: any 16-byte piece of it at a 16-byte step (a leftover whose start was overwritten, for instance
by malloc's free-list pointers).

Each hit is described by where it lies: the mapping (the heap, a thread's arena, a library), and what holds
it, judged from the bytes around it: "decoded LDAP stream" when the blob copy is followed, without a gap, by
the rest of its SearchResultEntry and the next message (a reply as it came off the wire, after the SASL
layer: a buffer of the whole stream, not libldap's buffer of one message), with the buffer named by what
follows the stream's end. The copy's start may have been reused by a later allocation. Output: one line per
needle, one per hit, then "hits: N" (all) and "unexplained: M" (hits not in a decoded LDAP stream). The
bytes are never printed.
"""
import hashlib
import mmap
import re
import struct
import sys

PIECE = 16


def keytab_keys(data):
    """(principal, kvno, enctype, key) of every entry of a keytab (version 0x0502)."""
    if data[:2] != b"\x05\x02":
        raise ValueError("not a keytab (version 0x0502)")
    keys, pos = [], 2
    while pos + 4 <= len(data):
        (size,) = struct.unpack_from(">i", data, pos)
        pos += 4
        if size <= 0:
            pos += -size
            continue
        entry, pos = data[pos:pos + size], pos + size
        (count,) = struct.unpack_from(">H", entry, 0)
        at = 2
        parts = []
        for _ in range(count + 1):
            (length,) = struct.unpack_from(">H", entry, at)
            parts.append(entry[at + 2:at + 2 + length].decode())
            at += 2 + length
        at += 4 + 4  # name type, timestamp
        kvno = entry[at]
        at += 1
        enctype, length = struct.unpack_from(">HH", entry, at)
        key = entry[at + 4:at + 4 + length]
        at += 4 + length
        if at + 4 <= len(entry):
            (kvno,) = struct.unpack_from(">I", entry, at)
        principal = "/".join(parts[1:]) + "@" + parts[0]
        keys.append((principal, kvno, enctype, bytes(key)))
    return keys


def passwords(blob):
    """(field name, UTF-16LE bytes) of the current and the previous password."""
    _ver, _res, _len, current, previous, _q, _u = struct.unpack_from("<HHIHHHH", blob)
    found = []
    for name, offset in (("current", current), ("previous", previous)):
        if offset == 0:
            continue
        end = offset
        while end + 1 < len(blob) and blob[end:end + 2] != b"\0\0":
            end += 2
        found.append((name, blob[offset:end]))
    return found


def munged_utf8(utf16):
    """UTF-16LE to UTF-8, each unpaired surrogate as one U+FFFD (docs/protocol.md section 2)."""
    units = struct.unpack("<%dH" % (len(utf16) // 2), utf16)
    out, i = [], 0
    while i < len(units):
        unit = units[i]
        if 0xD800 <= unit < 0xDC00 and i + 1 < len(units) and 0xDC00 <= units[i + 1] < 0xE000:
            out.append(chr(0x10000 + ((unit - 0xD800) << 10) + (units[i + 1] - 0xDC00)))
            i += 2
            continue
        out.append("\ufffd" if 0xD800 <= unit < 0xE000 else chr(unit))
        i += 1
    return "".join(out).encode("utf-8")


def needles(realm, pairs):
    """(label, bytes) of every secret of every (blob, keytab) pair."""
    result = []
    for blob, keytab in pairs:
        keys = keytab_keys(keytab)
        account = keys[0][0].split("@")[0]
        short = account.rstrip("$")
        salt = (realm + "host" + short.lower() + "." + realm.lower()).encode()
        # The blob up to its intervals, which are counted from each read and so differ between reads.
        (query,) = struct.unpack_from("<H", blob, 12)
        result.append((account + " blob", blob[:query]))
        for name, utf16 in passwords(blob):
            utf8 = munged_utf8(utf16)
            result.append((account + " %s password (UTF-16LE)" % name, utf16))
            result.append((account + " %s password (UTF-8)" % name, utf8))
            result.append((account + " %s PBKDF2 intermediate" % name, hashlib.pbkdf2_hmac("sha1", utf8, salt, 4096, 32)))
        # One needle per key: a keytab lists each key under every principal (the account and its SPNs).
        for kvno, enctype, key in sorted({(kvno, enctype, key) for _principal, kvno, enctype, key in keys}):
            result.append((account + " key kvno %d enctype %d" % (kvno, enctype), key))
    return result


def thread_stack_pointers(core):
    """The stack pointer of every thread in an x86-64 core (NT_PRSTATUS notes)."""
    phoff, = struct.unpack_from("<Q", core, 32)
    phentsize, phnum = struct.unpack_from("<HH", core, 54)
    pointers = []
    for index in range(phnum):
        ptype, _flags, offset, _vaddr, _paddr, filesz = struct.unpack_from("<IIQQQQ", core, phoff + index * phentsize)
        if ptype != 4:
            continue
        at = offset
        while at + 12 <= offset + filesz:
            namesz, descsz, ntype = struct.unpack_from("<III", core, at)
            desc = at + 12 + ((namesz + 3) & ~3)
            if ntype == 1 and descsz >= 112 + 27 * 8:
                # elf_prstatus: pr_reg (user_regs_struct) at 112; rsp is its 20th register.
                pointers.append(struct.unpack_from("<Q", core, desc + 112 + 19 * 8)[0])
            at = desc + ((descsz + 3) & ~3)
    return pointers


def load_segments(core):
    """(vaddr, offset, filesz) of every PT_LOAD segment of an ELF64 core."""
    if core[:4] != b"\x7fELF" or core[4] != 2:
        raise ValueError("not an ELF64 core")
    phoff, = struct.unpack_from("<Q", core, 32)
    phentsize, phnum = struct.unpack_from("<HH", core, 54)
    segments = []
    for index in range(phnum):
        ptype, _flags, offset, vaddr, _paddr, filesz = struct.unpack_from("<IIQQQQ", core, phoff + index * phentsize)
        if ptype == 1 and filesz > 0:
            segments.append((vaddr, offset, filesz))
    return segments


def read_maps(path):
    maps = []
    with open(path) as f:
        for line in f:
            fields = line.split(None, 5)
            start, end = (int(x, 16) for x in fields[0].split("-"))
            name = fields[5].strip() if len(fields) > 5 else ""
            maps.append((start, end, fields[1], name))
    return maps


def mapping_label(maps, stack_pointers, address):
    for index, (start, end, perms, name) in enumerate(maps):
        if start <= address < end:
            if name:
                return name.rsplit("/", 1)[-1]
            # An anonymous mapping right after a library's last mapping is its .bss.
            if index > 0 and maps[index - 1][1] == start and maps[index - 1][3].startswith("/"):
                return maps[index - 1][3].rsplit("/", 1)[-1] + " (bss)"
            if any(start <= sp < end for sp in stack_pointers):
                return "a live thread's stack"
            # glibc puts a guard page right below a thread's stack (and keeps the stack of a thread that ended
            # for the next one); a malloc arena has its reserve above it instead.
            if index > 0 and maps[index - 1][1] == start and maps[index - 1][2].startswith("---"):
                return "a thread stack (of a thread that ended, kept by glibc for the next)"
            return "anonymous %s mapping (a thread's malloc arena or an mmap'd block)" % perms
    return "outside every mapping"


class Core:
    def __init__(self, path, maps):
        self.file = open(path, "rb")
        self.data = mmap.mmap(self.file.fileno(), 0, access=mmap.ACCESS_READ)
        self.segments = load_segments(self.data)
        self.stack_pointers = thread_stack_pointers(self.data)
        self.maps = maps

    def size(self):
        return sum(s[2] for s in self.segments)

    def find_all(self, needle):
        """Virtual addresses of every occurrence of needle in the dumped memory."""
        hits = []
        for vaddr, offset, filesz in self.segments:
            at = self.data.find(needle, offset, offset + filesz)
            while at >= 0:
                hits.append(vaddr + at - offset)
                at = self.data.find(needle, at + 1, offset + filesz)
        return hits

    def read(self, address, count):
        for vaddr, offset, filesz in self.segments:
            if vaddr <= address and address + count <= vaddr + filesz:
                return self.data[offset + address - vaddr:offset + address - vaddr + count]
        return b""


def holder(core, address, blobs):
    """What holds the bytes at address, judged from their surroundings.

    A blob copy in a decoded LDAP stream is a library's: the stream buffers (MIT's gss_unwrap output,
    libldap's SASL socket buffer) are freed as they are, while libldap's buffer of one message has the entry's
    attributes, the attribute name included, zeroed before it is freed (DirectoryConnection, checked by
    DirectoryWipeAgainstLabTests). So a copy is in a stream when the msDS-ManagedPassword attribute header
    is still right before it, or the rest of the reply follows it; its start or its end may have been reused
    by later allocations (malloc's list pointers, a split chunk's header).
    """
    piece = core.read(address, PIECE)
    for blob in blobs:
        # The hit is a piece of a blob copy: find where that copy would start.
        offset = blob.find(piece)
        while offset >= 0:
            start = address - offset
            stream, end = stream_after(core, start + len(blob))
            if not stream:
                # A freed stream buffer that malloc split right after the entry: the new chunk's header and
                # list pointers (up to 32 bytes) lie between the entry and the next message of the reply.
                gap = core.read(start + len(blob), 64)
                found = re.search(rb"\x30(?:[\x00-\x7f]|\x81.|\x82..|\x84....)\x02\x01.[\x64\x65\x73]", gap, re.S)
                if found is not None and found.start() <= 48:
                    stream, end = True, stream_after(core, start + len(blob) + found.start())[1]
            headed = b"msds-managedpassword" in core.read(start - 48, 48).lower()
            if stream or headed:
                return "in a decoded LDAP stream" + pdu_buffer(core, end)
            if core.read(start, PIECE) == blob[:PIECE]:
                return "in a bare copy of the blob"
            offset = blob.find(piece, offset + 1)
    return "outside any blob copy"


def stream_after(core, at):
    """(whether an LDAP stream goes on right after a blob value, where it ends or None when not reached).

    A decoded search reply goes on, without a gap, with the entry's next attributes (30 LL 04 LL name ...),
    then the next message: a SearchResultEntry (30 LL 02 01 ID 64) or the SearchResultDone (30 0c 02 01 ID 65
    07 0a ...). Only a buffer of the whole stream (MIT's gss_unwrap output, libldap's SASL socket buffer)
    holds the next message right after an entry; libldap's buffer of one message (wiped when freed) ends with
    the entry. The end is the address right after the SearchResultDone.
    """
    stream = False
    for _ in range(256):
        data = core.read(at, 8)
        if len(data) < 8 or data[0] != 0x30:
            break
        length, size = ber_length(data[1:])
        if length is None:
            break
        body = at + 1 + size
        content = core.read(body, 4)
        if len(content) == 4 and content[:2] == b"\x02\x01" and content[3] == 0x65:
            return True, body + length
        if len(content) == 4 and content[:2] == b"\x02\x01" and content[3] == 0x64:
            stream = True
            at = skip_entry_header(core, at)
            if at is None:
                break
        elif content[:1] == b"\x04" or (content[:2] == b"\x02\x01" and content[3] == 0x73):
            # The entry's next attribute, or a SearchResultReference.
            at = body + length
        else:
            break
    return stream, None


def ber_length(data):
    """(length, bytes used) of a BER definite length, (None, 0) for anything else."""
    if not data:
        return None, 0
    if data[0] < 0x80:
        return data[0], 1
    count = data[0] & 0x7F
    if count == 0 or count > 4 or len(data) < 1 + count:
        return None, 0
    return int.from_bytes(data[1:1 + count], "big"), 1 + count


def skip_entry_header(core, at):
    """The address of the first attribute of the SearchResultEntry whose message starts at `at`."""
    data = core.read(at, 16)
    _length, size = ber_length(data[1:])
    at += 1 + size + 3  # message SEQUENCE, message ID (02 01 ID)
    data = core.read(at, 8)
    if not data or data[0] != 0x64:
        return None
    _length, size = ber_length(data[1:])
    at += 1 + size
    data = core.read(at, 8)  # the DN: 04 LL ...
    if not data or data[0] != 0x04:
        return None
    length, size = ber_length(data[1:])
    if length is None:
        return None
    at += 1 + size + length
    data = core.read(at, 8)  # the attribute list: 30 LL
    if not data or data[0] != 0x30:
        return None
    _length, size = ber_length(data[1:])
    return at + 1 + size


def pdu_buffer(core, stream_end):
    """Which buffer holds a decoded LDAP stream, told by what follows its end (`None`: not reached).

    The stream of a search ends with its SearchResultDone (30 0c 02 01 ID 65 ...). MIT's gss_unwrap leaves
    the wrap token's encrypted header copy (RFC 4121 4.2.4: 05 04, flags, filler 0xff, EC, RRC, sequence
    number) right after the plaintext it returns; cyrus-sasl and libldap copy only the plaintext. So a stream
    followed by 05 04 .. ff is MIT's gss_unwrap output; one followed by anything else is a copy: libldap's
    SASL socket buffer (cyrus-sasl's own decode buffer is wiped by the wiping allocator when it is freed).
    A stream whose end was reused by a later allocation (freed, then the heap gave its end away) is one of
    the two, which are the only unwiped holders of the decoded stream (README, "Secrets").
    """
    if stream_end is None:
        return ": MIT GSS-API's gss_unwrap output or libldap's SASL socket buffer (freed; its end reused)"
    trailer = core.read(stream_end, 4)
    if len(trailer) == 4 and trailer[0] == 0x05 and trailer[1] == 0x04 and trailer[3] == 0xFF:
        return ": MIT GSS-API's gss_unwrap output buffer (freed unwiped by gss_release_buffer)"
    return ": libldap's SASL socket buffer (freed unwiped at unbind, or still in use)"


def main():
    if len(sys.argv) < 6 or (len(sys.argv) - 4) % 2:
        sys.exit(__doc__)
    core_path, maps_path, realm = sys.argv[1:4]
    pairs = []
    for index in range(4, len(sys.argv), 2):
        with open(sys.argv[index], "rb") as blob, open(sys.argv[index + 1], "rb") as keytab:
            pairs.append((blob.read(), keytab.read()))
    core = Core(core_path, read_maps(maps_path))
    blobs = [blob for blob, _ in pairs]
    print("dump: %.1f MiB of memory in %d segments" % (core.size() / 1048576, len(core.segments)))
    heap = [start for start, _end, _perms, name in core.maps if name == "[heap]"]
    dumped = heap and any(vaddr <= heap[0] < vaddr + size for vaddr, _offset, size in core.segments)
    print("heap dumped: %s" % ("yes" if dumped else "no"))
    total = unexplained = 0
    for label, needle in needles(realm, pairs):
        whole = core.find_all(needle)
        pieces = {}
        # A blob's first piece is its header, the same in every blob of that layout: not a secret.
        for offset in range(PIECE if label.endswith(" blob") else 0, len(needle) - PIECE + 1, PIECE):
            for address in core.find_all(needle[offset:offset + PIECE]):
                pieces.setdefault(address - offset, address)
        partial = [pieces[start] for start in sorted(pieces) if start not in whole]
        print("needle: %s (%d bytes): %d whole, %d partial" % (label, len(needle), len(whole), len(partial)))
        for kind, addresses in (("whole", whole), ("partial", partial)):
            for address in addresses:
                where = holder(core, address, blobs)
                total += 1
                if "decoded LDAP stream" not in where:
                    unexplained += 1
                print("  hit (%s) at 0x%x: %s, %s" % (kind, address, mapping_label(core.maps, core.stack_pointers, address), where))
    print("hits: %d" % total)
    print("unexplained: %d" % unexplained)


if __name__ == "__main__":
    main()
