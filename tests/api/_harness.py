"""Helpers for the bridge tests: stream events, an in-process runner and a real uvicorn server.

Synchronisation is by polling a condition against a deadline (the HTTP route, a counter),
never by sleeping a fixed time.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

PRODUCT = "demo-product"
POLL_S = 0.02


def actions_event(
    user_id: str | None,
    session_id: str = "s1",
    descriptions: Sequence[str] = ("Clicked Export",),
    *,
    forwarded_at: float | None = None,
    url: str = "/reports",
    first_index: int = 0,
) -> dict[str, Any]:
    """An ``actions`` wire event stamped now (inside any lookback window) unless told otherwise."""
    now = time.time() if forwarded_at is None else forwarded_at
    return {
        "type": "actions",
        "product_id": PRODUCT,
        "session_id": session_id,
        "user_id": user_id,
        "email": f"{user_id}@example.com" if user_id else None,
        "actions": [
            {
                "index": first_index + i,
                "type": "click",
                "title": d,
                "description": d,
                "canonical_url": url,
                "raw_url": url,
                "timestamp_start": now,
                "timestamp_end": now,
            }
            for i, d in enumerate(descriptions)
        ],
        "count": len(descriptions),
        "forwarded_at": now,
    }


def summary_event(session_id: str, text: str) -> dict[str, Any]:
    return {
        "type": "summary",
        "product_id": PRODUCT,
        "session_id": session_id,
        "summary": text,
        "replaces": 3,
        "forwarded_at": time.time(),
    }


async def eventually(check: Callable[[], Awaitable[T | None]], *, timeout: float = 10.0, what: str = "condition") -> T:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(POLL_S)


def eventually_sync(check: Callable[[], T | None], *, timeout: float = 10.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(POLL_S)


@contextlib.asynccontextmanager
async def running(app: Any, *, raise_app_exceptions: bool = True) -> AsyncIterator[httpx.AsyncClient]:
    """Run ``app``'s lifespan on this loop and yield an in-process HTTP client for it."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bridge") as http,
    ):
        yield http


async def context_of(http: httpx.AsyncClient, user_id: str, **headers: str) -> str | None:
    """The ``/context`` text of ``user_id``, or ``None`` while it answers 404."""
    response = await http.get(f"/context/{user_id}", params={"query": "q"}, headers=headers)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    text: str = response.json()["context"]
    return text


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


class UvicornThread:
    """``app`` served by uvicorn on a free 127.0.0.1 port, on its own thread and event loop."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self._sock = free_socket()
        self.port = int(self._sock.getsockname()[1])
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, http="h11", ws="none", lifespan="on", log_config=None, access_log=False)
        self.server = uvicorn.Server(config)
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bridge-under-test", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self.server.serve(sockets=[self._sock]))
        except BaseException as exc:  # reported to the test
            self.error = exc
        finally:
            self._sock.close()

    def start(self) -> UvicornThread:
        self._thread.start()
        eventually_sync(lambda: self.server.started or not self._thread.is_alive(), timeout=10, what="uvicorn startup")
        assert self.server.started, f"uvicorn did not start: {self.error!r}"
        return self

    def stop(self, timeout: float = 10.0) -> float:
        """Ask uvicorn to exit; return how long the thread took to end (asserts it did)."""
        started = time.monotonic()
        self.server.should_exit = True
        self._thread.join(timeout)
        elapsed = time.monotonic() - started
        assert not self._thread.is_alive(), f"uvicorn still running {timeout} s after should_exit"
        return elapsed

    def __enter__(self) -> UvicornThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self._thread.is_alive():
            self.stop()
