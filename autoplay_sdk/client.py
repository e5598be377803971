"""``ConnectorClient``: the blocking, thread-based SSE client.

``run()`` reads the stream on the calling thread; a worker thread runs your callbacks one at a
time, in arrival order, from a bounded backlog.  When the backlog is full the event is dropped,
counted (``dropped_count``) and reported to ``on_drop`` and the metrics hook — the reader never
blocks on your code.  ``stop()`` takes effect within a second whatever ``run()`` is doing
(connecting, waiting for response headers, reading, backing off); accepted events are then
delivered for up to ``drain_timeout_s``, and what is left is counted as dropped.  A callback
already running at that deadline cannot be interrupted, but no callback starts after ``run()``
returned.

Callbacks may be ``async def``: the worker runs each returned awaitable on one long-lived event
loop per ``run()`` (a daemon thread named ``autoplay-sdk-async-callbacks``) and waits for it, so
order, back-pressure and failure handling are those of sync callbacks, and tasks a callback
starts keep running between events.  At shutdown that loop's pending tasks get the rest of the
drain window, then are cancelled.

All decisions live in the shared sans-IO core (:mod:`autoplay_sdk._stream`); this module only
connects, reads, hands off and waits.
"""

from __future__ import annotations

import contextlib
import inspect
import json  # noqa: F401  (patch point kept from the published module)
import queue  # noqa: F401  (patch point kept from the published module)
import random
import socket
import threading
import time  # noqa: F401  (patch point kept from the published module)
from collections.abc import Awaitable, Callable, Mapping
from time import monotonic as _monotonic
from typing import Any

import httpx
from httpx_sse import connect_sse

from autoplay_sdk._async_callbacks import AsyncCallbackRunner
from autoplay_sdk._backlog import STOP as _WORKER_STOP  # noqa: F401  (patch point)
from autoplay_sdk._backlog import Backlog
from autoplay_sdk._client_base import ClientBase, real_response, retry_policy
from autoplay_sdk._drops import DropReport as DropReport
from autoplay_sdk._logging import get_logger
from autoplay_sdk._metrics import safe_call
from autoplay_sdk._stream import DEFAULT_MAX_FRAME_BYTES, Delivery, RetryPolicy, check_positive, entering
from autoplay_sdk._stream import EventRef as EventRef
from autoplay_sdk._sync_io import Opening, body, socket_of
from autoplay_sdk.core.exceptions import SdkUpstreamError as SdkUpstreamError  # importable here, as in 0.7.5
from autoplay_sdk.core.metrics import SdkMetricsHook
from autoplay_sdk.core.models import ActionsPayload as ActionsPayload  # importable here, as in 0.7.5
from autoplay_sdk.core.models import SummaryPayload as SummaryPayload  # importable here, as in 0.7.5
from autoplay_sdk.stream_auth import resolve_connector_bearer_token as resolve_connector_bearer_token  # as in 0.7.5

logger = get_logger(__name__)


class ConnectorClient(ClientBase):
    """Blocking SSE client for ``GET /stream/{product_id}``.

    Raises ``ValueError`` for invalid arguments (messages name the parameter); a ``url`` that cannot
    work (no ``http(s)://`` scheme, no host, credentials in it) raises ``SdkConfigError``, which is
    also a ``ValueError``.  ``run()`` raises
    ``SdkAuthError``/``SdkNotFoundError`` (both ``httpx.HTTPStatusError``) at once on 401/403/404,
    ``SdkConfigError`` when the URL does not answer with an event stream, and ``SdkUpstreamError``
    when more than ``max_retries`` consecutive attempts fail; every other failure is retried.
    ``http_client`` (used for every attempt, never closed by the SDK) replaces the client the SDK
    would build from ``connect_timeout``/``read_timeout_s``.  ``last_event_id`` resumes after
    that SSE id (sent as ``Last-Event-ID`` on the first connect); see ``last_handled_event_id``.

    ``direct_read=False`` reads every body through ``httpx`` instead of straight from the
    HTTP/1.1 connection (the faster default, used only where it is equivalent).
    """

    def __init__(
        self,
        url: str,
        token: str = "",
        max_queue_size: int = 500,
        connect_timeout: float = 10.0,
        read_timeout_s: float | None = None,
        initial_backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        max_retries: int | None = None,
        on_connect: Callable[[], None] | None = None,
        on_disconnect: Callable[[], None] | None = None,
        metrics: SdkMetricsHook | None = None,
        *,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
        drain_timeout_s: float = 10.0,
        http_client: httpx.Client | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        last_event_id: str | None = None,
        direct_read: bool = True,
    ) -> None:
        if max_queue_size < 1:
            raise ValueError(f"max_queue_size must be >= 1, got {max_queue_size!r}")
        check_positive("connect_timeout", connect_timeout)
        super().__init__(
            url=url,
            token=token,
            policy=retry_policy(retry, initial_backoff_s, max_backoff_s, max_retries),
            on_connect=on_connect,
            on_disconnect=on_disconnect,
            metrics=metrics,
            max_frame_bytes=max_frame_bytes,
            drain_timeout_s=drain_timeout_s,
            http_client=http_client,
            headers=headers,
            client_type=httpx.Client,
            logger=logger,
            last_event_id=last_event_id,
        )
        self._timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout_s, write=None, pool=None)
        if not isinstance(direct_read, bool):
            raise ValueError(f"direct_read must be True or False, got {direct_read!r}")
        self._direct_read = direct_read
        self._queue = Backlog(max_queue_size)
        self._wake = threading.Event()
        self._socket: socket.socket | None = None
        self._opening: Opening | None = None

    @property
    def queue_size(self) -> int:
        """Events waiting for the worker."""
        return self._queue.qsize()

    def run(self) -> None:
        """Read the stream on this thread until ``stop()``, a fatal error or a 204; blocks."""
        if not self._begin_run():
            self._core.stopped()
            return
        self._wake.clear()
        self._queue.reopen()
        worker = threading.Thread(target=self._worker_loop, daemon=True, name="autoplay-sdk-worker")
        worker.start()
        core, how = self._core, None
        try:
            while self._running:
                try:
                    more = self._read_once()
                except KeyboardInterrupt:
                    how = "interrupted"
                    break
                except Exception as exc:
                    if not self._running:  # our own stop() cut the attempt short
                        break
                    core.failed(exc)
                else:
                    if not more or not self._running:
                        break
                    core.ended()
                self._fire_on_disconnect()
                if self._running:
                    self._wake.wait(core.next_delay(random.uniform))
        finally:
            self._running = False
            self._finish(worker)
            core.stopped(how)

    def _read_once(self) -> bool:
        self._core.connecting()
        opening = self._opening = Opening(
            running=lambda: self._running,
            http_client=self._http_client,
            new_client=lambda: httpx.Client(timeout=self._timeout, follow_redirects=True),
            connect=lambda http: connect_sse(http, "GET", self._url, **self._request_options()),
        )
        try:
            opened = opening.wait()
        finally:
            self._opening = None
        if opened is None:  # stop() came first
            return True
        cm, source = opened
        try:
            response = real_response(source)
            if not self._core.opened(response):
                return False
            self._fire_on_connect()
            if response is None:
                for sse in source.iter_sse():
                    if not self._running:
                        break
                    self._enqueue(sse)
                return True
            self._socket = socket_of(response)
            if self._running:  # else stop() came before the socket was visible to it
                feed, hand_off = self._core.feed, self._hand_off
                for chunk in body(response, direct=self._direct_read):
                    for delivery in feed(chunk):
                        if not self._running:
                            return True
                        hand_off(delivery)
            return True
        finally:
            self._socket = None
            opening.close(cm)

    def run_in_background(self) -> threading.Thread:
        """Start ``run()`` on a daemon thread named ``autoplay-sdk-main`` and return it."""
        thread = threading.Thread(target=self.run, daemon=True, name="autoplay-sdk-main")
        self._mark_starting()
        thread.start()
        return thread

    def stop(self) -> None:
        """Ask ``run()`` to return; thread-safe, idempotent, effective within a second."""
        self._note_stop()
        self._wake.set()
        opening = self._opening
        if opening is not None:
            opening.signal.set()
        sock = self._socket
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing to interrupt
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> ConnectorClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"ConnectorClient(url={self._core.safe_url!r}, running={self._running}, dropped={self._dropped})"

    # -- reader side ----------------------------------------------------------------------

    def _enqueue(self, sse: Any) -> None:
        self._hand_off(self._take(sse))

    def _hand_off(self, delivery: Delivery | None) -> None:
        if delivery is None:
            return
        if not self._queue.offer(delivery):
            self._core.drop(delivery)
        elif self._metrics is not None:
            safe_call(self._metrics, "record_queue_depth", depth=self._queue.qsize())

    def _fire_on_connect(self) -> None:
        self._call_lifecycle("on_connect", self._on_connect)

    def _fire_on_disconnect(self) -> None:
        self._call_lifecycle("on_disconnect", self._on_disconnect)

    def _finish(self, worker: threading.Thread) -> None:
        self._drain_deadline = _monotonic() + self._drain_timeout_s
        self._queue.close()
        worker.join(self._drain_timeout_s)
        if worker.is_alive():
            left = self._queue.abandon()
            extra = {"url": self._core.safe_url}
            logger.warning("worker thread did not stop within %g s", self._drain_timeout_s, extra=extra)
            self._core.undelivered([d for d in left if type(d) is Delivery], self._drain_timeout_s)

    # -- worker side ----------------------------------------------------------------------

    # ``async def`` callbacks run on this run's companion loop (created on the first awaitable).
    _async_runner: AsyncCallbackRunner | None = None
    _drain_deadline: float | None = None

    def _worker_loop(self) -> None:
        self._async_runner = None
        try:
            self._queue.work(self._deliver)
        finally:
            runner, self._async_runner = self._async_runner, None
            if runner is not None:
                deadline = self._drain_deadline
                runner.close(self._drain_timeout_s if deadline is None else deadline - _monotonic())

    def _deliver(self, item: Any) -> None:
        core = self._core
        delivery = item if type(item) is Delivery else core.payload(item)
        if delivery is None:
            return
        cb = self._callbacks.get(delivery.kind)
        if cb is not None:
            result = core.call(delivery, cb)
            if result is not None and inspect.isawaitable(result):
                runner = self._async_runner
                if runner is None:
                    runner = self._async_runner = AsyncCallbackRunner()
                try:
                    runner.run(_entered(delivery, result))
                except Exception as exc:
                    core.callback_failed(delivery.kind, delivery.payload, exc)
        core.handled(delivery)

    def _dispatch(self, payload: dict[str, Any]) -> None:
        """Parse one payload dict and run its callback (what the worker does with a queued dict)."""
        self._deliver(payload)


async def _entered(delivery: Delivery, awaitable: Awaitable[Any]) -> Any:
    """Await an ``async def`` callback's result with its delivery current (for ``current_event``)."""
    entering(delivery)
    return await awaitable
