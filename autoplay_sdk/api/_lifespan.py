"""The bridge's one lifespan: start the stream reader with the app, stop it within a bound.

Both bridge modes use it: in memory the reader is the app's ``AsyncConnectorClient``; with
``role="ingest"`` it is the fleet's ``RedisIngester`` (which owns a client).  A reader is
described by a :class:`Reader`: how to start it (returning its task), how to ask it to stop and,
optionally, what to close afterwards.  ``role="serve"`` has no reader.

Shutdown: ``stop()``, then up to ``grace_s`` for the task, then cancel it (WARNING) and wait up
to ``grace_s`` again; a task that ended with an exception re-raises it (e.g. the connector's fatal
401/403/404).  A reader that dies while the app runs is logged at once, with the exception type
(and HTTP status) and the redacted stream URL, never the token.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from autoplay_sdk._logging import get_logger, redact_url

__all__ = ["Reader", "finish_reader", "reader_ended_callback", "run_reader"]

# Records keep the bridge's published logger name.
logger = get_logger("autoplay_sdk.api.fastapi")


@dataclass(frozen=True)
class Reader:
    """What the lifespan runs: ``start()`` returns the reader's task; ``stop()`` asks it to end."""

    start: Callable[[], asyncio.Task[None]]
    stop: Callable[[], None]
    client: Any
    close: Callable[[], Awaitable[None]] | None = None


@contextlib.asynccontextmanager
async def run_reader(app: Any, reader: Reader | None, stream_url: str, grace_s: float) -> AsyncIterator[None]:
    """Run ``reader`` for the app's lifetime; ``app.state.connector_task`` is its task meanwhile."""
    if reader is None:
        yield
        return
    task = reader.start()
    task.add_done_callback(reader_ended_callback(stream_url))
    app.state.connector_task = task
    # Let the reader begin before the app is up: a stop() that lands before run() starts is
    # lost by the client (run() resets its stop flag), which would turn shutdown into a timeout.
    await asyncio.sleep(0)
    try:
        yield
    finally:
        reader.stop()
        try:
            await finish_reader(task, grace_s)
        finally:
            if reader.close is not None:
                await reader.close()


def _describe(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    name = type(exc).__name__
    return f"{name} (HTTP {status})" if isinstance(status, int) else name


def reader_ended_callback(stream_url: str) -> Callable[[asyncio.Task[None]], None]:
    """A done-callback that logs (ERROR) a reader task that ended with an exception."""
    safe_url = redact_url(stream_url)

    def reader_ended(task: asyncio.Task[None]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        logger.error(
            "bridge: the stream reader for %s stopped with %s; the routes keep serving what was received",
            safe_url,
            _describe(exc),
            extra={"url": safe_url},
        )

    return reader_ended


async def finish_reader(task: asyncio.Task[None], grace_s: float) -> None:
    """Wait up to ``grace_s`` for the stopped reader, then cancel it; re-raise what it raised."""
    try:
        done, _ = await asyncio.wait({task}, timeout=grace_s)
        if not done:
            logger.warning("bridge: the stream reader did not stop within %g s; cancelling it", grace_s)
            task.cancel()
            done, _ = await asyncio.wait({task}, timeout=grace_s)
    except BaseException:  # the shutdown itself was cancelled: do not leave the reader behind
        task.cancel()
        raise
    if done and not task.cancelled():
        task.result()  # re-raises the reader's exception (e.g. a fatal 401/403/404)
