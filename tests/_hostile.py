"""Hostile encoded values, shared by the table tests of every place that decodes a body or a stored value.

Each value is what a broken writer, a bad migration or an attacker with write access could leave
behind.  ``MARKER`` stands for event content (an email): it must never reach a log line.
"""

from __future__ import annotations

import json

MARKER = "alice.secret@example.com"

HOSTILE: dict[str, bytes] = {
    "deep nesting (lists, 2 KB)": b"[" * 1_000 + b"]" * 1_000,
    "deep nesting (lists, 100,000)": b"[" * 100_000 + b"]" * 100_000,
    "deep nesting (objects)": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,  # past 3.13's C-level limit too
    "invalid UTF-8": b'{"email": "' + MARKER.encode() + b'\xff\xfe"}',
    "UTF-8-encoded lone surrogate": b'{"email": "\xed\xa0\x80' + MARKER.encode() + b'"}',
    "truncated JSON": json.dumps({"type": "actions", "email": MARKER}).encode()[:-3],
    "empty": b"",
    "huge integer": b"9" * 5_000,
    "huge integer in an object": b'{"n": ' + b"9" * 5_000 + b"}",
    "non-dict JSON (list)": json.dumps([MARKER]).encode(),
    "non-dict JSON (null)": b"null",
    "non-dict JSON (string)": json.dumps(MARKER).encode(),
    "binary garbage": bytes(range(256)),
}
