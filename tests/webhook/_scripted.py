"""A raw HTTP/1.1 server on 127.0.0.1 that answers each request as scripted, and records it."""

from __future__ import annotations

import socket
import socketserver
import threading
from dataclasses import dataclass


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    """Answers request *n* with ``script[n]``: an int status, or ``"hang"`` (never answers).

    Requests beyond the script get 200.  ``hang`` holds the connection until :meth:`close`.
    """

    def __init__(self, script: list[int | str]) -> None:
        self.script = list(script)
        self.seen: list[Seen] = []
        self._released = threading.Event()
        self._lock = threading.Condition()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                while True:
                    request_line = self.rfile.readline()
                    if not request_line:
                        return
                    method, path, _ = request_line.decode("latin-1").split(" ", 2)
                    headers: dict[str, str] = {}
                    while (line := self.rfile.readline()) not in (b"\r\n", b"\n", b""):
                        name, _, value = line.decode("latin-1").partition(":")
                        headers[name.strip().lower()] = value.strip()
                    body = self.rfile.read(int(headers.get("content-length", "0")))
                    with outer._lock:
                        n = len(outer.seen)
                        outer.seen.append(Seen(method, path, headers, body))
                        outer._lock.notify_all()
                    action = outer.script[n] if n < len(outer.script) else 200
                    if action == "hang":
                        outer._released.wait(30)
                        return
                    head = f"HTTP/1.1 {action} X\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n"
                    self.wfile.write(head.encode() + b"{}")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def wait_for_requests(self, n: int, timeout: float = 10.0) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: len(self.seen) >= n, timeout)


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"
