"""JSON decoding for payload bodies: ``orjson`` when it is installed, the standard library otherwise.

:func:`loads` gives exactly what :func:`json.loads` gives — the same values, and for a document
it cannot take, the same exception with the same message.  With the optional ``fast`` extra
(``pip install 'autoplay-sdk[fast]'``, which installs ``orjson``) a document is first parsed by
``orjson``, several times faster; whatever ``orjson`` refuses (a syntax error, but also what the
standard library accepts and ``orjson`` does not: ``NaN``/``Infinity``, integers beyond 64 bits,
lone surrogates, nesting deeper than ``orjson``'s limit) is parsed again by :func:`json.loads`,
which then returns its value or raises its own error.  Two kinds of document go straight to the
standard library, because ``orjson`` would *accept* them differently: one with a run of 19 or more
digits (``orjson`` turns integers beyond 64 bits into floats, where :func:`json.loads` keeps them
exact), and one with 256 or more ``{``/``[`` (``orjson`` parses nesting up to 1,024 levels deep,
some of which :func:`json.loads` refuses with ``RecursionError``; a payload has a handful).  So
installing the extra changes speed, never results, errors or log records.

Only decoding goes through here: encoding keeps :func:`json.dumps`, whose exact bytes
(``ensure_ascii``, separators, key order) are part of stored and signed formats.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["ACCELERATED", "confirm", "confirm_utf8", "loads", "loads_first", "loads_utf8", "loads_utf8_first"]

try:
    import orjson as _orjson  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # the extra is not installed: the standard library alone
    _orjson = None  # type: ignore[assignment, unused-ignore]

ACCELERATED = _orjson is not None


def _loads_std(data: str | bytes | bytearray) -> Any:
    return json.loads(data)


# One translated copy answers both questions.  Every digit maps to "0", so one substring search
# finds 19 digits in a row (an integer orjson could turn into a float; a regex is several times
# slower); "[" maps to "{", so one count gives the openings (how deep the document could nest).
_PROBE = bytes.maketrans(b"123456789[", b"000000000{")
_LONG_RUN = b"0" * 19
_MAX_OPENINGS = 256


def _for_stdlib(raw: bytes | bytearray) -> bool:
    """Whether ``orjson`` might accept ``raw`` differently from :func:`json.loads`."""
    probe = raw.translate(_PROBE)
    return _LONG_RUN in probe or probe.count(b"{") >= _MAX_OPENINGS


def _loads_fast(data: str | bytes | bytearray) -> Any:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if _for_stdlib(raw):
        return json.loads(data)
    try:
        return _orjson.loads(data)
    except _orjson.JSONDecodeError:
        # The standard library decides what orjson refused: it parses it, or raises its own error.
        return json.loads(data)


loads = _loads_fast if ACCELERATED else _loads_std


def _loads_first_fast(data: str | bytes | bytearray) -> Any:
    try:
        return _orjson.loads(data)
    except _orjson.JSONDecodeError:
        return json.loads(data)


def _confirm_fast(data: str | bytes | bytearray, value: Any) -> Any:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if _for_stdlib(raw):
        return json.loads(data)
    return value


def _confirm_std(data: str | bytes | bytearray, value: Any) -> Any:
    return value


# :func:`loads` in two steps, for a caller that can often vouch for the first step's value itself:
# ``confirm(data, loads_first(data))`` is ``loads(data)``.  ``loads_first`` is orjson's reading
# (json.loads decides what orjson refuses), which differs from json.loads's only where orjson
# accepts a document differently: an integer beyond 64 bits comes back as a float (of magnitude
# 2**63 or more), and nesting json.loads refuses is read.  A value with neither (no such float,
# a few levels deep) is final; anything else goes through ``confirm``, which re-reads with
# json.loads every document :func:`loads` would have given to it.
loads_first = _loads_first_fast if ACCELERATED else _loads_std
confirm = _confirm_fast if ACCELERATED else _confirm_std


def _loads_utf8_std(body: bytes | bytearray) -> Any:
    return json.loads(body.decode("utf-8"))


def _loads_utf8_fast(body: bytes | bytearray) -> Any:
    if not _for_stdlib(body):
        try:
            return _orjson.loads(body)
        except _orjson.JSONDecodeError:
            pass  # the standard library decides, with its own error (UnicodeDecodeError included)
    return json.loads(body.decode("utf-8"))


# ``json.loads(body.decode("utf-8"))``: a body of UTF-8 bytes, a byte order mark refused.
loads_utf8 = _loads_utf8_fast if ACCELERATED else _loads_utf8_std


def _loads_utf8_first_fast(body: bytes | bytearray) -> Any:
    try:
        return _orjson.loads(body)
    except _orjson.JSONDecodeError:
        return json.loads(body.decode("utf-8"))


def _confirm_utf8_fast(body: bytes | bytearray, value: Any) -> Any:
    return json.loads(body.decode("utf-8")) if _for_stdlib(body) else value


# :func:`loads_utf8` in two steps, as :func:`loads_first` and :func:`confirm` are :func:`loads`:
# ``confirm_utf8(body, loads_utf8_first(body))`` is ``loads_utf8(body)``.
loads_utf8_first = _loads_utf8_first_fast if ACCELERATED else _loads_utf8_std
confirm_utf8 = _confirm_utf8_fast if ACCELERATED else _confirm_std
