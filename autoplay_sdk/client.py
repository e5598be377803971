"""``ConnectorClient``: the blocking, thread-based SSE client.

``run()`` reads the stream on the calling thread; a worker thread runs your callbacks one at a
time, in arrival order, from a bounded queue.  When the queue is full the event is dropped,
counted (``dropped_count``) and reported to ``on_drop`` and the metrics hook — the reader never
blocks on your code.

Beyond the published 0.7.5 behaviour (all of which holds):

* 401/403/404 are fatal on a real connection too: the status is checked before any body is read.
* Reconnects send ``Last-Event-ID`` and honour the server's ``retry:`` hint.
* ``stop()`` interrupts a blocked read or a backoff sleep and takes effect within a second; what
  was already queued is still delivered before ``run()`` returns (10 s join limit).
* Frames that are not JSON objects, are not valid UTF-8, or exceed ``max_frame_bytes`` are
  logged and skipped without reconnecting.
* The token never appears in logs or ``repr``; the client writes no files.

All decisions live in the shared sans-IO core (:mod:`autoplay_sdk._stream`); this module only
connects, reads, hands off and waits.
"""

from __future__ import annotations

import contextlib
import json  # noqa: F401  (patch point kept from the published module)
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from httpx_sse import connect_sse

from autoplay_sdk._client_base import ClientBase
from autoplay_sdk._logging import get_logger
from autoplay_sdk._stream import (
    DEFAULT_MAX_FRAME_BYTES,
    RetryPolicy,
    check_positive,
)
from autoplay_sdk.core.metrics import SdkMetricsHook, _safe_call

logger = get_logger(__name__)

_WORKER_STOP = object()
_JOIN_TIMEOUT_S = 10.0
_YIELD_EVERY = 64  # backlog depth at which the reader lets the worker run


class ConnectorClient(ClientBase):
    """Blocking SSE client for ``GET /stream/{product_id}``.

    Raises ``ValueError`` for invalid arguments (messages name the parameter).  ``run()`` raises
    ``httpx.HTTPStatusError`` at once on 401/403/404 and ``SdkUpstreamError`` when
    ``max_retries`` consecutive failures are exceeded; every other failure is retried with
    capped, jittered exponential backoff.
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
    ) -> None:
        if max_queue_size < 1:
            raise ValueError(f"max_queue_size must be >= 1, got {max_queue_size!r}")
        check_positive("connect_timeout", connect_timeout)
        super().__init__(
            url=url,
            token=token,
            policy=RetryPolicy.validated(initial_backoff_s, max_backoff_s, max_retries),
            on_connect=on_connect,
            on_disconnect=on_disconnect,
            metrics=metrics,
            max_frame_bytes=max_frame_bytes,
            logger=logger,
        )
        self._timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout_s, write=None, pool=None)
        self._queue = _Backlog(max_queue_size)
        self._wake = threading.Event()
        self._socket: socket.socket | None = None

    # -- state ----------------------------------------------------------------------------

    @property
    def queue_size(self) -> int:
        """Events waiting for the worker."""
        return self._queue.qsize()

    # -- running --------------------------------------------------------------------------

    def run(self) -> None:
        """Read the stream on this thread until ``stop()``; blocks.

        Queued events are delivered before this returns (the worker gets up to 10 s).
        """
        if not self._begin_run():
            self._core.stopped()
            return
        self._wake.clear()
        worker = threading.Thread(target=self._worker_loop, daemon=True, name="autoplay-sdk-worker")
        worker.start()
        core = self._core
        how: str | None = None
        try:
            while self._running:
                try:
                    self._read_once()
                except KeyboardInterrupt:
                    how = "interrupted"
                    self._running = False
                except Exception as exc:
                    if not self._running:  # our own stop() cut the read short
                        break
                    core.failed(exc)
                    self._fire_on_disconnect()
                if not self._running:
                    break
                self._wake.wait(core.next_delay(random.uniform))
        finally:
            self._running = False
            self._queue.close()
            worker.join(timeout=_JOIN_TIMEOUT_S)
            if worker.is_alive():
                logger.warning("worker thread did not stop within 10 s", extra={"url": core.safe_url})
            core.stopped(how)

    def _read_once(self) -> None:
        core = self._core
        core.connecting()
        with (
            httpx.Client(timeout=self._timeout) as client,
            connect_sse(client, "GET", self._url, headers=core.request_headers()) as source,
        ):
            response = core.accept(source)
            self._fire_on_connect()
            if response is None:
                for sse in source.iter_sse():
                    if not self._running:
                        return
                    self._enqueue(sse)
                return
            self._socket = _socket_of(response)
            try:
                if not self._running:  # stop() came before the socket was visible to it
                    return
                decoder = core.decoder()
                for chunk in _body(response):
                    for frame in decoder.feed(chunk):
                        if not self._running:
                            return
                        self._enqueue(frame)
            finally:
                self._socket = None

    def run_in_background(self) -> threading.Thread:
        """Start ``run()`` on a daemon thread named ``autoplay-sdk-main`` and return it."""
        thread = threading.Thread(target=self.run, daemon=True, name="autoplay-sdk-main")
        self._mark_starting()
        thread.start()
        return thread

    def stop(self) -> None:
        """Ask ``run()`` to return; thread-safe, idempotent, effective within a second.

        Interrupts a blocked read (by shutting the socket down) or a backoff sleep.
        """
        self._note_stop()
        self._wake.set()
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
        routed = self._core.route(sse)
        if routed is None:
            return
        event_type, payload = routed
        if not self._queue.offer(payload):
            self._core.drop(event_type, payload)
            return
        if self._metrics is not None:
            _safe_call(self._metrics, "record_queue_depth", depth=self._queue.qsize())

    def _fire_on_connect(self) -> None:
        self._call_lifecycle("on_connect", self._on_connect)

    def _fire_on_disconnect(self) -> None:
        self._call_lifecycle("on_disconnect", self._on_disconnect)

    # -- worker side ----------------------------------------------------------------------

    def _worker_loop(self) -> None:
        items, ready = self._queue.items, self._queue.ready
        while True:
            try:
                item = items.popleft()
            except IndexError:
                ready.clear()
                if not items:  # re-check after clear(): an offer() in between set it again
                    ready.wait()
                continue
            if item is _WORKER_STOP:
                return
            self._dispatch(item)

    def _dispatch(self, payload: dict[str, Any]) -> None:
        event_type = payload.get("type")
        if event_type != "actions" and event_type != "summary":
            return
        cb = self._callbacks.get(event_type)
        typed = self._core.parse(event_type, payload)
        if typed is None or cb is None:
            return
        try:
            cb(typed)
        except Exception as exc:
            self._core.callback_failed(event_type, typed, exc)


class _Backlog:
    """The bounded FIFO between the reader and the worker.

    ``offer`` never blocks and is O(1) with no lock: only the reader appends and only the
    worker pops, and ``ready`` is set only when the worker may be asleep (a ``queue.Queue``
    costs a lock round-trip and a notify per event).  ``close`` appends the stop marker past
    the bound, so the worker drains everything ahead of it and then exits.
    """

    __slots__ = ("items", "maxsize", "ready")

    def __init__(self, maxsize: int) -> None:
        self.items: deque[Any] = deque()
        self.maxsize = maxsize
        self.ready = threading.Event()

    def qsize(self) -> int:
        return len(self.items)

    def offer(self, item: Any) -> bool:
        items = self.items
        n = len(items)
        if n >= self.maxsize:
            return False
        items.append(item)
        if not self.ready.is_set():
            self.ready.set()
        elif n and not n % _YIELD_EVERY:
            # The worker is awake but has not had the GIL: hand it over, so a reader that
            # never blocks (a fast connector) cannot build a backlog up to ``maxsize``.
            time.sleep(0)
        return True

    def close(self) -> None:
        self.items.append(_WORKER_STOP)
        self.ready.set()


def _body(response: httpx.Response) -> Iterator[bytes]:
    # The transport's byte stream skips httpx's decoder and chunker layers, which only matter
    # for a content-encoding; with one, go through ``iter_bytes``.
    if response.headers.get("content-encoding") or not isinstance(response.stream, httpx.SyncByteStream):
        return response.iter_bytes()
    return iter(response.stream)


def _socket_of(response: httpx.Response) -> socket.socket | None:
    stream = response.extensions.get("network_stream")
    get_extra_info = getattr(stream, "get_extra_info", None)
    if get_extra_info is None:
        return None
    sock = get_extra_info("socket")
    return sock if isinstance(sock, socket.socket) else None
