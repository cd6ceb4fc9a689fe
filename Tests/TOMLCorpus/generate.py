#!/usr/bin/env python3
"""Writes the TOML corpus that TOMLDifferentialTests compares the Swift parser against.

Each case below is a small document; Python's tomllib (3.11+, the reference here) decides whether it is valid.
A valid one is written to valid/NAME.toml with its value tree in canonical form in valid/NAME.expected; an
invalid one to invalid/NAME.toml. Two rules of TOML 1.0 that tomllib does not apply are applied here: an
integer outside 64 bits is invalid ("an error must be thrown"), and so is nothing else. Run it again after
adding cases:  python3 Tests/TOMLCorpus/generate.py

Canonical form (TOMLDifferentialTests.canonical builds the same): tables {"key":value,...} with keys sorted by
UTF-8 bytes, lists [v,...], strings "..." with \\ \" and control characters (\\u0000 form) escaped, i:INT,
f:HEX64 (the IEEE 754 bits) or f:nan f:inf f:-inf, b:true, odt:/ldt:/ld:/lt: dates with microseconds and,
for odt, @offset-minutes.
"""
import datetime
import math
import os
import shutil
import struct
import sys
import tomllib

CASES = {
    # --- Comments, whitespace, newlines
    "comment-only": "# just a comment\n",
    "empty": "",
    "comment-after-value": 'a = 1 # trailing\nb = "x#y" # hash in string\n',
    "comment-tab": "# a\ttab\na = 1\n",
    "comment-control": "# a\x01b\na = 1\n",
    "comment-del": "# a\x7fb\n",
    "comment-cr-alone": "# a\rb\n",
    "crlf": "a = 1\r\nb = 'x'\r\n[t]\r\nc = true\r\n",
    "cr-alone": "a = 1\rb = 2\n",
    "blank-lines": "\n\n   \n\ta = 1\n\n",
    "no-final-newline": "a = 1",
    # --- Keys
    "key-bare": "key = 1\nbare_key = 2\nbare-key = 3\n1234 = 4\n",
    "key-quoted": '"127.0.0.1" = 1\n"character encoding" = 2\n"ʎǝʞ" = 3\n\'key2\' = 4\n\'quoted "value"\' = 5\n',
    "key-empty-quoted": '"" = 1\n',
    "key-empty-literal": "'' = 1\n",
    "key-empty-bare": "= 1\n",
    "key-dotted": 'name = "Orange"\nphysical.color = "orange"\nphysical.shape = "round"\nsite."google.com" = true\n',
    "key-dotted-spaces": 'fruit.name = "banana"\nfruit. color = "yellow"\nfruit . flavor = "banana"\n',
    "key-duplicate": 'name = "Tom"\nname = "Pradyun"\n',
    "key-duplicate-quoted": 'spelling = "favorite"\n"spelling" = "favourite"\n',
    "key-dotted-over-value": 'fruit.apple = 1\nfruit.apple.smooth = true\n',
    "key-dotted-interleaved": 'apple.type = "fruit"\norange.type = "fruit"\napple.skin = "thin"\norange.skin = "thick"\n',
    "key-numeric-dotted": "3.14159 = \"pi\"\n",
    "key-newline": "a\n= 1\n",
    "key-no-value": "a =\n",
    "key-no-equals": "a 1\n",
    "key-multiline-string": '"""a""" = 1\n',
    "key-space-inside": "a b = 1\n",
    "key-unicode-bare": "é = 1\n",
    "key-after-value": "a = 1 b = 2\n",
    "key-two-equals": "a = = 1\n",
    "key-dot-start": ".a = 1\n",
    "key-dot-end": "a. = 1\n",
    "key-double-dot": "a..b = 1\n",
    "key-escape": '"a\\tb" = 1\n"\\u00e9" = 2\n',
    "key-nfc-distinct": '"\u00e9" = 1\n"e\u0301" = 2\n',
    # --- Strings
    "string-basic": 'str = "I\'m a string. \\"You can quote me\\". Name\\tJos\\u00E9\\nLocation\\tSF."\n',
    "string-escapes": 's = "\\b\\t\\n\\f\\r\\"\\\\ \\u0041 \\U0001F600"\n',
    "string-escape-invalid": 's = "\\q"\n',
    "string-escape-e": 's = "\\e"\n',
    "string-escape-x": 's = "\\x41"\n',
    "string-escape-short-u": 's = "\\u00E"\n',
    "string-escape-surrogate": 's = "\\uD800"\n',
    "string-escape-too-big": 's = "\\U00110000"\n',
    "string-escape-null": 's = "\\u0000"\n',
    "string-control": 's = "a\x01b"\n',
    "string-del": 's = "a\x7fb"\n',
    "string-tab": 's = "a\tb"\n',
    "string-unterminated": 's = "abc\n',
    "string-unterminated-eof": 's = "abc',
    "string-literal": "winpath = 'C:\\Users\\nodejs\\templates'\nquoted = 'Tom \"Dubs\" Preston-Werner'\nregex = '<\\i\\c*\\s*>'\n",
    "string-literal-control": "s = 'a\x01b'\n",
    "string-literal-unterminated": "s = 'abc\n",
    "string-multiline": 'str1 = """\nRoses are red\nViolets are blue"""\n',
    "string-multiline-crlf": 'str1 = """\r\nRoses are red\r\nViolets are blue"""\r\n',
    "string-multiline-backslash": 'str = """\\\n       The quick brown \\\n\n\n       fox jumps over \\\n         the lazy dog."""\nstr2 = """\\\n       The quick brown \\\n       fox jumps over \\\n       the lazy dog.\\\n       """\n',
    "string-multiline-backslash-space": 's = """a \\   \n  b"""\n',
    "string-multiline-backslash-crlf": 's = """a \\\r\n  b"""\n',
    "string-multiline-backslash-not-end": 's = """a \\  b"""\n',
    "string-multiline-quotes": 'str4 = """Here are two quotation marks: "". Simple enough."""\nstr5 = """Here are three quotation marks: ""\\"."""\nstr6 = """Here are fifteen quotation marks: ""\\"""\\"""\\"""\\"""\\"."""\nstr7 = """"This," she said, "is just a pointless statement.""""\n',
    "string-multiline-six-quotes": 's = """a""""""\n',
    "string-multiline-five-quotes": 's = """a"""""\n',
    "string-multiline-empty": 's = """"""\n',
    "string-multiline-control": 's = """a\x00b"""\n',
    "string-multiline-cr": 's = """a\rb"""\n',
    "string-multiline-unterminated": 's = """abc\n\n',
    "string-literal-multiline": "regex2 = '''I [dw]on't need \\d{2} apples'''\nlines  = '''\nThe first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n'''\n",
    "string-literal-multiline-quotes": "quot15 = '''Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"'''\napos15 = \"Here are fifteen apostrophes: '''''''''''''''\"\nstr = ''''That,' she said, 'is still pointless.''''\n",
    "string-literal-multiline-too-many": "apos15 = '''Here are fifteen apostrophes: ''''''''''''''''''\n",
    "string-utf8": 's = "日本語 ünïcödé 😀"\n',
    "string-multiline-escapes": 's = """\\t\\u00e9\\"\\"\\""""\n',
    # --- Integers
    "int-decimal": "int1 = +99\nint2 = 42\nint3 = 0\nint4 = -17\nint5 = 1_000\nint6 = 5_349_221\nint7 = 53_49_221\nint8 = 1_2_3_4_5\nz1 = +0\nz2 = -0\n",
    "int-hex-oct-bin": "hex1 = 0xDEADBEEF\nhex2 = 0xdeadbeef\nhex3 = 0xdead_beef\noct1 = 0o01234567\noct2 = 0o755\nbin1 = 0b11010110\nh0 = 0x0\nh00 = 0x00\n",
    "int-max": "max = 9223372036854775807\nmin = -9223372036854775808\nhmax = 0x7FFFFFFFFFFFFFFF\n",
    "int-overflow": "big = 9223372036854775808\n",
    "int-underflow": "small = -9223372036854775809\n",
    "int-hex-overflow": "big = 0x8000000000000000\n",
    "int-huge": "big = 123456789012345678901234567890\n",
    "int-leading-zero": "a = 012\n",
    "int-leading-zero-sign": "a = +012\n",
    "int-leading-underscore": "a = _1\n",
    "int-trailing-underscore": "a = 1_\n",
    "int-double-underscore": "a = 1__2\n",
    "int-hex-sign": "a = +0xFF\n",
    "int-hex-upper-prefix": "a = 0XFF\n",
    "int-hex-underscore-start": "a = 0x_FF\n",
    "int-hex-empty": "a = 0x\n",
    "int-oct-bad-digit": "a = 0o8\n",
    "int-bin-bad-digit": "a = 0b2\n",
    "int-double-sign": "a = +-1\n",
    "int-sign-only": "a = +\n",
    "int-letters": "a = 12abc\n",
    # --- Floats
    "float": "flt1 = +1.0\nflt2 = 3.1415\nflt3 = -0.01\nflt4 = 5e+22\nflt5 = 1e06\nflt6 = -2E-2\nflt7 = 6.626e-34\nflt8 = 224_617.445_991_228\nflt9 = 0.1\nz = -0.0\npz = +0.0\ne0 = 1e0\nbig = 1e400\ntiny = 1e-400\n",
    "float-special": "sf1 = inf\nsf2 = +inf\nsf3 = -inf\nsf4 = nan\nsf5 = +nan\nsf6 = -nan\n",
    "float-exponent-leading-zeros": "a = 1e007\nb = 1.5E-0_1\n",
    "float-no-leading-digit": "a = .7\n",
    "float-no-trailing-digit": "a = 7.\n",
    "float-no-exponent-digits": "a = 3.e+20\n",
    "float-exponent-empty": "a = 1e\n",
    "float-exponent-dot": "a = 1e2.5\n",
    "float-leading-zero": "a = 03.14\n",
    "float-leading-zero-ok": "a = 0.14\nb = 0e0\nc = -0e1\n",
    "float-underscore-dot": "a = 1_.5\n",
    "float-underscore-after-dot": "a = 1._5\n",
    "float-underscore-exp": "a = 1e_5\n",
    "float-inf-upper": "a = Inf\n",
    "float-nan-upper": "a = NaN\n",
    "float-two-dots": "a = 1.2.3\n",
    "float-long": "a = 3.14159265358979323846264338327950288419716939937510\nb = 123456789012345678901234567890.5\n",
    # --- Booleans
    "bool": "t = true\nf = false\n",
    "bool-upper": "t = True\n",
    "bool-trailing": "t = truex\n",
    "bool-prefix": "t = tru\n",
    # --- Dates and times
    "datetime-offset": "odt1 = 1979-05-27T07:32:00Z\nodt2 = 1979-05-27T00:32:00-07:00\nodt3 = 1979-05-27T00:32:00.999999-07:00\nodt4 = 1979-05-27 07:32:00Z\nodt5 = 1979-05-27t07:32:00z\nodt6 = 1979-05-27T07:32:00+05:30\n",
    "datetime-local": "ldt1 = 1979-05-27T07:32:00\nldt2 = 1979-05-27T00:32:00.999999\nldt3 = 1979-05-27T00:32:00.1234567891\n",
    "date-local": "ld1 = 1979-05-27\nleap = 2000-02-29\n",
    "time-local": "lt1 = 07:32:00\nlt2 = 00:32:00.999999\nlt3 = 23:59:59.5\n",
    "date-in-array": "a = [1979-05-27, 07:32:00, 1979-05-27T07:32:00Z]\n",
    "date-bad-month": "a = 1979-13-27\n",
    "date-bad-day": "a = 1979-04-31\n",
    "date-not-leap": "a = 1900-02-29\n",
    "date-short": "a = 1979-5-27\n",
    "date-no-seconds": "a = 1979-05-27T07:32\n",
    "date-space-no-seconds": "a = 1979-05-27 07:32\n",
    "date-space-digit": "a = 1979-05-27 5\n",
    "date-t-nothing": "a = 1979-05-27T\n",
    "date-bad-hour": "a = 1979-05-27T24:00:00\n",
    "date-leap-second": "a = 1979-05-27T23:59:60Z\n",
    "date-bad-offset": "a = 1979-05-27T07:32:00+24:00\n",
    "date-offset-no-colon": "a = 1979-05-27T07:32:00+0700\n",
    "date-fraction-empty": "a = 07:32:00.\n",
    "time-no-seconds": "a = 07:32\n",
    "time-offset": "a = 07:32:00Z\n",
    "time-bad-minute": "a = 07:60:00\n",
    "date-then-comment": "a = 1979-05-27 # c\nb = 1979-05-27T07:32:00Z# c\n",
    # --- Arrays
    "array": 'integers = [ 1, 2, 3 ]\ncolors = [ "red", "yellow", "green" ]\nnested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]\nnested_mixed_array = [ [ 1, 2 ], ["a", "b", "c"] ]\nstring_array = [ "all", \'strings\', """are the same""", \'\'\'type\'\'\' ]\nnumbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]\ncontributors = [\n  "Foo Bar <foo@example.com>",\n  { name = "Baz Qux", email = "bazqux@example.com", url = "https://example.com/bazqux" }\n]\n',
    "array-multiline": "integers2 = [\n  1, 2, 3\n]\nintegers3 = [\n  1,\n  2, # this is ok\n]\nempty = [ ]\nempty2 = [\n# c\n]\n",
    "array-leading-comma": "a = [,1]\n",
    "array-double-comma": "a = [1,,2]\n",
    "array-only-comma": "a = [,]\n",
    "array-no-comma": "a = [1 2]\n",
    "array-unterminated": "a = [1, 2\n",
    "array-unterminated-eof": "a = [1,",
    "array-brace": "a = [1,}\n",
    "array-of-tables-inline": "points = [ { x = 1, y = 2, z = 3 }, { x = 7, y = 8, z = 9 }, { x = 2, y = 4, z = 8 } ]\n",
    "array-nested-deep": "a = " + "[" * 30 + "]" * 30 + "\n",
    "array-comment-in": "a = [ 1 # one\n, 2 # two\n]\n",
    # --- Inline tables
    "inline": 'name = { first = "Tom", last = "Preston-Werner" }\npoint = { x = 1, y = 2 }\nanimal = { type.name = "pug" }\nempty = {}\nnested = { a = { b = { c = 1 } } }\n',
    "inline-trailing-comma": "a = { b = 1, }\n",
    "inline-newline": "a = { b = 1,\nc = 2 }\n",
    "inline-duplicate": "a = { b = 1, b = 2 }\n",
    "inline-extend-later": '[product]\ntype = { name = "Nail" }\ntype.edible = false\n',
    "inline-extend-header": '[product]\ntype = { name = "Nail" }\n[product.type.x]\n',
    "inline-dotted-conflict": "a = { b = {c = 1}, b.d = 2 }\n",
    "inline-dotted-ok": "a = { b.c = 1, b.d = 2, e = 3 }\n",
    "inline-unterminated": "a = { b = 1\n",
    "inline-no-comma": "a = { b = 1 c = 2 }\n",
    "inline-empty-comma": "a = { , }\n",
    "inline-array-of-tables-extend": "a = [{b = 1}]\n[[a]]\nc = 2\n",
    "inline-header-into-array": "a = [{b = 1}]\n[a.c]\n",
    # --- Tables
    "table": '[table-1]\nkey1 = "some string"\nkey2 = 123\n\n[table-2]\nkey1 = "another string"\nkey2 = 456\n[dog."tater.man"]\ntype.name = "pug"\n[a.b.c]\n[ d.e.f ]\n[ g .  h  . i ]\n[ j . "ʞ" . \'l\' ]\n',
    "table-super-after": "[x.y.z.w]\n[x]\n",
    "table-twice": '[fruit]\napple = "red"\n[fruit]\norange = "orange"\n',
    "table-over-dotted": '[fruit]\napple = "red"\n[fruit.apple]\ntexture = "smooth"\n',
    "table-dotted-then-header": '[fruit]\napple.color = "red"\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true\n',
    "table-dotted-then-header-bad": '[fruit]\napple.color = "red"\n[fruit.apple]\n',
    "table-dotted-then-header-bad2": '[fruit]\napple.taste.sweet = true\n[fruit.apple.taste]\n',
    "table-implicit-then-explicit": "[a.b]\nc = 1\n[a]\nd = 2\n",
    "table-implicit-explicit-twice": "[a.b]\n[a]\n[a]\n",
    "table-dotted-into-implicit": "[a.b.c]\nz = 1\n[a]\nb.d = 2\n",
    "table-dotted-into-header-table": "[a.b]\nz = 1\n[a]\nb.d = 2\n",
    "table-root-dotted-then-header": "a.b = 1\n[a]\nc = 2\n",
    "table-root-dotted-then-subheader": "a.b.c = 1\n[a.b.d]\ne = 2\n",
    "table-empty-name": "[]\n",
    "table-dot-start": "[.a]\n",
    "table-dot-end": "[a.]\n",
    "table-unclosed": "[a\n",
    "table-newline-inside": "[a\n]\n",
    "table-whitespace-brackets": "[ [a]]\n",
    "table-header-value": "[a] = 1\n",
    "table-header-trailing": "[a] b\n",
    "table-header-comment": "[a] # c\nb = 1\n",
    "table-quoted-empty": '[""]\na = 1\n',
    "table-over-value": "a = 1\n[a]\n",
    "table-over-value-deep": "a.b = 1\n[a.b.c]\n",
    "table-array-then-table": "[[a]]\n[a]\n",
    "table-eq": "[=\n",
    "table-hash": "[ #\n",
    "table-brace": "\t[}",
    "table-bracket-eof": "[",
    # --- Arrays of tables
    "aot": '[[products]]\nname = "Hammer"\nsku = 738594937\n\n[[products]]  # empty table within the array\n\n[[products]]\nname = "Nail"\nsku = 284758393\n\ncolor = "gray"\n',
    "aot-nested": '[[fruits]]\nname = "apple"\n\n[fruits.physical]  # subtable\ncolor = "red"\nshape = "round"\n\n[[fruits.varieties]]  # nested array of tables\nname = "red delicious"\n\n[[fruits.varieties]]\nname = "granny smith"\n\n\n[[fruits]]\nname = "banana"\n\n[[fruits.varieties]]\nname = "plantain"\n',
    "aot-subtable-before-parent": '[fruit.physical]\ncolor = "red"\n[[fruit]]\nname = "apple"\n',
    "aot-over-array": 'fruits = []\n[[fruits]]\n',
    "aot-then-table-of-element": "[[a]]\n[a.b]\nc = 1\n[[a]]\n[a.b]\nc = 2\n",
    "aot-element-table-twice": "[[a]]\n[a.b]\n[a.b]\n",
    "aot-over-table": "[a]\n[[a]]\n",
    "aot-unclosed": "[[a]\n",
    "aot-space-in-close": "[[a] ]\n",
    "aot-dotted-into": "[[a]]\n[b]\n[a]\n",
    "aot-dotted-key-into": "[[a.b]]\n[a]\nb.c = 1\n",
    "aot-parent-after": "[[a.b]]\nx = 1\n[a]\ny = 2\n",
    "aot-root-dotted": "[[a]]\nb.c = 1\nb.d = 2\n[[a]]\nb.c = 3\n",
    # --- Values and structure errors
    "value-none": "a = \n",
    "value-bare-word": "a = hello\n",
    "value-single-quote-key-like": "a = 'x' 'y'\n",
    "control-in-bare": "a\x01 = 1\n",
    "nul-bare": "\x00",
    "unicode-space": "a\u00a0= 1\n",
    "bom-mid": "a = 1\n\ufeffb = 2\n",
    "long-key-path": "a" + ".a" * 40 + " = 1\n",
    "many-keys-one-line": "a = {" + ", ".join("k%d = %d" % (i, i) for i in range(200)) + "}\n",
    # --- The TOML 1.0 specification's first example
    "spec-example": '# This is a TOML document\n\ntitle = "TOML Example"\n\n[owner]\nname = "Tom Preston-Werner"\ndob = 1979-05-27T07:32:00-08:00\n\n[database]\nenabled = true\nports = [ 8000, 8001, 8002 ]\ndata = [ ["delta", "phi"], [3.14] ]\ntemp_targets = { cpu = 79.5, case = 72.0 }\n\n[servers]\n\n[servers.alpha]\nip = "10.0.0.1"\nrole = "frontend"\n\n[servers.beta]\nip = "10.0.0.2"\nrole = "backend"\n',
    # --- gmsa-keytabd's own shapes
    "gmsa-every-key": '[domain]\nrealm = "COMPANY.TEST"\nservers = ["dc1.company.test", "dc2.company.test:3389"]\n[host]\nkeytab = "/etc/krb5.keytab"\nprincipal = "LINUXHOST1$"\n[ldap]\ntimeout = 5\npage_size = 100\n[daemon]\nretention = "10h 5m"\n[[account]]\nname = "msa-web$"\nkeytab = "/var/lib/gmsa-keytabd/web.keytab"\nmode = 0o640\non_change = ["systemctl", "try-reload-or-restart", "nginx.service"]\n[[account]]\nname = "msa-db"\nkeytab = \'/k/db.keytab\'\n[discovery]\nenabled = false\n',
}


def escape(text):
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append("\\u%04x" % ord(char))
        else:
            out.append(char)
    return "".join(out)


def canonical(value):
    if isinstance(value, bool):
        return "b:true" if value else "b:false"
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise OverflowError
        return "i:%d" % value
    if isinstance(value, float):
        if math.isnan(value):
            return "f:nan"
        if math.isinf(value):
            return "f:inf" if value > 0 else "f:-inf"
        return "f:%016x" % struct.unpack("<Q", struct.pack("<d", value))[0]
    if isinstance(value, str):
        return '"%s"' % escape(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical(element) for element in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: key.encode())
        return "{" + ",".join('"%s":%s' % (escape(key), canonical(value[key])) for key in keys) + "}"
    if isinstance(value, datetime.datetime):
        text = "%04d-%02d-%02dT%02d:%02d:%02d.%06d" % (
            value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond)
        if value.tzinfo is None:
            return "ldt:" + text
        return "odt:%s@%d" % (text, value.utcoffset() // datetime.timedelta(minutes=1))
    if isinstance(value, datetime.date):
        return "ld:%04d-%02d-%02d" % (value.year, value.month, value.day)
    if isinstance(value, datetime.time):
        return "lt:%02d:%02d:%02d.%06d" % (value.hour, value.minute, value.second, value.microsecond)
    raise TypeError(type(value))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for kind in ("valid", "invalid"):
        shutil.rmtree(os.path.join(here, kind), ignore_errors=True)
        os.makedirs(os.path.join(here, kind))
    counts = {"valid": 0, "invalid": 0}
    for name, text in CASES.items():
        data = text.encode("utf-8")
        try:
            expected = canonical(tomllib.loads(text))
            kind = "valid"
        except (tomllib.TOMLDecodeError, OverflowError):
            kind = "invalid"
        counts[kind] += 1
        with open(os.path.join(here, kind, name + ".toml"), "wb") as file:
            file.write(data)
        if kind == "valid":
            with open(os.path.join(here, kind, name + ".expected"), "w", encoding="utf-8", newline="\n") as file:
                file.write(expected + "\n")
    print("%d valid, %d invalid (tomllib of Python %s)" % (counts["valid"], counts["invalid"], sys.version.split()[0]))


if __name__ == "__main__":
    main()
