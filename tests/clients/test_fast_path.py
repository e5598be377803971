"""The stream clients read plain HTTP/1.1 bodies straight from the connection; a lost fast path is loud.

The direct read (``autoplay_sdk._http11``) finds ``h11``'s state behind ``httpcore``'s
connection, which a release of ``httpx``, ``httpcore`` or ``h11`` may lay out differently.  It
then falls back to reading through ``httpx``: still correct, only slower, so nothing else would
notice.  These tests notice.  On the versions ``uv.lock`` pins, a body read through ``httpx``
fails the run, naming the reason; on other versions (``.ci/run`` also tests the lowest and the
newest the project allows) it skips with the versions and the reason, so the report says where
the fast path stops.  ``direct_read=False`` turns it off, with the same deliveries.
"""

from __future__ import annotations

import logging
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from autoplay_sdk import _http11
from autoplay_sdk.testing import LocalConnector, sample_events

from ._harness import KINDS, Received, Runner, make_client

ROOT = Path(__file__).resolve().parents[2]
STACK = ("httpx", "httpcore", "h11", "httpx-sse")
_LOCKED = re.compile(r'^\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"$', re.MULTILINE)


def _stack() -> str:
    return ", ".join(f"{name} {version(name)}" for name in STACK)


def _on_locked_versions() -> bool:
    locked: dict[str, set[str]] = {}
    for name, pinned in _LOCKED.findall((ROOT / "uv.lock").read_text(encoding="utf-8")):
        locked.setdefault(name, set()).add(pinned)
    return all(version(name) in locked.get(name, ()) for name in STACK)


def _read(kind: str, caplog: pytest.LogCaptureFixture, **options: Any) -> tuple[list[str], list[float]]:
    """How each connection's body was read, and what was delivered, for one run against the connector."""
    caplog.set_level(logging.DEBUG, logger=_http11.logger.name)
    events = sample_events(sessions=2, start=1_700_000_000.0)
    with LocalConnector(events) as server:
        received = Received()
        client = make_client(kind, server.stream_url, server.token, **options)
        client.on_actions(received).on_summary(received)
        runner = Runner(client).start()
        assert received.wait_for(len(events))
        runner.stop()
    ways = [r.getMessage() for r in caplog.records if r.name == _http11.logger.name]
    return ways, received.forwarded()


@pytest.mark.parametrize("kind", KINDS)
def test_a_plain_stream_is_read_straight_from_the_connection(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    ways, _ = _read(kind, caplog)
    assert ways, "the client logged no body read at all"
    slow = [way for way in ways if not way.endswith(_http11.DIRECT)]
    if not slow:
        return
    message = (
        f"The {kind} client read the stream body through httpx, not straight from the connection, "
        f"with {_stack()}: {slow[0]!r}.  "
    )
    if _on_locked_versions():
        pytest.fail(
            message + "These are the versions uv.lock pins: the fast path is lost (a speed regression). "
            "Adapt autoplay_sdk/_http11.py to the new layout.",
            pytrace=False,
        )
    pytest.skip(message + "Not the locked versions: the fallback is correct but slower.")


@pytest.mark.parametrize("kind", KINDS)
def test_direct_read_false_reads_through_httpx_and_delivers_the_same(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    off_ways, off = _read(kind, caplog, direct_read=False)
    caplog.clear()
    _, on = _read(kind, caplog)
    assert off_ways and all(way.endswith("turned off (direct_read=False)") for way in off_ways)
    assert off == on and len(off) > 0
