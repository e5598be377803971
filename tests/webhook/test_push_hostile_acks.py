"""PushSender reading hostile receiver replies from a raw HTTP server on 127.0.0.1.

The sender decides on the status alone and never decodes the reply body, so no reply body can
crash it or change the outcome.
"""

from __future__ import annotations

import contextlib
import socketserver
import threading
from collections.abc import Iterator

import pytest

from autoplay_sdk.testing import PushSender
from tests._hostile import HOSTILE

REPLIES = {**HOSTILE, "HTML": b"<html>\x00</html>", "a megabyte of zeros": b"0" * (1 << 20)}


class _Replier:
    """Answers every POST with ``status`` and ``reply`` (a complete, correctly framed response)."""

    def __init__(self, status: int, reply: bytes) -> None:
        self.requests = 0
        lock = threading.Lock()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                while self.rfile.readline():  # the request line
                    length = 0
                    while (header := self.rfile.readline()) not in (b"\r\n", b"\n", b""):
                        name, _, value = header.decode("latin-1").partition(":")
                        if name.strip().lower() == "content-length":
                            length = int(value)
                    self.rfile.read(length)
                    with lock:
                        outer.requests += 1
                    head = (
                        f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(reply)}\r\n\r\n"
                    )
                    self.wfile.write(head.encode() + reply)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> _Replier:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextlib.contextmanager
def _deliver(status: int, reply: bytes) -> Iterator[tuple[PushSender, _Replier]]:
    with _Replier(status, reply) as server:
        sender = PushSender(server.url, "s", initial_backoff_s=0.0, max_backoff_s=0.0, max_attempts=3)
        with sender:
            sender.send_many([{"type": "summary", "summary": "a"}, {"type": "summary", "summary": "b"}])
            assert sender.flush(30)
            yield sender, server


@pytest.mark.parametrize("reply", list(REPLIES.values()), ids=list(REPLIES))
@pytest.mark.parametrize(
    ("status", "outcome", "attempts"), [(200, "delivered", 2), (400, "rejected", 2), (503, "dropped", 6)]
)
def test_reply_bodies_never_change_the_outcome(status: int, outcome: str, attempts: int, reply: bytes) -> None:
    with _deliver(status, reply) as (sender, server):
        stats = sender.stats
        assert getattr(stats, outcome) == 2 and stats.pending == 0
        assert stats.attempts == server.requests == attempts
