"""Run either client against the local connector from a test thread, the same way.

The async client runs on its own event loop in a thread, so a test can drive both clients
with one set of steps; ``stop()`` is called from the test thread (thread-safe for both).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from autoplay_sdk import AsyncConnectorClient, ConnectorClient
from autoplay_sdk.core.models import AnyPayload

KINDS = ("sync", "async")

Client = ConnectorClient | AsyncConnectorClient


def blocking_callback(kind: str, fn: Callable[[Any], None]) -> Callable[[Any], Any]:
    """``fn`` may block on a ``threading.Event``; for the async client it must not block the loop,
    so it becomes an ``async def`` callback that waits in a worker thread (as a user would write it).
    """
    if kind == "sync":
        return fn

    async def callback(payload: Any) -> None:
        await asyncio.to_thread(fn, payload)

    return callback


def make_client(kind: str, url: str, token: str = "", **options: Any) -> Client:
    options.setdefault("initial_backoff_s", 0.01)
    options.setdefault("max_backoff_s", 0.05)
    cls = ConnectorClient if kind == "sync" else AsyncConnectorClient
    return cls(url, token, **options)


class Received:
    """Collects delivered payloads and lets a test wait for a count without sleeping."""

    def __init__(self) -> None:
        self.payloads: list[AnyPayload] = []
        self.by_session: dict[str | None, list[AnyPayload]] = defaultdict(list)
        self._cond = threading.Condition()

    def __call__(self, payload: AnyPayload) -> None:
        with self._cond:
            self.payloads.append(payload)
            self.by_session[payload.session_id].append(payload)
            self._cond.notify_all()

    def wait_for(self, n: int, timeout: float = 10.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.payloads) >= n, timeout)

    def forwarded(self) -> list[float]:
        return [p.forwarded_at for p in self.payloads]


class Runner:
    """``client.run()`` on a background thread; remembers how it ended."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.error: BaseException | None = None
        self.returned = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        try:
            if isinstance(self.client, AsyncConnectorClient):
                asyncio.run(self.client.run())
            else:
                self.client.run()
        except BaseException as exc:
            self.error = exc
        finally:
            self.returned.set()

    def start(self) -> Runner:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> float:
        """Call ``stop()`` and return how long ``run()`` took to return."""
        began = time.monotonic()
        self.client.stop()
        assert self.returned.wait(timeout), "run() did not return after stop()"
        return time.monotonic() - began

    def join(self, timeout: float = 10.0) -> BaseException | None:
        assert self.returned.wait(timeout), "run() did not return"
        return self.error
