"""The sync client's blocking I/O helpers: an interruptible connection opening, the body, the socket.

Kept out of :mod:`autoplay_sdk.client` so the driver stays a page long; the driver passes its
own ``connect_sse`` and ``httpx.Client`` factory in, so those stay patchable where 0.7.5 had them.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from autoplay_sdk._http11 import iter_raw, raw_body


class Opening:
    """One connection attempt's connect + response headers, on a helper thread.

    ``wait()`` runs ``connect(http_client)`` on a helper thread and waits on ``signal``, which the
    helper sets when it has a response (or failed) and the client's ``stop()`` sets at once; a
    stopped wait abandons the attempt, and the helper closes whatever it opens afterwards.  No
    phase of connecting (DNS, TCP, TLS, waiting for headers) can then hold ``stop()`` up.
    """

    def __init__(
        self,
        *,
        running: Callable[[], bool],
        http_client: httpx.Client | None,
        new_client: Callable[[], httpx.Client],
        connect: Callable[[httpx.Client], Any],
    ) -> None:
        self._running = running
        self._given = http_client
        self._new_client = new_client
        self._connect = connect
        self.signal = threading.Event()
        self._lock = threading.Lock()
        self._result: tuple[Any, Any] | None = None
        self._error: BaseException | None = None
        self._abandoned = False
        self._http: httpx.Client | None = None

    def wait(self) -> tuple[Any, Any] | None:
        if not self._running():
            return None
        threading.Thread(target=self._open, daemon=True, name="autoplay-sdk-connect").start()
        try:
            self.signal.wait()
        finally:
            with self._lock:
                result, error = self._result, self._error
                self._abandoned = result is None and error is None
        if error is not None:
            raise error
        return result

    def _open(self) -> None:
        try:
            http = self._http = self._given or self._new_client()
            cm = self._connect(http)
            source = cm.__enter__()
        except BaseException as exc:
            self._close_http()
            with self._lock:
                self._error = None if self._abandoned else exc
            self.signal.set()
            return
        with self._lock:
            if not self._abandoned:
                self._result = (cm, source)
                self.signal.set()
                return
        self.close(cm)

    def close(self, cm: Any) -> None:
        try:
            cm.__exit__(None, None, None)
        finally:
            self._close_http()

    def _close_http(self) -> None:
        if self._given is None and self._http is not None:
            self._http.close()


def body(response: httpx.Response, *, direct: bool = True) -> Iterator[bytes]:
    # Straight from the connection when ``direct`` and that is equivalent (see _http11); else the
    # transport's byte stream, which skips httpx's decoder and chunker layers that only matter for
    # a content-encoding; with one, ``iter_bytes``.
    raw = raw_body(response, enabled=direct)
    if raw is not None:
        return iter_raw(raw)
    if response.headers.get("content-encoding") or not isinstance(response.stream, httpx.SyncByteStream):
        return response.iter_bytes()
    return iter(response.stream)


def socket_of(response: httpx.Response) -> socket.socket | None:
    stream = response.extensions.get("network_stream")
    get_extra_info = getattr(stream, "get_extra_info", None)
    sock = get_extra_info("socket") if get_extra_info is not None else None
    return sock if isinstance(sock, socket.socket) else None
