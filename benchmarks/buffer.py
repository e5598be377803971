"""Throughput of the buffers: ``uv run python benchmarks/buffer.py``.

- ``EventBuffer.add``: adds/s on one thread, unbounded and bounded (every add past the bound
  evicts the oldest item and calls ``on_drop``).
- ``RedisEventBuffer.add``: adds/s with ``max_concurrent`` 1 and 10, with as many concurrent
  tasks as slots (one ``MULTI``/``EXEC`` round trip per add), against a ``redis-server``
  spawned on a free loopback port (or ``--redis-url``).  Payloads dropped for backpressure
  are counted and shown.
- ``RedisEventBuffer.drain``: payloads/s for one drain of everything added (50 sessions).

Payloads are ``ActionsPayload`` with 3 actions each (~1 KiB of JSON).  Timings are the best of
``--repeat`` runs; the machine may be shared, so treat them as indications.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from autoplay_sdk import ActionsPayload, EventBuffer, RedisEventBuffer, SlimAction

N_MEMORY = 200_000
N_REDIS = 10_000
SESSIONS = 50


def payloads(n: int) -> list[ActionsPayload]:
    out = []
    for i in range(n):
        sid = f"sess-{i % SESSIONS:03d}"
        ts = 1_700_000_000.0 + i / 1000
        actions = [
            SlimAction(
                f"Clicked {k}", f"Clicked Export button {k}", "/reports/:id", k, "click", ts, ts, "/reports/42", sid
            )
            for k in range(3)
        ]
        out.append(ActionsPayload("prod-bench", sid, "user-1", "u@example.com", actions, 3, ts))
    return out


def bench_memory(items: list[ActionsPayload], repeat: int) -> None:
    for max_size in (0, 1000):
        best = float("inf")
        for _ in range(repeat):
            buf = EventBuffer(max_size=max_size, on_drop=lambda _: None)
            add = buf.add
            start = time.perf_counter()
            for p in items:
                add(p)
            best = min(best, time.perf_counter() - start)
        label = "unbounded" if max_size == 0 else f"max_size={max_size} (evicting)"
        print(f"EventBuffer.add        {label:<28} {len(items) / best:>12,.0f} adds/s")


async def bench_redis(url: str, items: list[ActionsPayload], repeat: int) -> None:
    for max_concurrent in (1, 10):
        best_add = best_drain = float("inf")
        dropped_total = 0
        for run in range(repeat):
            dropped: list[object] = []
            async with RedisEventBuffer(
                url,
                key_prefix=f"bench-{max_concurrent}-{run}",
                window_seconds=1e9,
                max_concurrent=max_concurrent,
                on_drop=dropped.append,
            ) as buf:
                await buf.drain()  # connect first
                chunks = [items[k::max_concurrent] for k in range(max_concurrent)]

                async def worker(chunk: list[ActionsPayload], b: RedisEventBuffer = buf) -> None:
                    for p in chunk:
                        await b.add(p)

                start = time.perf_counter()
                await asyncio.gather(*(worker(c) for c in chunks))
                best_add = min(best_add, time.perf_counter() - start)
                start = time.perf_counter()
                drained = await buf.drain()
                best_drain = min(best_drain, time.perf_counter() - start)
                assert len(drained) + len(dropped) == len(items), "lost payloads"
                dropped_total += len(dropped)
        print(
            f"RedisEventBuffer.add   max_concurrent={max_concurrent:<14} {len(items) / best_add:>12,.0f} adds/s"
            f"   (dropped over all runs: {dropped_total})"
        )
        print(
            f"RedisEventBuffer.drain max_concurrent={max_concurrent:<14} {len(items) / best_drain:>12,.0f} payloads/s"
        )


@contextmanager
def redis_server() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not installed; pass --redis-url")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as workdir:
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        sys.exit("redis-server did not start")
                    time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--redis-url", help="use this Redis instead of spawning redis-server")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small N, one run: check that the script works")
    args = parser.parse_args()
    # The eviction WARNINGs are still created (their cost is part of the figure), not printed.
    logging.getLogger("autoplay_sdk").addHandler(logging.NullHandler())
    n_memory, n_redis, repeat = (20_000, 1_000, 1) if args.quick else (N_MEMORY, N_REDIS, args.repeat)
    print(f"python {sys.version.split()[0]}; best of {repeat}; {n_memory:,} in-memory and {n_redis:,} Redis adds")
    bench_memory(payloads(n_memory), repeat)
    items = payloads(n_redis)
    if args.redis_url:
        asyncio.run(bench_redis(args.redis_url, items, repeat))
    else:
        with redis_server() as url:
            asyncio.run(bench_redis(url, items, repeat))


if __name__ == "__main__":
    main()
