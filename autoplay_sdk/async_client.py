"""``AsyncConnectorClient``: the asyncio SSE client.

The reader never awaits your callbacks.  Within a session, callbacks *start* in arrival order
(the first line of an ``async def`` body runs in that order) and at most
``session_concurrency`` run at once; with ``session_concurrency=1`` each also finishes before
the next starts.  A slow callback for session A never delays reading, nor session B.  Pending
work (waiting + running payloads, all sessions) is bounded by ``max_pending``: beyond it new
payloads are dropped, counted in ``dropped_count`` and reported to ``on_drop`` and the metrics
hook.  ``stop()`` ends reading promptly in every phase, then
``run()`` waits up to ``drain_timeout_s`` for accepted payloads; what is still undelivered after
that is cancelled, counted as dropped and logged with its count — nothing accepted is lost
silently.  Payloads go through one dispatcher (:mod:`autoplay_sdk._dispatch`), not one task
each: plain callbacks run there, and a callback that returns a coroutine is awaited on its
session's lane.

All stream decisions live in the shared sans-IO core (:mod:`autoplay_sdk._stream`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import httpx
from httpx_sse import aconnect_sse

from autoplay_sdk._client_base import ClientBase, real_response, retry_policy
from autoplay_sdk._dispatch import LaneHandOff, SessionDispatcher
from autoplay_sdk._drops import DropReport as DropReport
from autoplay_sdk._http11 import aiter_raw, raw_body
from autoplay_sdk._logging import get_logger
from autoplay_sdk._stream import (
    DEFAULT_MAX_FRAME_BYTES,
    RetryPolicy,
    check_at_least_one,
    check_positive,
)
from autoplay_sdk._stream import EventRef as EventRef
from autoplay_sdk.core.exceptions import SdkUpstreamError as SdkUpstreamError  # importable here, as in 0.7.5
from autoplay_sdk.core.metrics import SdkMetricsHook
from autoplay_sdk.core.models import ActionsPayload, SummaryPayload
from autoplay_sdk.stream_auth import resolve_connector_bearer_token as resolve_connector_bearer_token  # as in 0.7.5

logger = get_logger(__name__)

ActionCallback = Callable[[ActionsPayload], Any]
SummaryCallback = Callable[[SummaryPayload], Any]
LifecycleCallback = Callable[[], Any]

_MAX_SESSION_SEMAPHORES = 10_000


class AsyncConnectorClient(LaneHandOff, ClientBase):
    """Asyncio SSE client for ``GET /stream/{product_id}``.

    Raises ``ValueError`` for invalid arguments; a ``url`` that cannot work (no ``http(s)://`` scheme,
    no host, credentials in it) raises ``SdkConfigError``, which is also a ``ValueError``.  ``run()``
    raises ``SdkAuthError`` /
    ``SdkNotFoundError`` (both ``httpx.HTTPStatusError``) at once on 401/403/404,
    ``SdkConfigError`` when the URL does not answer with an event stream, and
    ``SdkUpstreamError`` when more than ``max_retries`` consecutive attempts fail.
    ``http_client`` (used for every attempt, never closed by the SDK) replaces the client the
    SDK would build from ``connect_timeout``/``read_timeout_s``.  ``last_event_id`` resumes
    after that SSE id (sent as ``Last-Event-ID`` on the first connect); see
    ``last_handled_event_id``.

    ``direct_read=False`` reads every body through ``httpx`` instead of straight from the
    HTTP/1.1 connection (the faster default, used only where it is equivalent).
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
        read_timeout_s: float | None = None,
        http_client: httpx.AsyncClient | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        last_event_id: str | None = None,
        direct_read: bool = True,
    ) -> None:
        check_positive("connect_timeout", connect_timeout)
        check_at_least_one("session_concurrency", session_concurrency)
        policy = retry_policy(retry, initial_backoff_s, max_backoff_s, max_retries)
        check_at_least_one("max_pending", max_pending)
        super().__init__(
            url=url,
            token=token,
            policy=policy,
            on_connect=on_connect,
            on_disconnect=on_disconnect,
            metrics=metrics,
            max_frame_bytes=max_frame_bytes,
            drain_timeout_s=drain_timeout_s,
            http_client=http_client,
            headers=headers,
            client_type=httpx.AsyncClient,
            logger=logger,
            last_event_id=last_event_id,
        )
        self._timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout_s, write=None, pool=None)
        if not isinstance(direct_read, bool):
            raise ValueError(f"direct_read must be True or False, got {direct_read!r}")
        self._direct_read = direct_read
        self._session_concurrency = session_concurrency
        self._max_pending = max_pending
        self._dispatcher: SessionDispatcher | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._attempt: asyncio.Future[bool] | None = None
        self._stop_requested = False

    async def run(self) -> None:
        """Read the stream on the current loop until ``stop()``, cancellation, a fatal error or a 204.

        Cancellation while connected is swallowed (``run`` returns ``None``); cancellation
        during a backoff sleep propagates.  Accepted payloads are drained before returning.
        """
        if not self._begin_run():
            self._core.stopped()
            return
        self._stop_requested = False
        self._loop = asyncio.get_running_loop()
        self._wake = wake = asyncio.Event()
        core, how = self._core, None
        try:
            while self._running:
                self._attempt = attempt = asyncio.ensure_future(self._read_once())
                try:
                    more = await attempt
                except asyncio.CancelledError:
                    if not self._stop_requested:
                        how = "cancelled"
                        await asyncio.wait([attempt])  # let the connection close
                    break
                except Exception as exc:
                    if not self._running:
                        break
                    core.failed(exc)
                else:
                    if not more or not self._running:
                        break
                    core.ended()
                finally:
                    self._attempt = None
                await self._fire("on_disconnect", self._on_disconnect)
                if self._running:
                    delay = core.next_delay(random.uniform)
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(wake.wait(), delay)
        finally:
            self._running = False
            await self._drain()
            core.stopped(how)

    async def _read_once(self) -> bool:
        self._core.connecting()
        http = self._http_client or httpx.AsyncClient(timeout=self._timeout, follow_redirects=True)
        try:
            async with aconnect_sse(http, "GET", self._url, **self._request_options()) as source:
                response = real_response(source)
                if not self._core.opened(response):
                    return False
                await self._fire("on_connect", self._on_connect)
                if response is None:
                    async for sse in source.aiter_sse():
                        if not self._running:
                            break
                        self._submit(self._take(sse))
                    return True
                feed, submit = self._core.feed, self._submit
                async for chunk in _body(response, direct=self._direct_read):
                    for delivery in feed(chunk):
                        if not self._running:
                            return True
                        submit(delivery)
                return True
        finally:
            if http is not self._http_client:
                await http.aclose()

    def run_in_background(self) -> asyncio.Task[None]:
        """Schedule ``run()`` on the running loop; ``RuntimeError`` without one."""
        loop = asyncio.get_running_loop()
        self._mark_starting()
        return loop.create_task(self.run())

    def stop(self) -> None:
        """Ask ``run()`` to return; safe from any thread, idempotent, effective within a second."""
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

    async def _handle(self, sse: Any) -> None:
        """Compatibility entry point: route one frame (never awaits the callback)."""
        self._submit(self._take(sse))

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


def _body(response: httpx.Response, *, direct: bool) -> AsyncIterator[bytes]:
    # As the sync client reads it (see _sync_io.body).
    raw = raw_body(response, enabled=direct)
    if raw is not None:
        return aiter_raw(raw)
    if response.headers.get("content-encoding") or not isinstance(response.stream, httpx.AsyncByteStream):
        return response.aiter_bytes()
    return aiter(response.stream)
