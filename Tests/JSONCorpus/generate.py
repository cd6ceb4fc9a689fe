#!/usr/bin/env python3
"""Writes the JSON corpus that JSONDifferentialTests compares the Swift parser and writer against.

Each case below is a small document (bytes); Python's json module, made strict, decides whether it is valid.
A valid one is written to valid/NAME.json with its value in canonical form in valid/NAME.expected.json; an
invalid one to invalid/NAME.json. Run it again after adding cases:  python3 Tests/JSONCorpus/generate.py

Strict means RFC 8259 and the rules of JSONValue.parse, which json.loads alone does not apply:
- the bytes must be UTF-8 (bytes.decode("utf-8"), which rejects overlong forms, encoded surrogates, code
  points above U+10FFFF and cut sequences) and must not start with a byte order mark;
- NaN, Infinity and -Infinity are errors (parse_constant);
- a key given twice in one object is an error (object_pairs_hook), and so are two keys that are canonically
  equivalent (the same after NFC normalisation): Swift's String, the key type of JSONValue.object, compares
  such strings equal, so the parser cannot keep both;
- a lone or mismatched surrogate in a \\u escape is an error (json.loads keeps it in the str);
- arrays and objects nested more than 64 deep are an error.

Canonical form (JSONValue.serialized writes the same): 2-space indent, "key": value, keys sorted by their
UTF-8 bytes, [] and {} when empty, strings as json.dumps(ensure_ascii=False) writes them (", \\ and U+0000 to
U+001F escaped, \\b \\f \\n \\r \\t short, the others \\u00xx), numbers as written in the input, final newline.
"""
import json
import os
import shutil
import sys
import unicodedata

MAXIMUM_DEPTH = 64


def nested(depth, opening="[", closing="]"):
    return (opening * depth + closing * depth).encode()


def nested_objects(depth):
    return ('{"a":' * depth + "1" + "}" * depth).encode()


STATE = """{
  "version": 1,
  "accounts": {
    "msa-web$": {
      "keytab": "/var/lib/gmsa-keytabd/web.keytab",
      "keyVersion": 4,
      "keytabKeyVersions": [4, 3],
      "lastSuccess": "2026-11-20T10:00:00Z",
      "passwordLastSet": 134077536000000000,
      "retainedUntil": {"3": "2026-11-20T20:00:00Z"},
      "keytabFingerprint": {"device": 2049, "inode": 131077, "modifiedNanoseconds": 123456789, "size": 342},
      "servicePrincipalNames": ["HTTP/web.company.test", "HTTP/web"],
      "consecutiveFailures": 0
    },
    "msa-db$": {
      "keytab": "/var/lib/gmsa-keytabd/db.keytab",
      "keytabKeyVersions": [],
      "retainedUntil": {},
      "lastError": "cannot reach any domain controller: \\"dc1.company.test\\" timed out\\n",
      "consecutiveFailures": 2
    }
  }
}
"""

CASES = {
    # --- Scalars at the top
    "null": b"null",
    "true": b"true",
    "false": b"false",
    "string": b'"hello"',
    "string-empty": b'""',
    "int-zero": b"0",
    "int-minus-zero": b"-0",
    "int-negative": b"-17",
    "int64-extremes": b"[-9223372036854775808, 9223372036854775807, 18446744073709551615]",
    "int-huge": b"123456789012345678901234567890",
    "float": b"[1.5, -0.25, 3.141592653589793238462643383279, 0.0, -0.0]",
    "float-exponents": b"[1e2, 1E2, 1e+2, 1e-2, 1.5E+10, -2.5e-3, 0e0, 0E+1, -0.0e-0, 1e007]",
    "float-out-of-range": b"[1e400, -1e400, 1e-400]",
    # --- Whitespace
    "whitespace-all-kinds": b' \t\n\r[ \t\n\r1 \t\n\r, \t\n\r{ "a" \t: 1 } ] \r\n',
    "whitespace-crlf": b'{\r\n  "a": 1,\r\n  "b": [\r\n    2\r\n  ]\r\n}\r\n',
    "whitespace-only": b" \n\t\r ",
    "empty": b"",
    "whitespace-vertical-tab": b"\x0b1",
    "whitespace-form-feed": b"\x0c1",
    "whitespace-nbsp": "\u00a01".encode(),
    "whitespace-line-separator": "[1,\u20282]".encode(),
    "bom": b"\xef\xbb\xbf{}",
    "bom-between-values": "[1,\ufeff2]".encode(),
    # --- Arrays and objects
    "array-empty": b"[]",
    "object-empty": b"{}",
    "empties-nested": b'[[], {}, [[]], {"a": {}, "b": []}]',
    "array-mixed": b'[null, true, false, 0, "x", [1], {"k": "v"}]',
    "object-key-order": '{"b": 1, "a": 2, "\u00e9": 3, "z": 4, "~": 5, "Z": 6, "\\u0000": 7, "aa": 8, "": 9, "\U0001F600": 10}'.encode(),
    "object-same-key-elsewhere": b'[{"a": 1}, {"a": 2}, {"a": {"a": {"a": 3}}}]',
    "object-case-distinct": b'{"a": 1, "A": 2}',
    "depth-64-arrays": nested(MAXIMUM_DEPTH),
    "depth-64-objects": nested_objects(MAXIMUM_DEPTH),
    "depth-65-arrays": nested(MAXIMUM_DEPTH + 1),
    "depth-65-objects": nested_objects(MAXIMUM_DEPTH + 1),
    "depth-1000-unclosed": b"[" * 1000,
    "array-trailing-comma": b"[1,]",
    "array-leading-comma": b"[,1]",
    "array-double-comma": b"[1,,2]",
    "array-only-comma": b"[,]",
    "array-no-comma": b"[1 2]",
    "array-unclosed": b"[1, 2",
    "array-unclosed-after-comma": b"[1,",
    "array-open-only": b"[",
    "array-closed-by-brace": b"[1}",
    "object-trailing-comma": b'{"a": 1,}',
    "object-leading-comma": b'{,"a": 1}',
    "object-no-colon": b'{"a" 1}',
    "object-no-value": b'{"a":}',
    "object-key-only": b'{"a"}',
    "object-bare-key": b"{a: 1}",
    "object-single-quoted-key": b"{'a': 1}",
    "object-number-key": b"{1: 2}",
    "object-no-comma": b'{"a": 1 "b": 2}',
    "object-unclosed": b'{"a": 1',
    "object-open-only": b"{",
    "object-closed-by-bracket": b'{"a": 1]',
    "object-colon-twice": b'{"a":: 1}',
    "close-only": b"]",
    "comma-only": b",",
    # --- Duplicate keys
    "duplicate-key": b'{"a": 1, "a": 2}',
    "duplicate-key-escaped": b'{"a": 1, "\\u0061": 2}',
    "duplicate-key-nested": b'{"x": {"b": 1, "b": 1}}',
    "duplicate-key-canonically-equivalent": '{"\u00e9": 1, "e\u0301": 2}'.encode(),
    # --- Comments and other extensions
    "comment-line": b"// c\n1",
    "comment-block": b"/* c */ 1",
    "comment-in-array": b"[1 /* c */]",
    "comment-hash": b"# c\n1",
    "nan": b"NaN",
    "infinity": b"Infinity",
    "infinity-negative": b"-Infinity",
    "nan-lower": b"nan",
    "single-quoted-string": b"['a']",
    # --- Numbers
    "number-plus": b"+1",
    "number-leading-zero": b"01",
    "number-leading-zero-negative": b"-01",
    "number-double-zero": b"00",
    "number-no-integer-part": b".5",
    "number-no-fraction-digits": b"5.",
    "number-minus-only": b"-",
    "number-minus-dot": b"-.5",
    "number-dot-exponent": b"1.e5",
    "number-exponent-empty": b"1e",
    "number-exponent-sign-only": b"1e+",
    "number-exponent-minus-only": b"1E-",
    "number-hex": b"0x10",
    "number-underscore": b"1_000",
    "number-minus-space": b"- 1",
    "number-two-dots": b"1.5.3",
    "number-double-minus": b"--1",
    "number-double-exponent": b"1ee5",
    "number-fullwidth-digit": "\uff10".encode(),
    "number-arabic-digit-after": "1\u0661".encode(),
    # --- Literals
    "literal-capital-true": b"True",
    "literal-capital-null": b"NULL",
    "literal-short": b"nul",
    "literal-truncated": b"tru",
    "literal-trailing-letter": b"truex",
    "literal-falsey": b"[falsey]",
    # --- Strings
    "string-escapes-all": b'"\\" \\\\ \\/ \\b \\f \\n \\r \\t"',
    "string-unicode-escapes": b'["\\u00e9\\u00E9", "\\u20AC", "\\uFFFF", "\\uFEFF", "\\u0041\\u0042"]',
    "string-surrogate-pair": b'["\\ud83d\\ude00", "\\uD834\\uDD1E", "\\udbff\\udfff"]',
    "string-null-escape": b'{"\\u0000": "a\\u0000b"}',
    "string-controls-escaped": b'"\\u0001\\u001f\\u007f\\u0008\\u000c\\u000A"',
    "string-raw-utf8": '["\u00e9", "\u20ac", "\U0001F600", "\U0010FFFF", "\ufffe", "a\ufeffb", "\u2028\u2029", "\x7f"]'.encode(),
    "string-slash": b'["/", "\\/", "http:\\/\\/x"]',
    "string-long": b'"' + b"abcdefghij" * 1000 + b'"',
    "string-unterminated": b'"abc',
    "string-unterminated-after-escape": b'"\\',
    "string-raw-newline": b'"a\nb"',
    "string-raw-tab": b'"a\tb"',
    "string-raw-nul": b'"a\x00b"',
    "string-raw-unit-separator": b'"a\x1fb"',
    "string-escape-x": b'"\\x41"',
    "string-escape-apostrophe": b'"\\\'"',
    "string-escape-upper-u": b'"\\U0041"',
    "string-escape-short-u": b'"\\u12"',
    "string-escape-bad-hex": b'"\\u12G4"',
    "string-escape-newline": b'"a\\\nb"',
    "string-lone-high-surrogate": b'"\\ud800"',
    "string-lone-low-surrogate": b'"\\udc00"',
    "string-high-then-letter": b'"\\ud800\\u0041"',
    "string-high-then-high": b'"\\ud800\\ud800"',
    "string-surrogates-reversed": b'"\\udc00\\ud800"',
    "string-high-then-text": b'"\\ud800abc"',
    "string-lone-surrogate-key": b'{"\\udfff": 1}',
    # --- UTF-8
    "utf8-lone-continuation": b'"\x80"',
    "utf8-overlong-2": b'"\xc0\xaf"',
    "utf8-overlong-3": b'"\xe0\x80\xaf"',
    "utf8-overlong-4": b'"\xf0\x80\x80\xaf"',
    "utf8-surrogate": b'"\xed\xa0\x80"',
    "utf8-above-max": b'"\xf4\x90\x80\x80"',
    "utf8-f5": b'"\xf5\x80\x80\x80"',
    "utf8-truncated": b'"\xe2\x82"',
    "utf8-truncated-at-end": b'"\xe2',
    "utf8-ff-outside": b"[1, \xff]",
    "utf8-valid-outside-string": '\u00e9'.encode(),
    # --- After the value
    "trailing-value": b"1 2",
    "trailing-letter": b"{} x",
    "trailing-bracket": b"[]]",
    "trailing-null": b"null null",
    "trailing-string": b'"a""b"',
    "trailing-nul": b"1\x00",
    # --- gmsa-keytabd's own shape
    "state": STATE.encode(),
}


class Invalid(Exception):
    pass


class Literal:
    """A number as written in the input."""

    def __init__(self, text):
        self.text = text


def reject_constant(name):
    raise Invalid(name)


def unique_keys(pairs):
    seen = set()
    for key, _ in pairs:
        canonical = unicodedata.normalize("NFC", key)
        if canonical in seen:
            raise Invalid("duplicate key")
        seen.add(canonical)
    return dict(pairs)


def check(value, depth=0):
    """Lone surrogates and nesting, which json.loads lets through."""
    if isinstance(value, str):
        if any(0xD800 <= ord(char) <= 0xDFFF for char in value):
            raise Invalid("lone surrogate")
    elif isinstance(value, (list, dict)):
        if depth + 1 > MAXIMUM_DEPTH:
            raise Invalid("too deep")
        for key in value if isinstance(value, dict) else ():
            check(key)
        for element in value.values() if isinstance(value, dict) else value:
            check(element, depth + 1)


def strict_load(data):
    if data.startswith(b"\xef\xbb\xbf"):
        raise Invalid("byte order mark")
    text = data.decode("utf-8")
    value = json.loads(
        text, parse_constant=reject_constant, object_pairs_hook=unique_keys, parse_int=Literal, parse_float=Literal)
    check(value)
    return value


def dump(value, indent=0):
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Literal):
        return value.text
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    inner = "  " * (indent + 1)
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + dump(element, indent + 1) for element in value) + "\n" + "  " * indent + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        keys = sorted(value, key=lambda key: key.encode("utf-8"))
        members = (inner + json.dumps(key, ensure_ascii=False) + ": " + dump(value[key], indent + 1) for key in keys)
        return "{\n" + ",\n".join(members) + "\n" + "  " * indent + "}"
    raise TypeError(type(value))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for kind in ("valid", "invalid"):
        shutil.rmtree(os.path.join(here, kind), ignore_errors=True)
        os.makedirs(os.path.join(here, kind))
    counts = {"valid": 0, "invalid": 0}
    for name, data in CASES.items():
        try:
            expected = dump(strict_load(data)) + "\n"
            kind = "valid"
        except (Invalid, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            kind = "invalid"
        counts[kind] += 1
        with open(os.path.join(here, kind, name + ".json"), "wb") as file:
            file.write(data)
        if kind == "valid":
            with open(os.path.join(here, kind, name + ".expected.json"), "wb") as file:
                file.write(expected.encode("utf-8"))
    print("%d valid, %d invalid (json of Python %s)" % (counts["valid"], counts["invalid"], sys.version.split()[0]))


if __name__ == "__main__":
    main()
