"""The event loop on which the sync client runs ``async def`` callbacks.

One :class:`AsyncCallbackRunner` per worker run: its loop starts on the first awaitable a
callback returns and runs continuously (``run_forever``) on a daemon thread named
``autoplay-sdk-async-callbacks``.  The worker submits each awaitable and blocks until it finishes,
so async callbacks run one at a time, in arrival order, with the same back-pressure as sync ones;
tasks they start (a debounce, a background flush) keep running between events, and loop-bound
objects (HTTP or Redis clients, locks) stay usable from one event to the next.  Sync callbacks
still run on the worker thread with no running loop, so a sync callback may call ``asyncio.run``.

:meth:`AsyncCallbackRunner.close` lets pending tasks run until the drain deadline, cancels the
rest, shuts down async generators, stops the loop and joins its thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Awaitable
from typing import Any

THREAD_NAME = "autoplay-sdk-async-callbacks"
_CLOSE_MARGIN_S = 0.25


async def _await(awaitable: Awaitable[Any]) -> Any:
    """Accept any awaitable (coroutine, future, object with ``__await__``) as a coroutine.

    ``KeyboardInterrupt``/``SystemExit`` raised inside become a ``RuntimeError``: escaping, they
    would stop the loop before the waiting worker hears of it.
    """
    try:
        return await awaitable
    except (KeyboardInterrupt, SystemExit) as exc:
        raise RuntimeError(f"async callback raised {type(exc).__name__}") from exc


class AsyncCallbackRunner:
    """A lazily started, long-lived event loop on a companion thread (see the module docstring)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The running loop, or ``None`` before the first awaitable (and after :meth:`close`)."""
        return self._loop

    def _start(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def main() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()

        thread = threading.Thread(target=main, daemon=True, name=THREAD_NAME)
        thread.start()
        ready.wait()
        self._loop, self._thread = loop, thread
        return loop

    def run(self, awaitable: Awaitable[Any]) -> Any:
        """Run ``awaitable`` on the loop and block until it is done; its exception is raised here.

        A cancelled awaitable raises ``RuntimeError`` (an ordinary callback failure, never a
        ``BaseException`` that would end the worker).
        """
        loop = self._loop or self._start()
        future = asyncio.run_coroutine_threadsafe(_await(awaitable), loop)
        try:
            return future.result()
        except concurrent.futures.CancelledError as exc:
            raise RuntimeError("async callback was cancelled") from exc

    def close(self, timeout: float) -> None:
        """Within about ``timeout`` seconds: let pending tasks finish, cancel the rest, stop and close the loop.

        Pending tasks get ``timeout`` minus a margin (a tenth of it, at most a quarter second), so
        that cancelling and closing also fit in the window.
        """
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._loop = self._thread = None
        budget = max(0.0, timeout)
        budget -= min(_CLOSE_MARGIN_S, budget / 10)
        finish = asyncio.run_coroutine_threadsafe(_settle(time.monotonic() + budget), loop)
        try:
            finish.result()
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()


async def _settle(deadline: float) -> None:
    """Wait for every other task until ``deadline`` (tasks may start more), then cancel what is left."""
    me = asyncio.current_task()
    while True:
        pending = {t for t in asyncio.all_tasks() if t is not me}
        left = deadline - time.monotonic()
        if not pending or left <= 0:
            break
        await asyncio.wait(pending, timeout=left)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
    await asyncio.get_running_loop().shutdown_asyncgens()
