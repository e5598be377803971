"""One measured workload in a fresh interpreter, for ``benchmarks/vs075.py``.

``python _vs075_child.py ROW '<json options>'`` runs ROW against whatever ``autoplay_sdk`` this
interpreter imports (this project's, or the published 0.7.5 in a throwaway venv) through public
API that both share, and prints one JSON line: the rates it measured and ``peak_rss_kb`` (the
process's ``VmHWM``: its whole peak resident set, interpreter and imports included).

The script imports nothing from the repository, so the same file times both packages.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import random
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

PRODUCT = "prod-bench"
QUESTION = "How do I export my report?"
_PAGES = ["/dashboard", "/settings/billing", "/reports/export", "/projects/42", "/team/invite"]
_VERBS = [("click", "Clicked"), ("pageview", "Viewed"), ("submit", "Submitted"), ("input", "Typed in")]
_TARGETS = ["Export button", "Upgrade plan", "Invite form", "Search box", "Filters panel"]


def _clock() -> float:
    """CPU time of this thread for single-threaded rows (a busy machine barely moves it)."""
    return time.thread_time()


def _wall() -> float:
    return time.perf_counter()


def peak_rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def wire_payloads(sessions: int, per_session: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """``sessions x per_session`` actions payloads (1-5 actions each), interleaved across sessions.

    A generator: a caller that parses as it goes never holds the whole input at once.
    """
    rng = random.Random(seed)
    now = time.time()
    total = sessions * per_session
    order = [s for s in range(sessions) for _ in range(per_session)]
    rng.shuffle(order)
    next_index = [0] * sessions
    for i, s in enumerate(order):
        sid = f"sess-{s:05d}"
        actions = []
        for _ in range(rng.randint(1, 5)):
            kind, verb = rng.choice(_VERBS)
            actions.append(
                {
                    "title": verb,
                    "description": f"{verb} {rng.choice(_TARGETS)}",
                    "canonical_url": rng.choice(_PAGES),
                    "index": next_index[s],
                    "type": kind,
                    "timestamp_start": now,
                    "timestamp_end": now,
                    "raw_url": "https://app.example.com" + rng.choice(_PAGES),
                    "session_id": sid,
                    "user_id": f"user-{s:05d}",
                    "email": f"user{s}@example.com",
                }
            )
            next_index[s] += 1
        yield (
            {
                "type": "actions",
                "product_id": PRODUCT,
                "session_id": sid,
                "user_id": f"user-{s:05d}",
                "email": f"user{s}@example.com",
                "actions": actions,
                "count": len(actions),
                "forwarded_at": now - 50.0 + i * (50.0 / total),
            }
        )


def row_context(opts: dict[str, Any]) -> dict[str, Any]:
    """Parse JSON frames, ``ContextStore.add`` them, then ``enrich`` random sessions (mostly cold)."""
    from autoplay_sdk import ActionsPayload, ContextStore

    sessions, per_session, n_enrich = opts["sessions"], opts["per_session"], opts["enrich"]
    # Each frame is parsed as it arrives, as a stream client would: the input is never held whole.
    payloads = [ActionsPayload.from_dict(json.loads(json.dumps(w))) for w in wire_payloads(sessions, per_session)]
    store = ContextStore()
    add = store.add
    t0 = _clock()
    for p in payloads:
        add(p)
    t_add = _clock() - t0
    del payloads, p
    rng = random.Random(11)
    picks = [f"sess-{rng.randrange(sessions):05d}" for _ in range(n_enrich)]
    enrich = store.enrich
    t0 = _clock()
    for sid in picks:
        enrich(sid, QUESTION, product_id=PRODUCT)
    t_enrich = _clock() - t0
    return {
        "add_ops_s": sessions * per_session / t_add,
        "enrich_ops_s": n_enrich / t_enrich,
    }


def row_event_buffer(opts: dict[str, Any]) -> dict[str, Any]:
    """``EventBuffer.add`` of N payloads into a full buffer (every add evicts), logging silenced."""
    from autoplay_sdk import ActionsPayload, EventBuffer

    logging.disable(logging.CRITICAL)
    n = opts["n"]
    payloads = [ActionsPayload.from_dict(w) for w in wire_payloads(100, n // 100)]
    buf = EventBuffer(max_size=opts["max_size"])
    add = buf.add
    t0 = _clock()
    for p in payloads:
        add(p)
    dt = _clock() - t0
    assert len(buf) == opts["max_size"]
    return {"add_ops_s": len(payloads) / dt}


def row_webhook(opts: dict[str, Any]) -> dict[str, Any]:
    """``WebhookReceiver.handle_sync``: verify the signature, parse, run a callback, N signed bodies."""
    from autoplay_sdk import WebhookReceiver

    n, secret = opts["n"], "whsec-bench"
    bodies = [json.dumps(w, separators=(",", ":")).encode() for w in wire_payloads(100, n // 100)]
    sigs = ["sha256=" + hmac.new(secret.encode(), b, hashlib.sha256).hexdigest() for b in bodies]
    seen = [0]

    def on_actions(_payload: Any) -> None:
        seen[0] += 1

    receiver = WebhookReceiver(secret=secret, on_actions=on_actions)
    handle = receiver.handle_sync
    t0 = _clock()
    for body, sig in zip(bodies, sigs, strict=True):
        handle(body, sig)
    dt = _clock() - t0
    assert seen[0] == len(bodies), seen
    return {"handle_ops_s": len(bodies) / dt}


def row_redis_buffer(opts: dict[str, Any]) -> dict[str, Any]:
    """``RedisEventBuffer.add``: N adds from ``workers`` concurrent tasks against a local redis-server.

    ``workers`` equals ``max_concurrent``, so no add waits for a slot and none is dropped: the rate
    is that of adds stored, and the child reports how many were stored and drained back.
    """
    from autoplay_sdk import ActionsPayload, RedisEventBuffer

    n = opts["n"]
    payloads = [ActionsPayload.from_dict(w) for w in wire_payloads(50, n // 50)]

    async def main() -> dict[str, Any]:
        buf = RedisEventBuffer(opts["redis_url"], key_prefix=opts["prefix"], max_concurrent=opts["max_concurrent"])
        await buf.add(payloads[0])  # connect outside the clock
        await buf.drain()
        workers = opts["max_concurrent"]

        async def worker(share: list[Any]) -> None:
            for p in share:
                await buf.add(p)

        t0 = _wall()
        await asyncio.gather(*(worker(payloads[i::workers]) for i in range(workers)))
        dt = _wall() - t0
        size = await buf.size()
        drained = await buf.drain()
        return {"add_ops_s": len(payloads) / dt, "stored": size, "drained": len(drained)}

    return asyncio.run(main())


def row_import(_opts: dict[str, Any]) -> dict[str, Any]:
    t0 = _clock()
    import autoplay_sdk  # noqa: F401

    return {"import_s": _clock() - t0}


def _stream_done(n: int) -> tuple[Any, threading.Event]:
    done = threading.Event()
    count = [0]

    def cb(_payload: Any) -> None:
        count[0] += 1
        if count[0] == n:
            done.set()

    return cb, done


def row_sync_client(opts: dict[str, Any]) -> dict[str, Any]:
    """``ConnectorClient`` reading N chunked frames from the loopback server, no-op callbacks."""
    from autoplay_sdk import ConnectorClient

    n = opts["n"]
    cb, done = _stream_done(n)
    client = ConnectorClient(opts["url"], token="t", max_queue_size=n + 16, initial_backoff_s=60, max_backoff_s=60)
    client.on_actions(cb).on_summary(cb)
    t0, c0 = _wall(), time.process_time()
    thread = client.run_in_background()
    if not done.wait(120):
        raise SystemExit("sync client: timed out")
    dt, cpu = _wall() - t0, time.process_time() - c0
    client.stop()  # 0.7.5 may take until its next backoff ends to stop: the thread is a daemon
    del thread
    return {"events_s": n / dt, "events_per_cpu_s": n / cpu}


def row_async_client(opts: dict[str, Any]) -> dict[str, Any]:
    """``AsyncConnectorClient`` reading N chunked frames from the loopback server, no-op callbacks."""
    from autoplay_sdk import AsyncConnectorClient

    n = opts["n"]

    async def main() -> tuple[float, float]:
        done = asyncio.Event()
        count = [0]

        def cb(_payload: Any) -> None:
            count[0] += 1
            if count[0] == n:
                done.set()

        backoff = {"initial_backoff_s": 60, "max_backoff_s": 60}
        try:  # max_pending is this project's bound; 0.7.5 has none
            client = AsyncConnectorClient(opts["url"], token="t", max_pending=n + 16, **backoff)
        except TypeError:
            client = AsyncConnectorClient(opts["url"], token="t", **backoff)
        client.on_actions(cb).on_summary(cb)
        t0, c0 = _wall(), time.process_time()
        task = client.run_in_background()
        await asyncio.wait_for(done.wait(), 120)
        dt, cpu = _wall() - t0, time.process_time() - c0
        client.stop()
        task.cancel()  # 0.7.5 only stops after its backoff sleep
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        return dt, cpu

    dt, cpu = asyncio.run(main())
    return {"events_s": n / dt, "events_per_cpu_s": n / cpu}


ROWS = {
    "context": row_context,
    "event_buffer": row_event_buffer,
    "webhook": row_webhook,
    "redis_buffer": row_redis_buffer,
    "import": row_import,
    "sync_client": row_sync_client,
    "async_client": row_async_client,
}

if __name__ == "__main__":
    result = ROWS[sys.argv[1]](json.loads(sys.argv[2]) if len(sys.argv) > 2 else {})
    result["peak_rss_kb"] = peak_rss_kb()
    print(json.dumps(result))
