"""One ingester, two reader replicas, one Redis: every replica answers the same.

Run it with no arguments: it starts a local connector with sample traffic and a throwaway
``redis-server`` (the binary must be on PATH), ingests the stream into Redis, then asks two
independent reader stores for the same user's context and prints it.  Pass a Redis URL to use
an existing server instead::

    python examples/redis_replicas.py [redis://127.0.0.1:6379/0]

Needs the ``redis`` and ``serve`` extras: ``pip install 'autoplay-sdk[redis,serve]'`` (this SDK,
installed as in its README: PyPI's ``autoplay-sdk`` is a different package).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack

from autoplay_sdk.context.redis_ingest import RedisIngester
from autoplay_sdk.context.redis_store import RedisContextStore, RedisUserSessionIndex
from autoplay_sdk.testing import LocalConnector, local_summarizer_llm, sample_events

LOOKBACK = 3600.0


def start_redis(stack: ExitStack) -> str:
    """A private redis-server on a free port (stopped when the program ends)."""
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not on PATH: install Redis or pass a redis:// URL")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workdir = stack.enter_context(tempfile.TemporaryDirectory())
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL,
    )
    stack.callback(proc.wait, 10)
    stack.callback(proc.terminate)
    deadline = time.monotonic() + 10
    while True:  # a new process gives no signal when it is ready: try to connect
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return f"redis://127.0.0.1:{port}/0"
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("redis-server did not start")
            time.sleep(0.05)


async def ingest(stream_url: str, token: str, redis_url: str, last_id: str) -> None:
    """Run the ingester until it has written everything up to ``last_id``, then stop it."""
    ingester = RedisIngester(
        stream_url=stream_url, token=token, redis=redis_url, llm=local_summarizer_llm, lookback_seconds=LOOKBACK
    )
    task = asyncio.create_task(ingester.run())
    deadline = time.monotonic() + 30
    while ingester.last_event_id != last_id and not task.done() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    ingester.stop()
    await task
    await ingester.aclose()


def main() -> None:
    with ExitStack() as stack:
        redis_url = sys.argv[1] if len(sys.argv) > 1 else start_redis(stack)
        events = sample_events()
        connector = stack.enter_context(LocalConnector(events))
        last_id = str(len(events))  # the local connector numbers its entries 1, 2, ...
        asyncio.run(ingest(connector.stream_url, connector.token, redis_url, last_id))

        # Two replicas: separate stores and connections, nothing shared but Redis.
        replicas = []
        for _ in range(2):
            store = RedisContextStore(redis_url, lookback_seconds=LOOKBACK, max_actions=20)
            replicas.append((store, RedisUserSessionIndex(store, redis_url, lookback_seconds=LOOKBACK)))
        user = next(e["user_id"] for e in events if e.get("user_id"))
        answers = [index.get_user_activity(user) for _, index in replicas]
        print(f"replica A and replica B agree: {answers[0] == answers[1]}")
        print(answers[0])
        session = replicas[0][1].get_recent_sessions(user)[0]
        print()
        print(replicas[1][0].enrich(session.session_id, "How do I export?", product_id=session.product_id))


if __name__ == "__main__":
    main()
