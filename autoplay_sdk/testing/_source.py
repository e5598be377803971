"""Where a program reads events from: the stream URL it was given, or a local connector with a sample.

Every example program (and many scripts a user writes while trying the SDK) needs the same
thing: read *my* connector when I pass its URL, otherwise start a local one with sample traffic
so the program runs offline and ends by itself.  :func:`stream_source` is that, in one line::

    import sys
    from autoplay_sdk.testing import stream_source

    with stream_source(*sys.argv[1:3]) as source:      # [STREAM_URL [TOKEN]]
        client = ConnectorClient(source.url, token=source.token)
        ...

Decisions:

* An empty token is passed through as ``""``: the clients then read
  ``AUTOPLAY_APP_UNKEY_TOKEN`` themselves, so this helper never touches the environment.
* ``expected`` is the number of sample payloads the local connector serves, and ``None`` for a
  stream you passed (its size is unknown: the program decides when to stop).
* The local connector is stopped when the ``with`` block ends, also on an exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["StreamSource", "stream_source"]


@dataclass(frozen=True)
class StreamSource:
    """A stream to read: its URL, its bearer token and how many payloads it is known to hold."""

    url: str
    token: str
    """The bearer token; ``""`` lets the client fall back to ``AUTOPLAY_APP_UNKEY_TOKEN``."""
    expected: int | None
    """The number of sample payloads served by the local connector; ``None`` for your own stream."""
    timeout: float = 30.0
    """A generous bound, in seconds, for waiting on those payloads (a safety net, not a pace)."""

    @property
    def local(self) -> bool:
        """Whether this is the local connector started by :func:`stream_source`."""
        return self.expected is not None

    def __repr__(self) -> str:
        return f"StreamSource(url={self.url!r}, expected={self.expected!r})"  # never the token


@contextmanager
def stream_source(
    url: str | None = None,
    token: str | None = None,
    *,
    sessions: int = 2,
    seed: int = 7,
    hesitant: bool = False,
) -> Iterator[StreamSource]:
    """Yield the stream at ``url``, or, when ``url`` is empty or ``None``, a started local connector.

    With a ``url`` nothing is started or checked: the :class:`StreamSource` carries ``url`` and
    ``token`` (``""`` when not given) and ``expected`` is ``None``.  Without one, a
    :class:`~autoplay_sdk.testing.LocalConnector` starts on a free port of 127.0.0.1 with
    ``sample_events(sessions=sessions, seed=seed, hesitant=hesitant)`` and is stopped when the
    block ends; ``expected`` is the number of those events.  Starting it needs the ``serve``
    extra (``ImportError`` naming it otherwise); bad arguments raise
    :class:`~autoplay_sdk.SdkConfigError`.
    """
    if url:
        yield StreamSource(url, token or "", None)
        return
    from autoplay_sdk.testing import LocalConnector, sample_events

    events = sample_events(sessions=sessions, seed=seed, hesitant=hesitant)
    with LocalConnector(events) as connector:
        yield StreamSource(connector.stream_url, connector.token, len(events))
