"""The local connector: a FastAPI app served by uvicorn on a background thread.

No ``from __future__ import annotations`` here: FastAPI reads the endpoint's annotations at
runtime, and ``Request`` is imported lazily inside :func:`_build_app`, so string annotations
could not be resolved.

Concurrency model: one ``threading.Condition`` guards the whole state (log, records, faults,
counters, open streams).  Test threads and other event loops publish under it; each stream
runs as an async generator on the server's loop and is woken through
``loop.call_soon_threadsafe(event.set)``.  A stream clears its wake-up event *before* reading
the shared state, so a publish that lands in between is never missed.
"""

import asyncio
import contextlib
import importlib
import json
import logging
import re
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from autoplay_sdk._logging import get_logger
from autoplay_sdk._sockets import base_url, bind_listening_socket
from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.testing._push import PushSender
from autoplay_sdk.testing._registration import Registry, add_registration_route
from autoplay_sdk.testing._sample import LiveEvent, StampedJson, sample_events

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

logger = get_logger("autoplay_sdk.testing")

INSTALL_HINT = "pip install 'autoplay-sdk[serve]'"
HEARTBEAT_FRAME = b"event: heartbeat\ndata: \n\n"
_REDACTED_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 5.0
_STALLED_GRACE_S = 0.5
_wall = time.time  # the clock live sample events are re-stamped against (tests move it)


@dataclass(frozen=True)
class ConnectionRecord:
    """One stream request as the local connector saw it (successful or not).

    ``headers`` holds the request headers with lower-case names, *without* ``authorization``,
    ``proxy-authorization`` and ``cookie``: credentials are never stored, only
    ``authorization_present`` says whether one was sent.
    """

    status: int
    last_event_id: str | None
    authorization_present: bool
    product_id: str
    headers: dict[str, str]


@dataclass(frozen=True)
class _Entry:
    product_id: str
    event_id: int | None  # None for raw frames
    frame: bytes
    anchor: float = 0.0  # for a live sample event: when its timestamps were computed
    stamped: StampedJson | None = None  # ... and its JSON, re-stamped when a stream sends it
    head: bytes = b""  # the id/event lines in front of the data of a live entry

    def frame_for(self, opened_at: float) -> bytes:
        """The bytes a stream opened at ``opened_at`` sends for this entry."""
        if self.stamped is None or opened_at <= self.anchor:
            return self.frame
        return b"%sdata: %s\n\n" % (self.head, self.stamped.render(opened_at - self.anchor).encode())


def _entry(
    product_id: str, event_id: int, data: Mapping[str, Any] | str, lines: str, event: str | None = None
) -> _Entry:
    """A log entry; ``lines`` is ``_data_lines(data)``, computed before the id is taken."""
    head = f"id: {event_id}\n" + (f"event: {event}\n" if event is not None else "")
    frame = f"{head}{lines}\n".encode()
    if not isinstance(data, LiveEvent):
        return _Entry(product_id, event_id, frame)
    return _Entry(product_id, event_id, frame, data.anchor, StampedJson.of(data), head.encode())


class _AbruptClose(Exception):
    """Raised inside a stream so uvicorn drops the TCP connection mid-body."""


class _QuietAbruptClose(logging.Filter):
    # uvicorn logs "Exception in ASGI application" with a traceback for the exception we raise
    # on purpose; drop exactly those records and nothing else.
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, _AbruptClose)


_QUIET_FILTER = _QuietAbruptClose()
_THREAD_NAME = "autoplay-local-connector"


class _QuietClosedSocketWrites(logging.Filter):
    # asyncio warns "socket.send() raised exception." when a stream keeps writing to a client
    # that already went away (e.g. one stopped mid-replay).  On the connector's own thread that
    # is an ordinary disconnect, not something the user should see on stderr.
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.threadName == _THREAD_NAME and record.msg == "socket.send() raised exception.")


_QUIET_WRITES_FILTER = _QuietClosedSocketWrites()


class _Stream:
    """Per-connection state, created when the request is accepted."""

    def __init__(self, product_id: str, position: int, heartbeats_seen: int, limit: int | None, abrupt: bool):
        self.product_id = product_id
        self.position = position  # index into the log of the next entry to consider
        self.heartbeats_seen = heartbeats_seen
        self.limit = limit
        self.abrupt = abrupt
        self.loop: asyncio.AbstractEventLoop | None = None
        self.wake: asyncio.Event | None = None
        self.opened_at = _wall()

    def notify(self) -> None:
        loop, wake = self.loop, self.wake
        if loop is None or wake is None:
            return
        with contextlib.suppress(RuntimeError):  # a closed loop: the stream is gone
            loop.call_soon_threadsafe(wake.set)


def _require_serve_extra() -> None:
    try:
        importlib.import_module("fastapi")
        importlib.import_module("uvicorn")
    except ImportError as exc:
        raise ImportError(f"autoplay_sdk.testing.LocalConnector needs FastAPI and uvicorn: {INSTALL_HINT}") from exc


def _data_lines(data: Mapping[str, Any] | str) -> str:
    text = data if isinstance(data, str) else json.dumps(dict(data), separators=(",", ":"), ensure_ascii=False)
    return "".join(f"data: {line}\n" for line in _LINE_BREAK.split(text))


def _parse_last_event_id(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


class LocalConnector:
    """A real HTTP server on 127.0.0.1 that speaks the Autoplay connector's SSE contract.

    See the :mod:`autoplay_sdk.testing` docstring for the wire contract and the decisions
    behind it.  Every public method is thread-safe and may be called before :meth:`start`,
    while running, or after :meth:`stop`; published entries are kept across restarts.

    With ``sample_new_products=True``, a product registered over ``POST /products`` (not a
    re-registration) gets ``sample_events(product_id=<it>)`` published at once, so a client
    using its freshly minted key sees activity instead of an idle stream.

    Raises ``ImportError`` (naming ``pip install 'autoplay-sdk[serve]'``) when FastAPI or
    uvicorn is missing, and :class:`~autoplay_sdk.SdkConfigError` for invalid arguments.
    """

    def __init__(
        self,
        events: Iterable[Mapping[str, Any] | bytes] | None = None,
        *,
        product_id: str = "demo-product",
        token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        heartbeat_s: float = 15.0,
        retry_ms: int | None = None,
        extra_products: Iterable[str] = (),
        push_url: str | None = None,
        push_secret: str = "",
        sample_new_products: bool = False,
    ) -> None:
        products = [product_id, *extra_products]
        for pid in products:
            if not isinstance(pid, str) or not pid or "/" in pid:
                raise SdkConfigError(f"product ids must be non-empty strings without '/', got {pid!r}")
        if token is not None and (not isinstance(token, str) or not token.strip()):
            raise SdkConfigError("token must be a non-empty string, or None to generate one")
        if not 0 <= port <= 65535:
            raise SdkConfigError(f"port must be between 0 and 65535, got {port!r}")
        if heartbeat_s <= 0:
            raise SdkConfigError(f"heartbeat_s must be > 0, got {heartbeat_s!r}")
        if retry_ms is not None and retry_ms < 0:
            raise SdkConfigError(f"retry_ms must be >= 0 or None, got {retry_ms!r}")
        _require_serve_extra()

        self._product_id = product_id
        self._products = frozenset(products)
        # products registered over POST /products; with sample_new_products, each new one gets
        # sample traffic at once, so an onboarding journey ends on live-looking activity
        self._sample_new_products = sample_new_products
        self._registry = Registry(self._products, on_registered=self._registered)
        self._token = token if token is not None else secrets.token_hex(24)
        self._host = host
        self._port = port
        self._heartbeat_s = float(heartbeat_s)
        self._retry_ms = retry_ms

        self._cond = threading.Condition(threading.Lock())
        self._log: list[_Entry] = []
        self._last_id = 0
        self._connections: list[ConnectionRecord] = []
        self._sent = 0
        self._heartbeats = 0
        self._streams: set[_Stream] = set()
        self._closing = False
        self._fail_remaining = 0
        self._fail_status = 503
        self._close_after: int | None = None
        self._close_abrupt = False
        self._delay_s = 0.0

        self._lifecycle = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pusher = PushSender(push_url, push_secret) if push_url is not None else None

        for item in events or ():
            if isinstance(item, (bytes, bytearray)):
                self.publish_raw(bytes(item))
            elif isinstance(item, Mapping):
                self.publish(item)
            else:
                raise SdkConfigError(f"events items must be mappings or bytes, got {type(item).__name__}")

    # ------------------------------------------------------------------ addresses

    @property
    def token(self) -> str:
        """The bearer token clients must send (never logged, never in ``repr``)."""
        return self._token

    @property
    def product_id(self) -> str:
        """The default product: the one :attr:`stream_url` points at and publishes go to."""
        return self._product_id

    @property
    def port(self) -> int:
        """The bound port once started (stable across restarts); the requested port before."""
        return self._port

    @property
    def base_url(self) -> str:
        """``http://<host>:<port>``.  Raises ``RuntimeError`` before the first start on port 0."""
        if self._port == 0:
            raise RuntimeError("LocalConnector has no port yet: call start() first")
        return base_url(self._host, self._port)

    @property
    def stream_url(self) -> str:
        """``base_url + "/stream/" + product_id``."""
        return f"{self.base_url}/stream/{self._product_id}"

    @property
    def pusher(self) -> PushSender | None:
        """With ``push_url``: the :class:`PushSender` that also POSTs every published event there."""
        return self._pusher

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._thread is not None

    def __repr__(self) -> str:
        where = self.base_url if self._port else f"{self._host}:<unbound>"
        return (
            f"LocalConnector(url={where!r}, product_id={self._product_id!r}, "
            f"running={self.running}, entries={len(self._log)})"
        )

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "LocalConnector":
        """Bind, start serving on a daemon thread, and return ``self`` once it accepts requests.

        Blocks for at most ~10 s.  Calling it while running does nothing.  After :meth:`stop`
        it serves again on the same port (the log is kept), which lets tests simulate an
        outage.  Raises ``OSError`` if the port cannot be bound and ``RuntimeError`` if the
        server fails to come up.
        """
        with self._lifecycle:
            if self._thread is not None:
                return self
            import uvicorn

            for name, quiet in (("uvicorn.error", _QUIET_FILTER), ("asyncio", _QUIET_WRITES_FILTER)):
                target = logging.getLogger(name)
                if quiet not in target.filters:
                    target.addFilter(quiet)

            sock = self._bind()
            config = uvicorn.Config(
                _build_app(self),
                http="h11",
                ws="none",
                lifespan="off",
                interface="asgi3",
                log_config=None,
                proxy_headers=False,
                timeout_graceful_shutdown=1,
            )
            ready = threading.Event()
            server = _make_server(config, ready)
            failure: list[BaseException] = []
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=_serve, args=(server, loop, sock, ready, failure), name=_THREAD_NAME, daemon=True
            )
            with self._cond:
                self._closing = False
            thread.start()
            if not ready.wait(_START_TIMEOUT_S) or not server.started:
                server.should_exit = True
                thread.join(_STOP_TIMEOUT_S)
                cause = failure[0] if failure else None
                raise RuntimeError("the local connector failed to start") from cause
            self._server, self._thread, self._loop = server, thread, loop
            logger.info("local connector listening on %s", self.base_url)
            if self._pusher is not None:
                self._pusher.start()
            return self

    def _bind(self) -> socket.socket:
        sock = bind_listening_socket(self._host, self._port)
        self._port = int(sock.getsockname()[1])
        return sock

    def stop(self) -> None:
        """End every open stream, then the server; blocks about 0.2 s (well under 2 s).

        Streams are woken and finish their chunked body, so clients see a clean end of stream,
        even idle ones.  A connection whose client stopped reading (its stream stuck in a
        write) is dropped after 0.5 s.  Safe to call twice, or before :meth:`start`.
        """
        with self._lifecycle:
            if self._pusher is not None:
                self._pusher.stop()
            server, thread, loop = self._server, self._thread, self._loop
            if server is None or thread is None or loop is None:
                return
            with self._cond:
                self._closing = True
                streams = list(self._streams)
            for stream in streams:
                stream.notify()
            server.should_exit = True
            # Woken streams end at once; a stream whose client stopped reading is stuck in a
            # write, so its connection is dropped after a short grace period.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(loop.call_later, _STALLED_GRACE_S, _abort_open_connections, server)
            thread.join(_STOP_TIMEOUT_S)
            if thread.is_alive():  # pragma: no cover - defensive: uvicorn ignored should_exit
                server.force_exit = True
                thread.join(_STOP_TIMEOUT_S)
            with self._cond:
                self._streams.clear()
            self._server = self._thread = self._loop = None
            logger.info("local connector on port %d stopped", self._port)

    def __enter__(self) -> "LocalConnector":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ the event log

    def _registered(self, product_id: str, rotated: bool) -> None:
        """Called by the registry after ``POST /products`` registered (or rotated) ``product_id``."""
        if self._sample_new_products and not rotated:
            self.publish_many(sample_events(product_id=product_id), product_id=product_id)

    def _product(self, product_id: str | None) -> str:
        pid = self._product_id if product_id is None else product_id
        if pid not in self._products and not self._registry.has(pid):
            raise SdkConfigError(f"unknown product_id {pid!r}: pass it in extra_products")
        return pid

    def _append(self, entries: list[_Entry]) -> None:
        # caller holds self._cond
        self._log.extend(entries)
        streams = [s for s in self._streams if any(e.product_id == s.product_id for e in entries)]
        for stream in streams:
            stream.notify()

    def publish(self, data: Mapping[str, Any] | str, *, event: str | None = None, product_id: str | None = None) -> str:
        """Append one event to the log and return its id (``"1"``, ``"2"``, ...).

        A mapping is sent as compact JSON; a ``str`` is sent verbatim as the ``data`` line(s)
        (one ``data:`` line per line of text), e.g. to test malformed JSON.  ``event`` adds an
        ``event:`` line.  Open streams of the product get it at once; later ones replay it.
        Raises :class:`~autoplay_sdk.SdkConfigError` for an unknown product or an event name
        with a line break, and ``TypeError`` if the mapping is not JSON-serialisable.
        """
        pid = self._product(product_id)
        if event is not None and _LINE_BREAK.search(event):
            raise SdkConfigError("event names cannot contain line breaks")
        lines = _data_lines(data)  # raises on unserialisable data before an id is taken
        with self._cond:
            self._last_id += 1
            event_id = self._last_id
            self._append([_entry(pid, event_id, data, lines, event)])
        if self._pusher is not None:
            self._pusher.send(data)
        return str(event_id)

    def publish_many(self, items: Iterable[Mapping[str, Any]], *, product_id: str | None = None) -> list[str]:
        """Publish each mapping in order (ids are consecutive); returns their ids."""
        pid = self._product(product_id)
        items = list(items)
        prepared = [(item, _data_lines(item)) for item in items]
        with self._cond:
            entries = []
            for item, lines in prepared:
                self._last_id += 1
                entries.append(_entry(pid, self._last_id, item, lines))
            self._append(entries)
        if self._pusher is not None:
            self._pusher.send_many(items)
        return [str(entry.event_id) for entry in entries]

    def publish_raw(self, frame: bytes, *, product_id: str | None = None) -> None:
        """Append ``frame`` to the log as-is: no id, no validation (invalid UTF-8, comments, ...).

        It is replayed like any entry, and a ``Last-Event-ID`` resume includes raw entries
        that come after the resumed id.  Raises ``TypeError`` if ``frame`` is not bytes.
        """
        if not isinstance(frame, (bytes, bytearray)):
            raise TypeError(f"frame must be bytes, got {type(frame).__name__}")
        pid = self._product(product_id)
        with self._cond:
            self._append([_Entry(pid, None, bytes(frame))])

    def send_heartbeat(self) -> None:
        """Write ``event: heartbeat`` / empty ``data:`` to every open stream now (not logged)."""
        with self._cond:
            self._heartbeats += 1
            streams = list(self._streams)
        for stream in streams:
            stream.notify()

    # ------------------------------------------------------------------ fault injection

    def fail_next(self, k: int, status: int = 503) -> None:
        """Answer the next ``k`` stream requests with ``status`` and a JSON body.

        The failure comes before authentication (like a proxy in front of the connector) and
        replaces any earlier ``fail_next``; ``k=0`` cancels it.  Raises
        :class:`~autoplay_sdk.SdkConfigError` unless ``k >= 0`` and ``400 <= status <= 599``.
        """
        if k < 0:
            raise SdkConfigError(f"k must be >= 0, got {k!r}")
        if not 400 <= status <= 599:
            raise SdkConfigError(f"status must be an HTTP error status (400-599), got {status!r}")
        with self._cond:
            self._fail_remaining, self._fail_status = k, status

    def close_after(self, n: int | None, *, abrupt: bool = False) -> None:
        """End each *new* connection after it has sent ``n`` log entries; ``None`` clears it.

        Clean: the chunked body is terminated properly (the client sees a normal end of
        stream).  ``abrupt=True``: half of the next frame (a heartbeat if the log has none) is
        written, then the TCP connection is dropped without the terminating chunk, so the
        client's read fails with a protocol error.  Heartbeats and ``retry:`` do not count.
        """
        if n is not None and n < 0:
            raise SdkConfigError(f"n must be >= 0 or None, got {n!r}")
        with self._cond:
            self._close_after, self._close_abrupt = n, abrupt

    def set_delay(self, seconds: float) -> None:
        """Sleep ``seconds`` before writing each log entry, on every stream (0 turns it off)."""
        if seconds < 0:
            raise SdkConfigError(f"seconds must be >= 0, got {seconds!r}")
        with self._cond:
            self._delay_s = float(seconds)

    # ------------------------------------------------------------------ observation

    @property
    def connections(self) -> list[ConnectionRecord]:
        """A snapshot of every stream request so far, in arrival order."""
        with self._cond:
            return list(self._connections)

    @property
    def sent_count(self) -> int:
        """How many log entries have been written to streams in total (heartbeats excluded)."""
        with self._cond:
            return self._sent

    def wait_for_connections(self, n: int, timeout: float = 5.0) -> bool:
        """Block until at least ``n`` stream requests were recorded; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self._connections) >= n, timeout)

    def wait_until_sent(self, count: int, timeout: float = 5.0) -> bool:
        """Block until ``count`` log entries were written to streams in total; False on timeout.

        An entry counts once the server has handed it to the socket; heartbeats, ``retry:``
        lines and the partial frame of an abrupt close do not count.
        """
        with self._cond:
            return self._cond.wait_for(lambda: self._sent >= count, timeout)

    # ------------------------------------------------------------------ request handling

    def _accept(self, product_id: str, raw_headers: Iterable[tuple[bytes, bytes]]) -> tuple[int, str, _Stream | None]:
        """Decide a stream request: (status, error detail, stream state if 200)."""
        authorization: str | None = None
        last_event_id: str | None = None
        kept: dict[str, str] = {}
        for raw_name, raw_value in raw_headers:
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            if name == "authorization":
                authorization = value if authorization is None else authorization
            elif name == "last-event-id":
                last_event_id = value if last_event_id is None else last_event_id
            if name not in _REDACTED_HEADERS:
                kept[name] = f"{kept[name]}, {value}" if name in kept else value
        scheme, _, credentials = (authorization or "").partition(" ")
        credentials = credentials.strip()

        stream: _Stream | None = None
        detail = ""
        with self._cond:
            if self._closing:
                status, detail = 503, "the local connector is shutting down"
            elif self._fail_remaining > 0:
                self._fail_remaining -= 1
                status, detail = self._fail_status, "injected failure (fail_next)"
            elif scheme.lower() != "bearer" or not credentials:
                status, detail = 401, "missing or malformed bearer token"
            elif not self._registry.accepts(product_id, credentials, self._token):
                status, detail = 403, "invalid token"
            elif product_id not in self._products and not self._registry.has(product_id):
                status, detail = 404, "unknown product"
            else:
                status = 200
                stream = _Stream(
                    product_id,
                    self._resume_position(_parse_last_event_id(last_event_id)),
                    self._heartbeats,
                    self._close_after,
                    self._close_abrupt,
                )
            self._connections.append(
                ConnectionRecord(status, last_event_id, authorization is not None, product_id, kept)
            )
            self._cond.notify_all()
        logger.debug("stream request product=%s status=%d", product_id, status)
        return status, detail, stream

    def _resume_position(self, last_id: int | None) -> int:
        # caller holds self._cond; ids increase along the log, raw entries have none
        if last_id is None:
            return 0
        position = 0
        for index, entry in enumerate(self._log):
            if entry.event_id is not None:
                if entry.event_id > last_id:
                    break
                position = index + 1
        return position

    def _next_entry(self, stream: _Stream) -> _Entry | None:
        # caller holds self._cond
        while stream.position < len(self._log):
            entry = self._log[stream.position]
            stream.position += 1
            if entry.product_id == stream.product_id:
                return entry
        return None

    async def _pause(self, seconds: float, wake: asyncio.Event) -> bool:
        """Sleep ``seconds`` unless the connector closes first; True if it is closing."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            with self._cond:
                if self._closing:
                    return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(wake.wait(), remaining)

    async def _frames(self, stream: _Stream) -> AsyncIterator[bytes]:
        wake = asyncio.Event()
        stream.loop, stream.wake = asyncio.get_running_loop(), wake
        with self._cond:
            self._streams.add(stream)
        try:
            if self._retry_ms is not None:
                yield f"retry: {self._retry_ms}\n\n".encode()
            sent = 0
            while True:
                wake.clear()
                with self._cond:
                    if self._closing:
                        return
                    heartbeats = self._heartbeats - stream.heartbeats_seen
                    stream.heartbeats_seen = self._heartbeats
                    limit_reached = stream.limit is not None and sent >= stream.limit
                    saved = stream.position
                    entry = self._next_entry(stream)
                    if limit_reached:
                        stream.position = saved
                    delay = self._delay_s
                for _ in range(heartbeats):
                    yield HEARTBEAT_FRAME
                if limit_reached:
                    if stream.abrupt:
                        frame = entry.frame if entry is not None else HEARTBEAT_FRAME
                        yield frame[: max(1, len(frame) // 2)]
                        raise _AbruptClose
                    return
                if entry is None:
                    if heartbeats:
                        continue
                    try:
                        await asyncio.wait_for(wake.wait(), self._heartbeat_s)
                    except asyncio.TimeoutError:
                        yield HEARTBEAT_FRAME
                    continue
                if delay > 0 and await self._pause(delay, wake):
                    return
                yield entry.frame_for(stream.opened_at)
                sent += 1
                with self._cond:
                    self._sent += 1
                    self._cond.notify_all()
        finally:
            with self._cond:
                self._streams.discard(stream)


def _build_app(connector: LocalConnector) -> "FastAPI":
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse, Response, StreamingResponse

    app = FastAPI(title="Autoplay local connector", openapi_url=None, docs_url=None, redoc_url=None)

    async def stream(product_id: str, request: Request) -> Response:
        status, detail, state = connector._accept(product_id, request.headers.raw)
        if state is None:
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return JSONResponse({"detail": detail, "status": status}, status_code=status, headers=headers)
        # The content type is set as a header, not media_type, so Starlette does not append
        # "; charset=utf-8": the connector sends exactly "text/event-stream".
        return StreamingResponse(
            connector._frames(state),
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    app.add_api_route("/stream/{product_id}", stream, methods=["GET"], response_model=None)
    add_registration_route(app, connector._registry)
    return app


def _make_server(config: "uvicorn.Config", ready: threading.Event) -> "uvicorn.Server":
    import uvicorn

    class _Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            try:
                await super().startup(sockets=sockets)
            finally:
                ready.set()

    return _Server(config)


def _abort_open_connections(server: "uvicorn.Server") -> None:
    """Drop every connection still open, e.g. one whose client stopped reading mid-stream.

    Such a stream is stuck in a write and cannot see the shutdown; aborting the transport
    makes uvicorn treat it as a client disconnect, which ends the response task quietly.
    """
    for connection in list(server.server_state.connections):
        transport = getattr(connection, "transport", None)
        if isinstance(transport, asyncio.Transport):
            transport.abort()


def _serve(
    server: "uvicorn.Server",
    loop: asyncio.AbstractEventLoop,
    sock: socket.socket,
    ready: threading.Event,
    failure: list[BaseException],
) -> None:
    """Thread body: run uvicorn on the connector's event loop and tear the loop down fully."""
    try:
        loop.run_until_complete(server.serve(sockets=[sock]))
    except BaseException as exc:  # never let the thread die with an unhandled exception
        failure.append(exc)
    finally:
        ready.set()
        try:
            # Never leak a transport (a ResourceWarning) when the loop closes.
            _abort_open_connections(server)
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
            sock.close()
