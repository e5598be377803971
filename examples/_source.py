"""Where the examples read events from: a stream URL you pass, or a local connector.

``python examples/<name>.py`` starts a local connector with sample traffic and stops it at the
end; ``python examples/<name>.py STREAM_URL`` (token from ``AUTOPLAY_APP_UNKEY_TOKEN``, or a
second argument) reads your own connector instead.  Either way the example ends by itself.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

from autoplay_sdk.testing import LocalConnector, sample_events

LIVE_EVENTS = 10  # how many payloads an example waits for on a real connector


@dataclass
class Source:
    url: str
    token: str
    expected: int  # payloads to wait for before the example ends
    timeout: float = 30.0


@contextmanager
def event_source(sessions: int = 2) -> Iterator[Source]:
    """A :class:`Source` from the command line, else a started local connector with a sample."""
    if len(sys.argv) > 1:
        token = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("AUTOPLAY_APP_UNKEY_TOKEN", "")
        yield Source(sys.argv[1], token, LIVE_EVENTS)
        return
    events = sample_events(sessions=sessions)
    with LocalConnector(events) as server:
        yield Source(server.stream_url, server.token, len(events))


@contextmanager
def stream_source(url: str | None, token: str) -> Iterator[tuple[str, str, int | None]]:
    """(stream URL, token, number of events to expect or None): a local connector when no URL."""
    if url:
        yield url, token, None
        return
    events = sample_events()
    with LocalConnector(events) as server:
        yield server.stream_url, server.token, len(events)


@asynccontextmanager
async def async_stream_source(url: str | None, token: str) -> AsyncIterator[tuple[str, str, int | None]]:
    """:func:`stream_source` for ``async with`` (the connector runs on its own thread either way)."""
    with stream_source(url, token) as source:
        yield source
