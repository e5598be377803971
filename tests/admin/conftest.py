"""Fixtures of the onboarding tests: a scripted ``POST /products`` server on 127.0.0.1, and the local connector."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from autoplay_sdk.testing import LocalConnector

SECRET_RESPONSE = {
    "product_id": "acme",
    "webhook_secret": "server-webhook-secret-0123456789",
    "unkey_key": "unkey-key-abcdefghijklmnopqrstuvwxyz",
    "unkey_key_id": "key_123",
    "dual_write": True,
}


@dataclass
class StubConnector:
    """Answers every request with ``status`` / ``body`` and records the requests it saw."""

    status: int = 201
    body: Any = field(default_factory=lambda: dict(SECRET_RESPONSE))
    requests: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def stub_connector() -> Iterator[StubConnector]:
    stub = StubConnector()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            stub.requests.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, raw))
            payload = stub.body if isinstance(stub.body, (bytes, str)) else json.dumps(stub.body)
            data = payload.encode() if isinstance(payload, str) else payload
            self.send_response(stub.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = _answer
        do_GET = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def connector() -> Iterator[LocalConnector]:
    with LocalConnector() as server:
        yield server


@pytest.fixture
def unused_port() -> int:
    """A port nothing listens on (bound then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
