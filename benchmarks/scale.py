"""Redis-backed context vs the in-memory store: ingest rate, enrich() rate and latency, Redis memory.

Usage::

    uv run python benchmarks/scale.py            # 1,000 sessions x 10 payloads, 5 s per read pass
    uv run python benchmarks/scale.py --quick    # 200 sessions, 2 s per read pass

Starts its own ``redis-server`` on a free loopback port (no persistence) and prints one table.
Numbers on a shared machine are noisy: compare the rows of one run, not runs.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from typing import Any

from autoplay_sdk.context import ContextStore
from autoplay_sdk.context.redis_store import AsyncRedisContextStore, RedisContextStore
from autoplay_sdk.core.models import ActionsPayload, SlimAction

LOOKBACK = 3600.0
MAX_ACTIONS = 20


def _payloads(sessions: int, per_session: int) -> list[ActionsPayload]:
    rng = random.Random(1)
    now = time.time()
    out = []
    for k in range(sessions * per_session):
        n = rng.randint(1, 5)
        actions = [
            SlimAction(f"t{j}", f"User clicked button {k}.{j}", f"/app/page/{k % 7}", index=j, type="click")
            for j in range(n)
        ]
        out.append(ActionsPayload("prod", f"sess-{k % sessions}", f"user-{k % sessions}", None, actions, n, now))
    return out


def _read_pass(store: Any, sessions: int, seconds: float, seed: int) -> tuple[int, list[float]]:
    rng = random.Random(seed)
    lat: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        sid = f"sess-{rng.randrange(sessions)}"
        t0 = time.perf_counter()
        store.enrich(sid, "how do I export?", product_id="prod")
        lat.append(time.perf_counter() - t0)
    return len(lat), lat


def _reader_proc(url: str, sessions: int, seconds: float, seed: int, out: Any) -> None:
    store = RedisContextStore(url, lookback_seconds=LOOKBACK, max_actions=MAX_ACTIONS)
    n, _ = _read_pass(store, sessions, seconds, seed)
    out.put(n / seconds)


async def _async_ingest(url: str, payloads: list[ActionsPayload], lanes: int) -> float:
    """Writes as the ingester does them: sessions concurrently, each session's payloads in order."""
    store = AsyncRedisContextStore(url, key_prefix="bench-async:", lookback_seconds=LOOKBACK, max_actions=MAX_ACTIONS)
    by_lane: dict[int, list[ActionsPayload]] = {}
    for p in payloads:
        by_lane.setdefault(hash(p.session_id) % lanes, []).append(p)

    async def lane(items: list[ActionsPayload]) -> None:
        for p in items:
            await store.add(p)

    t0 = time.perf_counter()
    await asyncio.gather(*(lane(items) for items in by_lane.values()))
    rate = len(payloads) / (time.perf_counter() - t0)
    await store.aclose()
    return rate


def _long_session_rate(url: str, seconds: float) -> float:
    """enrich()/s on one session holding 5,000 payloads: a read fetches only its window's suffix."""
    store = RedisContextStore(url, key_prefix="bench-long:", lookback_seconds=LOOKBACK, max_actions=MAX_ACTIONS)
    now = time.time()
    for k in range(5000):
        action = [SlimAction(f"t{k}", f"User clicked button {k}", "/app/page", type="click")]
        store.add(ActionsPayload("prod", "long", None, None, action, 1, now))
    n = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        store.enrich("long", "how do I export?", product_id="prod")
        n += 1
    return n / seconds


def _row(name: str, value: str) -> None:
    print(f"| {name:<56} | {value:>18} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--per-session", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.sessions, args.seconds = 200, 2.0
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as workdir:
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir],
            stdout=subprocess.DEVNULL,
        )
        try:
            url = f"redis://127.0.0.1:{port}/0"
            client = None
            for _ in range(100):
                try:
                    import redis

                    client = redis.Redis.from_url(url)
                    client.ping()
                    break
                except Exception:
                    time.sleep(0.05)
            assert client is not None
            payloads = _payloads(args.sessions, args.per_session)
            memory = ContextStore(lookback_seconds=LOOKBACK, max_actions=MAX_ACTIONS)
            t0 = time.perf_counter()
            for p in payloads:
                memory.add(p)
            mem_ingest = len(payloads) / (time.perf_counter() - t0)
            base = client.info("memory")["used_memory"]
            shared = RedisContextStore(url, lookback_seconds=LOOKBACK, max_actions=MAX_ACTIONS)
            t0 = time.perf_counter()
            for p in payloads:
                shared.add(p)
            redis_ingest = len(payloads) / (time.perf_counter() - t0)
            used = client.info("memory")["used_memory"] - base
            async_ingest = asyncio.run(_async_ingest(url, payloads, 16))
            n_mem, lat_mem = _read_pass(memory, args.sessions, args.seconds, 1)
            n_one, lat_one = _read_pass(shared, args.sessions, args.seconds, 1)
            long_rate = _long_session_rate(url, args.seconds)
            queue: Any = multiprocessing.Queue()
            readers = [
                multiprocessing.Process(target=_reader_proc, args=(url, args.sessions, args.seconds, i, queue))
                for i in range(2)
            ]
            for r in readers:
                r.start()
            two = [queue.get(timeout=args.seconds + 60) for _ in readers]
            for r in readers:
                r.join()

            def pct(lat: list[float], q: int) -> str:
                return f"{statistics.quantiles(lat, n=100)[q - 1] * 1e6:.0f} µs"

            print(f"\n{args.sessions} sessions x {args.per_session} payloads, max_actions={MAX_ACTIONS}\n")
            print(f"| {'measure':<56} | {'value':>18} |\n|{'-' * 58}|{'-' * 20}|")
            _row("ingest, in-memory ContextStore.add", f"{mem_ingest:,.0f} /s")
            _row("ingest, RedisContextStore.add (1 Lua call)", f"{redis_ingest:,.0f} /s")
            _row("ingest, AsyncRedisContextStore.add, 16 sessions at once", f"{async_ingest:,.0f} /s")
            _row("enrich(), in-memory, 1 thread", f"{n_mem / args.seconds:,.0f} /s")
            _row("enrich(), Redis, 1 reader process", f"{n_one / args.seconds:,.0f} /s")
            _row("enrich(), Redis, 2 reader processes (sum)", f"{sum(two):,.0f} /s")
            _row("enrich(), Redis, one session of 5,000 payloads", f"{long_rate:,.0f} /s")
            _row("enrich() p50 / p99, in-memory", f"{pct(lat_mem, 50)} / {pct(lat_mem, 99)}")
            _row("enrich() p50 / p99, Redis", f"{pct(lat_one, 50)} / {pct(lat_one, 99)}")
            _row("Redis memory per 1,000 sessions", f"{used / args.sessions * 1000 / 1e6:,.2f} MB")
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
