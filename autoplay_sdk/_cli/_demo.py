"""The ``autoplay-sdk demo`` pipeline as a library function: it returns a result, never prints.

:func:`run_demo` starts a :class:`~autoplay_sdk.testing.LocalConnector` loaded with
:func:`~autoplay_sdk.testing.sample_events`, streams it through an
:class:`~autoplay_sdk.AsyncConnectorClient` and returns a :class:`DemoResult` holding every typed
payload, grouped per session.  The CLI renders that result (see ``_render.render_demo``).

Extension point: **stages**.  A :class:`DemoStage` sees every payload as it arrives
(:meth:`DemoStage.observe`) and, once the stream is complete, may attach a titled text
:class:`DemoSection` to each session (:meth:`DemoStage.annotate`).  The renderer shows sections
generically, after the session's payloads, in stage order.  Context enrichment is meant to be one
stage (``observe`` feeds an ``AsyncContextStore``; ``annotate`` returns its ``enrich()`` output
for the session) and prompt assembly another, placed after it (its ``annotate`` can read the
sections added before it from ``session.sections``).  Neither this module nor the renderer needs
to change for that: pass the stages to ``run_demo(stages=[...])``.  ``_demo_stages.default_stages``
lists the stages the ``demo`` command runs: those two, then the proactive copilot
(``_demo_proactive``), the chatbot conversation (``_demo_chatbot``) and adoption state
(``_demo_adoption``).

A stage may also define ``async start(sessions)``: :func:`run_demo` awaits it once, before the
stream opens, with the sample sessions in sample order (who they are, no payloads yet) — e.g. to
pick the user whose chat opens mid-stream.  And ``async aclose()`` (e.g. to stop worker tasks it
started): :func:`run_demo` awaits it once, after the last ``annotate``, even when streaming failed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from autoplay_sdk._cli._common import NO_SESSION_LABEL
from autoplay_sdk.async_client import AsyncConnectorClient
from autoplay_sdk.core.models import ActionsPayload, AnyPayload, SummaryPayload

DEFAULT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class DemoSection:
    """A titled block of text a stage attaches to one session (e.g. enriched context, a prompt)."""

    title: str
    text: str


@dataclass
class DemoSession:
    """One sample session: who it is, the payloads received for it, and what stages added."""

    session_id: str
    user_id: str | None = None
    email: str | None = None
    payloads: list[AnyPayload] = field(default_factory=list)
    """Typed payloads in arrival order (per-session order is preserved by the client)."""
    sections: list[DemoSection] = field(default_factory=list)
    """Added by :class:`DemoStage` s after streaming, in stage order."""

    @property
    def actions(self) -> list[ActionsPayload]:
        return [p for p in self.payloads if isinstance(p, ActionsPayload)]

    @property
    def summaries(self) -> list[SummaryPayload]:
        return [p for p in self.payloads if isinstance(p, SummaryPayload)]


@dataclass
class DemoResult:
    """Everything :func:`run_demo` received.  ``complete`` tells whether all sample events arrived."""

    stream_url: str
    expected: int
    sessions: list[DemoSession]
    """In order of each session's first sample event."""
    elapsed_s: float = 0.0
    dropped: int = 0

    @property
    def received(self) -> int:
        return sum(len(s.payloads) for s in self.sessions)

    @property
    def complete(self) -> bool:
        return self.received >= self.expected

    @property
    def actions_received(self) -> int:
        """``actions`` payloads received."""
        return sum(len(s.actions) for s in self.sessions)

    @property
    def summaries_received(self) -> int:
        """``summary`` payloads received."""
        return sum(len(s.summaries) for s in self.sessions)

    def session(self, session_id: str | None) -> DemoSession:
        """The session for ``session_id`` (created, at the end, if it was not expected)."""
        key = session_id or NO_SESSION_LABEL
        for s in self.sessions:
            if s.session_id == key:
                return s
        created = DemoSession(key)
        self.sessions.append(created)
        return created


class DemoStage(Protocol):
    """A pluggable step of the demo pipeline (see the module docstring).

    Exceptions from ``observe`` are logged by the client and swallowed (the payload still counts
    as received); exceptions from ``annotate`` propagate out of :func:`run_demo`.
    """

    @property
    def title(self) -> str:
        """Default title for the sections this stage adds."""
        ...

    async def observe(self, payload: AnyPayload) -> None:
        """Called once per payload, as it arrives (per session, in arrival order)."""
        ...

    async def annotate(self, session: DemoSession) -> DemoSection | None:
        """Called once per session after the stream; return a section to attach, or ``None``."""
        ...


def _sessions_of(events: Sequence[dict[str, Any]]) -> list[DemoSession]:
    seen: dict[str, DemoSession] = {}
    for event in events:
        key = event.get("session_id") or NO_SESSION_LABEL
        session = seen.get(key)
        if session is None:
            session = seen[key] = DemoSession(key)
        if event.get("type") == "actions":
            session.user_id = session.user_id or event.get("user_id")
            session.email = session.email or event.get("email")
    return list(seen.values())


async def run_demo(
    *,
    sessions: int = 4,
    seed: int = 7,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    stages: Sequence[DemoStage] = (),
    clock: Callable[[], float] = time.monotonic,
) -> DemoResult:
    """Serve ``sample_events(sessions=, seed=, hesitant=True)`` locally, stream them back, return what arrived.

    Returns as soon as every sample event has been delivered, or after ``timeout_s`` with
    ``result.complete`` false.  Starts and stops its own local connector (an ephemeral port on
    127.0.0.1, a generated token that is not part of the result).  Raises ``ImportError`` naming
    the ``serve`` extra without FastAPI/uvicorn, :class:`~autoplay_sdk.SdkConfigError` if
    ``sessions < 1``, and whatever the client's ``run()`` raises (e.g. ``SdkUpstreamError``).
    """
    from autoplay_sdk.testing import LocalConnector, sample_events

    events = sample_events(sessions=sessions, seed=seed, hesitant=True)
    connector = LocalConnector(events)
    result = DemoResult(stream_url="", expected=len(events), sessions=_sessions_of(events))
    started = clock()
    try:
        for stage in stages:
            start = getattr(stage, "start", None)  # optional: see the module docstring
            if start is not None:
                await start(list(result.sessions))
        await asyncio.to_thread(connector.start)
        result.stream_url = connector.stream_url
        all_received = asyncio.Event()

        async def take(payload: AnyPayload) -> None:
            try:
                result.session(payload.session_id).payloads.append(payload)
                for stage in stages:
                    await stage.observe(payload)
            finally:
                if result.received >= result.expected:
                    all_received.set()

        # session_concurrency=1: each session's payloads are handled strictly in arrival order.
        client = AsyncConnectorClient(
            connector.stream_url, token=connector.token, session_concurrency=1, initial_backoff_s=0.2, max_retries=3
        )
        client.on_actions(take).on_summary(take)
        reader = asyncio.ensure_future(client.run())
        waiter = asyncio.ensure_future(all_received.wait())
        try:
            await asyncio.wait({reader, waiter}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            # A stop() that lands before run() has started is ignored by the client, so repeat
            # it until run() has returned (it drains accepted payloads first).
            while not reader.done():
                client.stop()
                await asyncio.wait({reader}, timeout=0.25)
        reader.result()  # re-raises a fatal error from run()
        result.dropped = client.dropped_count
        for session in result.sessions:
            for stage in stages:
                section = await stage.annotate(session)
                if section is not None:
                    session.sections.append(section)
    finally:
        try:
            for stage in stages:
                aclose = getattr(stage, "aclose", None)  # optional: see the module docstring
                if aclose is not None:
                    await aclose()
        finally:
            await asyncio.to_thread(connector.stop)
            result.elapsed_s = clock() - started
    return result
