"""Pull mode with RedisEventBuffer: a per-session sliding window shared by several workers.

    python examples/buffer_redis.py --redis-url redis://127.0.0.1:6379/0
    python examples/buffer_redis.py URL --token TOKEN --redis-url redis://...

Needs the extras: pip install 'autoplay-sdk[redis,serve]' (this SDK, installed as in its README:
PyPI's autoplay-sdk is a different package).  With no stream URL it starts a
local connector with sample sessions and ends once they are all drained; with a URL it runs
until Ctrl-C.  If Redis cannot be reached at start, the example says why and falls back to the
in-memory EventBuffer (one process only); if Redis goes away later, RedisEventBuffer reports
every payload it cannot store through on_drop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Callable
from urllib.parse import urlsplit

from autoplay_sdk import AnyPayload, AsyncConnectorClient, EventBuffer, RedisEventBuffer
from autoplay_sdk.testing import stream_source


async def why_unreachable(redis_url: str) -> str | None:
    """``None`` when Redis answers PING at ``redis_url``, otherwise the reason it does not."""
    try:
        import redis.asyncio as aioredis
    except ImportError:
        return "the redis package is not installed: pip install 'autoplay-sdk[redis]'"
    client = aioredis.Redis.from_url(redis_url, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception as exc:  # refused, timed out, wrong password, ...
        return f"{type(exc).__name__}: {exc}"
    finally:
        await client.aclose()
    return None


class MemoryWindow:
    """The fallback: an in-memory EventBuffer behind RedisEventBuffer's async add/drain."""

    def __init__(self, on_drop: Callable[[AnyPayload], None]) -> None:
        self.buffer = EventBuffer(max_size=10_000, on_drop=on_drop)

    async def add(self, payload: AnyPayload) -> None:
        self.buffer.add(payload)

    async def drain(self) -> list[AnyPayload]:
        return self.buffer.drain()

    def __repr__(self) -> str:
        return repr(self.buffer)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", nargs="?", help="connector stream URL (default: start a local connector)")
    parser.add_argument("--token", default="", help="bearer token (default: $AUTOPLAY_APP_UNKEY_TOKEN)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--prefix", default="example", help="key prefix shared by the workers of one app")
    args = parser.parse_args()

    dropped: list[object] = []
    async with contextlib.AsyncExitStack() as stack:
        reason = await why_unreachable(args.redis_url)
        if reason is None:
            redis_buffer = RedisEventBuffer(
                args.redis_url, key_prefix=args.prefix, window_seconds=600, on_drop=dropped.append
            )
            buffer: RedisEventBuffer | MemoryWindow = await stack.enter_async_context(redis_buffer)
            await buffer.drain()  # start from an empty window
        else:
            where = urlsplit(args.redis_url)  # host and port only: the URL may carry a password
            print(
                f"note: Redis at {where.hostname}:{where.port or 6379} is not reachable ({reason}); "
                "falling back to an in-memory EventBuffer, which only this process can drain.",
                file=sys.stderr,
            )
            buffer = MemoryWindow(on_drop=dropped.append)
        # Your stream, or else a local connector with 4 sample sessions (expected: how many it serves).
        source = stack.enter_context(stream_source(args.url, args.token, sessions=4))
        client = AsyncConnectorClient(source.url, token=source.token)
        client.on_actions(buffer.add).on_summary(buffer.add)  # add() is a coroutine: awaited per event
        reader = client.run_in_background()
        drained = 0
        try:
            while source.expected is None or drained + len(dropped) < source.expected:
                await asyncio.sleep(0.3)
                batch = await buffer.drain()  # every session's window, oldest forwarded_at first
                drained += len(batch)
                if batch:
                    sessions = sorted({p.session_id or "-" for p in batch})
                    print(f"drained {len(batch)} payloads from {len(sessions)} sessions: {', '.join(sessions)}")
        finally:
            client.stop()
            await reader
    print(f"drained {drained} payloads, {len(dropped)} reported dropped; buffer: {buffer!r}")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
