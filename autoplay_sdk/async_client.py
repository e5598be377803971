"""``AsyncConnectorClient``: the asyncio SSE client.

The reader never awaits your callbacks.  Each routed payload joins its session's lane; a lane
runs at most ``session_concurrency`` callbacks at once, in arrival order (strictly one after
another with ``session_concurrency=1``), so a slow callback for session A never delays reading,
nor session B.  Pending work (waiting + running payloads, all sessions) is bounded by
``max_pending``: beyond it new payloads are dropped, counted in ``dropped_count`` and reported to
``on_drop`` and the metrics hook.  ``stop()`` ends reading promptly even on an idle stream, then
``run()`` waits up to ``drain_timeout_s`` for accepted payloads to be delivered; whatever is still
running after that is cancelled and logged with its count — nothing accepted is lost silently.

Implementation note: payloads go through one dispatcher task (:mod:`autoplay_sdk._dispatch`),
not one task each.  Plain callbacks run there in arrival order; a callback that returns a
coroutine is awaited on its session's lane (at most ``session_concurrency`` per session), and
the session's later payloads wait for it.  The observable contract is the one above, without
a task allocation per event.

All stream decisions live in the shared sans-IO core (:mod:`autoplay_sdk._stream`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from httpx_sse import aconnect_sse

from autoplay_sdk._client_base import ClientBase
from autoplay_sdk._dispatch import SessionDispatcher
from autoplay_sdk._logging import get_logger
from autoplay_sdk._stream import (
    DEFAULT_MAX_FRAME_BYTES,
    NO_SESSION,
    RetryPolicy,
    check_at_least_one,
    check_positive,
)
from autoplay_sdk.core.metrics import SdkMetricsHook
from autoplay_sdk.core.models import ActionsPayload, SummaryPayload

logger = get_logger(__name__)

ActionCallback = Callable[[ActionsPayload], Any]
SummaryCallback = Callable[[SummaryPayload], Any]
LifecycleCallback = Callable[[], Any]

_MAX_SESSION_SEMAPHORES = 10_000


class AsyncConnectorClient(ClientBase):
    """Asyncio SSE client for ``GET /stream/{product_id}``.

    Raises ``ValueError`` for invalid arguments.  ``run()`` raises ``httpx.HTTPStatusError`` at
    once on 401/403/404 and ``SdkUpstreamError`` when ``max_retries`` is exceeded.
    """

    def __init__(
        self,
        url: str,
        token: str = "",
        connect_timeout: float = 10.0,
        session_concurrency: int = 4,
        initial_backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        max_retries: int | None = None,
        on_connect: LifecycleCallback | None = None,
        on_disconnect: LifecycleCallback | None = None,
        metrics: SdkMetricsHook | None = None,
        *,
        max_pending: int = 10_000,
        drain_timeout_s: float = 10.0,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    ) -> None:
        check_positive("connect_timeout", connect_timeout)
        check_at_least_one("session_concurrency", session_concurrency)
        policy = RetryPolicy.validated(initial_backoff_s, max_backoff_s, max_retries)
        check_at_least_one("max_pending", max_pending)
        if drain_timeout_s < 0:
            raise ValueError(f"drain_timeout_s must be >= 0, got {drain_timeout_s!r}")
        super().__init__(
            url=url,
            token=token,
            policy=policy,
            on_connect=on_connect,
            on_disconnect=on_disconnect,
            metrics=metrics,
            max_frame_bytes=max_frame_bytes,
            logger=logger,
        )
        self._timeout = httpx.Timeout(None, connect=connect_timeout)
        self._session_concurrency = session_concurrency
        self._max_pending = max_pending
        self._drain_timeout_s = drain_timeout_s
        self._dispatcher: SessionDispatcher | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._attempt: asyncio.Task[None] | None = None
        self._stop_requested = False

    @property
    def pending_count(self) -> int:
        """Payloads accepted but not yet delivered (waiting or running)."""
        return self._dispatcher.pending if self._dispatcher is not None else 0

    @property
    def _session_semaphores(self) -> dict[str, Any]:
        """Sessions with callbacks in flight (the published name of the per-session map)."""
        return dict(self._dispatcher.lanes) if self._dispatcher is not None else {}

    @property
    def _active_dispatches(self) -> int:
        return self._dispatcher.active if self._dispatcher is not None else 0

    def _lanes(self) -> SessionDispatcher:
        if self._dispatcher is None:
            self._dispatcher = SessionDispatcher(
                core=self._core, concurrency=self._session_concurrency, max_pending=self._max_pending
            )
        return self._dispatcher

    # -- running --------------------------------------------------------------------------

    async def run(self) -> None:
        """Read the stream on the current loop until ``stop()`` or cancellation.

        Cancellation while connected is swallowed (``run`` returns ``None``); cancellation
        during a backoff sleep propagates.  Accepted payloads are drained before returning.
        """
        if not self._begin_run():
            self._core.stopped()
            return
        self._stop_requested = False
        self._loop = asyncio.get_running_loop()
        self._wake = wake = asyncio.Event()
        core = self._core
        how: str | None = None
        try:
            while self._running:
                self._attempt = attempt = asyncio.ensure_future(self._read_once())
                try:
                    await attempt
                except asyncio.CancelledError:
                    if not self._stop_requested:
                        how = "cancelled"
                        await asyncio.wait([attempt])  # let the connection close
                    self._running = False
                    break
                except Exception as exc:
                    if not self._running:
                        break
                    core.failed(exc)
                    await self._fire_on_disconnect()
                finally:
                    self._attempt = None
                if not self._running:
                    break
                delay = core.next_delay(random.uniform)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(wake.wait(), delay)
        finally:
            self._running = False
            await self._drain()
            core.stopped(how)

    async def _read_once(self) -> None:
        core = self._core
        core.connecting()
        async with (
            httpx.AsyncClient(timeout=self._timeout) as client,
            aconnect_sse(client, "GET", self._url, headers=core.request_headers()) as source,
        ):
            response = core.accept(source)
            await self._fire_on_connect()
            if response is None:
                async for sse in source.aiter_sse():
                    if not self._running:
                        return
                    self._take(sse)
                return
            decoder = core.decoder()
            body = _body(response)
            async for chunk in body:
                for frame in decoder.feed(chunk):
                    if not self._running:
                        return
                    self._take(frame)

    def run_in_background(self) -> asyncio.Task[None]:
        """Schedule ``run()`` on the running loop; ``RuntimeError`` without one."""
        loop = asyncio.get_running_loop()
        self._mark_starting()
        return loop.create_task(self.run())

    def stop(self) -> None:
        """Ask ``run()`` to return; safe from any thread, idempotent, effective within a second.

        Cancels an idle read or a backoff sleep; ``run()`` then drains accepted payloads.
        """
        self._note_stop()
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if current is loop:
            self._interrupt()
        else:
            loop.call_soon_threadsafe(self._interrupt)

    def _interrupt(self) -> None:
        self._stop_requested = True
        if self._wake is not None:
            self._wake.set()
        attempt = self._attempt
        if attempt is not None and not attempt.done():
            attempt.cancel()

    async def __aenter__(self) -> AsyncConnectorClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"AsyncConnectorClient(url={self._core.safe_url!r}, running={self._running})"

    # -- reader side ----------------------------------------------------------------------

    def _take(self, sse: Any) -> None:
        routed = self._core.route(sse)
        if routed is None:
            return
        event_type, payload = routed
        cb = self._callbacks.get(event_type)
        typed = self._core.parse(event_type, payload)
        if typed is None or cb is None:
            return
        self._lanes().submit(typed.session_id or NO_SESSION, event_type, cb, typed, payload)

    async def _handle(self, sse: Any) -> None:
        """Compatibility entry point: route one frame (never awaits the callback)."""
        self._take(sse)

    async def _dispatch(self, session_id: str, typed: Any) -> None:
        """Compatibility entry point: queue ``typed`` on ``session_id``'s lane."""
        if hasattr(typed, "actions") and hasattr(typed, "count") and not hasattr(typed, "replaces"):
            event_type = "actions"
        elif hasattr(typed, "summary") and hasattr(typed, "replaces"):
            event_type = "summary"
        else:
            event_type = "actions" if isinstance(typed, ActionsPayload) else "summary"
        cb = self._callbacks.get(event_type)
        if cb is not None:
            to_dict = getattr(typed, "to_dict", None)
            self._lanes().submit(session_id, event_type, cb, typed, to_dict() if to_dict else {})

    async def _drain(self) -> None:
        dispatcher, self._dispatcher = self._dispatcher, None
        if dispatcher is None:
            return
        undelivered = await dispatcher.drain(self._drain_timeout_s)
        if undelivered:
            logger.warning(
                "callbacks still running after drain_timeout_s=%s — cancelled, %d payload(s) undelivered",
                self._drain_timeout_s,
                undelivered,
                extra={"url": self._core.safe_url},
            )

    # -- lifecycle callbacks ---------------------------------------------------------------

    async def _fire_on_connect(self) -> None:
        await self._fire("on_connect", self._on_connect)

    async def _fire_on_disconnect(self) -> None:
        await self._fire("on_disconnect", self._on_disconnect)

    async def _fire(self, name: str, cb: LifecycleCallback | None) -> None:
        result = self._call_lifecycle(name, cb)
        if asyncio.iscoroutine(result):
            try:
                await result
            except Exception as exc:
                self._core.lifecycle_failed(name, exc)


def _body(response: httpx.Response) -> AsyncIterator[bytes]:
    # The transport's byte stream skips httpx's decoder and chunker layers (see client._body).
    if response.headers.get("content-encoding") or not isinstance(response.stream, httpx.AsyncByteStream):
        return response.aiter_bytes()
    return aiter(response.stream)
