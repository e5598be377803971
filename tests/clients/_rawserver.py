"""A scripted HTTP/1.1 server on a raw socket: the hostile SSE server the fault tests talk to.

Not the project's local connector: every byte of every response is written by the test, so a
test can answer with anything (a BOM, bare CRs, 204, redirects, a wrong content type, no
response at all) and see every request header as raw bytes.  Connection ``i`` is answered by
``script[i]`` (the last entry answers every later connection).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, bytes] = field(default_factory=dict)  # lower-case name -> raw value


class Conn:
    def __init__(self, sock: socket.socket, request: Request, server: RawServer) -> None:
        self.sock = sock
        self.request = request
        self.server = server

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def sse(self, body: bytes = b"", *, head: bytes = b"") -> None:
        """A 200 ``text/event-stream`` response head (read until close), then ``body``."""
        self.send(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n"
            + head
            + b"\r\n"
        )
        if body:
            self.send(body)

    def hold(self) -> None:
        """Keep the connection open until the server shuts down (or the client leaves)."""
        self.server.closing.wait()


Handler = Callable[[Conn], None]


def status(code: int, reason: str, headers: bytes = b"") -> Handler:
    def handler(conn: Conn) -> None:
        conn.send(
            f"HTTP/1.1 {code} {reason}\r\ncontent-length: 0\r\nconnection: close\r\n".encode() + headers + b"\r\n"
        )

    return handler


def sse(body: bytes, *, hold: bool = False, head: bytes = b"") -> Handler:
    def handler(conn: Conn) -> None:
        conn.sse(body, head=head)
        if hold:
            conn.hold()

    return handler


def silent(conn: Conn) -> None:
    """Accept, read the request, never answer."""
    conn.hold()


class RawServer:
    def __init__(self, script: Sequence[Handler], host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        self.script = list(script)
        self.tls = tls
        self.requests: list[Request] = []
        self.closing = threading.Event()
        self._changed = threading.Condition()
        self._listener = socket.create_server((host, 0))
        self.host = host
        self.port = self._listener.getsockname()[1]
        self._conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str = "/stream/p") -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{self.host}:{self.port}{path}"

    def wait_for_requests(self, n: int, timeout: float = 10.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.requests) >= n, timeout)

    def close(self) -> None:
        self.closing.set()
        self._listener.close()
        for sock in list(self._conns):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self) -> None:
        while not self.closing.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            self._conns.append(sock)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_side=True)
                self._conns.append(sock)
            request = _read_request(sock)
            if request is None:
                return
            with self._changed:
                index = len(self.requests)
                self.requests.append(request)
                self._changed.notify_all()
            self.script[min(index, len(self.script) - 1)](Conn(sock, request, self))
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


def _read_request(sock: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    method, target, _ = head[0].decode().split(" ", 2)
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(b":")
        headers[name.decode().strip().lower()] = value.strip()
    return Request(method, target, headers)


@contextlib.contextmanager
def raw_server(*script: Handler, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> Iterator[RawServer]:
    """Serve ``script`` on a free port of ``host``; over TLS with ``tls`` (a server context)."""
    server = RawServer(script, host, tls)
    try:
        yield server
    finally:
        server.close()
