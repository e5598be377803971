"""The aggregation behind ``autoplay-sdk tail``: typed payloads in, immutable snapshots out.

Pure: no I/O, no threads started, no sleeping.  Time comes from an injectable clock, so the
event rate is testable.  It is thread-safe because the client feeds it from two threads (the
worker thread calls :meth:`TailStats.add`, the reader thread reports connects and disconnects)
while the CLI's main thread takes snapshots to render.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from autoplay_sdk._cli._common import NO_SESSION_LABEL as NO_SESSION_LABEL  # the label shared with demo
from autoplay_sdk.core.models import ActionsPayload, AnyPayload, SummaryPayload

CONNECTING = "connecting"
CONNECTED = "connected"
RECONNECTING = "reconnecting"
STOPPED = "stopped"


@dataclass(frozen=True)
class SessionRow:
    """What ``tail`` knows about one session."""

    session_id: str
    """The session id, or :data:`NO_SESSION_LABEL` for payloads without one."""
    user: str
    """The newest non-empty email, else user id, else ``""``."""
    actions: int
    """Actions received (the sum of ``len(actions)`` over the session's batches)."""
    batches: int
    """``actions`` payloads received."""
    summaries: int
    """``summary`` payloads received."""
    latest_action: str
    """``"<type>: <description>"`` of the newest action, ``""`` before the first one."""
    latest_summary: str
    """The newest summary text, ``""`` before the first one."""


@dataclass(frozen=True)
class TailSnapshot:
    """A consistent view of everything received so far."""

    state: str
    """``"connecting"``, ``"connected"``, ``"reconnecting"`` or ``"stopped"``."""
    sessions: tuple[SessionRow, ...]
    """Most recently active first."""
    events: int
    """Payloads received (``actions`` + ``summary``)."""
    action_batches: int
    summaries: int
    actions: int
    """Actions received, over all batches."""
    events_per_second: float
    """Payloads per second over the last ``window_s`` (or since start, if shorter)."""
    dropped: int
    """As passed to :meth:`TailStats.snapshot` (the client's ``dropped_count``)."""
    connects: int
    disconnects: int
    elapsed_s: float
    last_failure: str = ""
    """Why the latest connection attempt failed (``"HTTP 503"``, ``"connection lost (…)"``), or ``""``."""


class _Session:
    __slots__ = ("actions", "batches", "latest_action", "latest_summary", "seq", "summaries", "user")

    def __init__(self) -> None:
        self.user = ""
        self.actions = 0
        self.batches = 0
        self.summaries = 0
        self.latest_action = ""
        self.latest_summary = ""
        self.seq = 0


class TailStats:
    """Aggregates payloads per session and counts events, connects and the recent event rate.

    ``clock`` returns seconds (monotonic by default); the rate is the number of payloads added
    in the last ``window_s`` seconds divided by ``min(window_s, time since construction)``, and
    ``0.0`` before any time has passed.  Raises ``ValueError`` if ``window_s <= 0``.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, window_s: float = 10.0) -> None:
        if window_s <= 0:
            raise ValueError(f"window_s must be > 0, got {window_s!r}")
        self._clock = clock
        self._window_s = window_s
        self._started = clock()
        self._lock = threading.Lock()
        self._sessions: dict[str, _Session] = {}
        self._recent: deque[float] = deque()
        self._seq = 0
        self._events = 0
        self._batches = 0
        self._summaries = 0
        self._actions = 0
        self._connects = 0
        self._disconnects = 0
        self._state = CONNECTING
        self._last_failure = ""

    def add(self, payload: AnyPayload) -> int:
        """Record one payload; returns the number of payloads recorded so far."""
        now = self._clock()
        with self._lock:
            key = payload.session_id or NO_SESSION_LABEL
            session = self._sessions.get(key)
            if session is None:
                session = self._sessions[key] = _Session()
            self._seq += 1
            session.seq = self._seq
            if isinstance(payload, ActionsPayload):
                n = len(payload.actions)
                session.batches += 1
                session.actions += n
                self._batches += 1
                self._actions += n
                user = payload.email or payload.user_id
                if user:
                    session.user = user
                if payload.actions:
                    last = payload.actions[-1]
                    session.latest_action = f"{last.type}: {last.description}" if last.type else last.description
            elif isinstance(payload, SummaryPayload):
                session.summaries += 1
                self._summaries += 1
                session.latest_summary = payload.summary
            self._events += 1
            self._recent.append(now)
            self._prune(now)
            return self._events

    def connected(self) -> None:
        """The client (re)connected."""
        with self._lock:
            self._connects += 1
            self._state = CONNECTED

    def disconnected(self) -> None:
        """A connection attempt failed or dropped; the client will retry."""
        with self._lock:
            self._disconnects += 1
            self._state = RECONNECTING

    def failure(self, cause: str) -> None:
        """Remember why the latest attempt failed (shown while reconnecting and when giving up)."""
        with self._lock:
            self._last_failure = cause

    @property
    def last_failure(self) -> str:
        with self._lock:
            return self._last_failure

    def stopped(self) -> None:
        """The client stopped for good."""
        with self._lock:
            self._state = STOPPED

    def snapshot(self, *, dropped: int = 0) -> TailSnapshot:
        """An immutable view of the current state; ``dropped`` is reported as given."""
        now = self._clock()
        with self._lock:
            self._prune(now)
            elapsed = max(0.0, now - self._started)
            span = min(self._window_s, elapsed)
            rate = len(self._recent) / span if span > 0 else 0.0
            ordered = sorted(self._sessions.items(), key=lambda item: item[1].seq, reverse=True)
            rows = tuple(
                SessionRow(
                    session_id=key,
                    user=s.user,
                    actions=s.actions,
                    batches=s.batches,
                    summaries=s.summaries,
                    latest_action=s.latest_action,
                    latest_summary=s.latest_summary,
                )
                for key, s in ordered
            )
            return TailSnapshot(
                state=self._state,
                sessions=rows,
                events=self._events,
                action_batches=self._batches,
                summaries=self._summaries,
                actions=self._actions,
                events_per_second=rate,
                dropped=dropped,
                connects=self._connects,
                disconnects=self._disconnects,
                elapsed_s=elapsed,
                last_failure=self._last_failure,
            )

    def _prune(self, now: float) -> None:
        # caller holds the lock
        horizon = now - self._window_s
        recent = self._recent
        while recent and recent[0] <= horizon:
            recent.popleft()


class FailureListener(logging.Handler):
    """Feeds :meth:`TailStats.failure` from the client's own retry warnings for one stream.

    The client reports each failed attempt as a WARNING whose ``record.cause`` says why
    (``"HTTP 503"``, ``"connection lost (ConnectError: …)"``) and whose ``record.url`` is the
    redacted stream URL; nothing is read from the message text.  Records of other streams, and
    records without a cause, are ignored.  Attach it to the ``autoplay_sdk`` logger for the
    duration of a ``tail``.
    """

    def __init__(self, stats: TailStats, safe_url: str) -> None:
        super().__init__(level=logging.WARNING)
        self._stats = stats
        self._url = safe_url

    def emit(self, record: logging.LogRecord) -> None:
        cause = getattr(record, "cause", None)
        if getattr(record, "url", None) == self._url and isinstance(cause, str):
            self._stats.failure(cause)
