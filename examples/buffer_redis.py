"""Pull mode with RedisEventBuffer: a per-session sliding window shared by several workers.

    python examples/buffer_redis.py --redis-url redis://127.0.0.1:6379/0
    python examples/buffer_redis.py URL --token TOKEN --redis-url redis://...

Needs the extras: pip install 'autoplay-sdk[redis,serve]'.  With no stream URL it starts a
local connector with sample sessions and ends once they are all drained; with a URL it runs
until Ctrl-C.  If Redis is unreachable, every payload is reported through on_drop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from _source import async_stream_source as stream_source

from autoplay_sdk import AsyncConnectorClient, RedisEventBuffer


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", nargs="?", help="connector stream URL (default: start a local connector)")
    parser.add_argument("--token", default="", help="bearer token (default: $AUTOPLAY_APP_UNKEY_TOKEN)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--prefix", default="example", help="key prefix shared by the workers of one app")
    args = parser.parse_args()

    dropped: list[object] = []
    async with (
        RedisEventBuffer(args.redis_url, key_prefix=args.prefix, window_seconds=600, on_drop=dropped.append) as buffer,
        stream_source(args.url, args.token) as (url, token, expected),
    ):
        await buffer.drain()  # start from an empty window
        client = AsyncConnectorClient(url, token=token)
        client.on_actions(buffer.add).on_summary(buffer.add)  # add() is a coroutine: awaited per event
        reader = client.run_in_background()
        drained = 0
        try:
            while expected is None or drained + len(dropped) < expected:
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
