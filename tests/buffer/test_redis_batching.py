"""RedisEventBuffer coalesces the adds queued behind a write into one transaction, with per-add outcomes.

Against real ``redis-server`` processes: a write is held in flight with ``CLIENT PAUSE``, so the
adds made meanwhile queue behind it and go out together once it is released.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoplay_sdk import RedisEventBuffer, SummaryPayload
from tests.buffer._helpers import Recorder, RedisProcess, summary


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisProcess]:
    process = RedisProcess(tmp_path).start()
    yield process
    process.stop()


@pytest.fixture
async def admin(server: RedisProcess) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(server.url, decode_responses=True)
    yield client
    await client.aclose()


async def _exec_count(admin: aioredis.Redis) -> int:
    stats = await admin.info("commandstats")
    return int(stats.get("cmdstat_exec", {}).get("calls", 0))


async def _queue_behind_a_paused_write(
    admin: aioredis.Redis, buf: RedisEventBuffer, first: Any, rest: list[Any]
) -> list[asyncio.Task[None]]:
    """Start ``first``'s write with Redis paused, then the adds of ``rest``, which queue behind it."""
    await buf.add(summary("connect", "warmup", ts=0.5))  # connected, outside what the test counts
    await admin.execute_command("CLIENT", "PAUSE", "20000", "WRITE")
    tasks = [asyncio.create_task(buf.add(first))]
    await asyncio.sleep(0)  # let the first add send its transaction, which Redis now holds
    tasks += [asyncio.create_task(buf.add(p)) for p in rest]
    while len(buf._queued) < len(rest):  # every later add waits behind the write in flight
        await asyncio.sleep(0)
    return tasks


async def test_adds_queued_behind_a_write_go_out_in_one_transaction_with_the_same_effect(
    server: RedisProcess, admin: aioredis.Redis
) -> None:
    metrics = Recorder()
    buf = RedisEventBuffer(server.url, key_prefix="batch", window_seconds=1e9, metrics=metrics)
    payloads = [summary(str(i), f"s{i % 3}", ts=1000.0 + i) for i in range(6)]
    async with buf:
        tasks = await _queue_behind_a_paused_write(admin, buf, payloads[0], payloads[1:])
        before = await _exec_count(admin)
        await admin.execute_command("CLIENT", "UNPAUSE")
        await asyncio.gather(*tasks)
        assert await _exec_count(admin) - before == 2  # the held write, then the five queued ones together
        drained = await buf.drain()
    assert [p.summary for p in drained] == ["connect", *(p.summary for p in payloads)]
    operations = metrics.named("record_redis_operation")
    assert [(op["operation"], op["success"]) for op in operations[1:7]] == [("add", True)] * 6


async def test_a_command_redis_rejects_fails_only_its_own_add_with_the_error_it_would_get_alone(
    server: RedisProcess, admin: aioredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = Recorder()
    dropped: list[Any] = []
    buf = RedisEventBuffer(server.url, key_prefix="bad", window_seconds=1e9, on_drop=dropped.append, metrics=metrics)
    await admin.set("autoplay:sdk:buffer:bad:broken", "not a sorted set")
    good1, bad, good2 = summary("g1", "ok", ts=1.0), summary("b", "broken", ts=2.0), summary("g2", "ok", ts=3.0)
    async with buf:
        with caplog.at_level(logging.WARNING, logger="autoplay_sdk.buffer"):
            tasks = await _queue_behind_a_paused_write(admin, buf, summary("first", "ok", ts=0.9), [good1, bad, good2])
            await admin.execute_command("CLIENT", "UNPAUSE")
            await asyncio.gather(*tasks)
            batched = [r.getMessage() for r in caplog.records if "add failed" in r.getMessage()]
            caplog.clear()
            await buf.add(bad)  # the same add alone, nothing else in flight
            alone = [r.getMessage() for r in caplog.records if "add failed" in r.getMessage()]
        assert dropped == [bad, bad]
        stored = await admin.zrange("autoplay:sdk:buffer:bad:ok", 0, -1)
        assert [m.split('"summary":"')[1].split('"')[0] for m in stored] == ["first", "g1", "g2"]
    assert batched == alone
    assert batched[0].startswith("autoplay_sdk: RedisEventBuffer.add failed for session=broken product=p1: ")
    assert "WRONGTYPE" in batched[0]
    successes = [op["success"] for op in metrics.named("record_redis_operation") if op["operation"] == "add"]
    assert sorted(successes) == [False, False, True, True, True, True]
    assert metrics.named("record_event_dropped") == []  # a failed write is not a metrics drop, batched or not


async def test_redis_dying_under_a_batch_drops_every_add_in_it_each_with_its_own_report(
    server: RedisProcess, admin: aioredis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    metrics = Recorder()
    dropped: list[Any] = []
    buf = RedisEventBuffer(server.url, key_prefix="die", on_drop=dropped.append, metrics=metrics)
    queued = [summary(str(i), f"s{i}") for i in range(4)]
    async with buf:
        with caplog.at_level(logging.WARNING, logger="autoplay_sdk.buffer"):
            tasks = await _queue_behind_a_paused_write(admin, buf, summary("held"), queued)
            server.kill()
            results = await asyncio.gather(*tasks, return_exceptions=True)
    assert results == [None] * 5  # no add raises for a Redis failure
    assert {p.summary for p in dropped} == {"held", "0", "1", "2", "3"}
    failed = [r for r in caplog.records if "add failed" in r.getMessage()]
    assert sorted(r.session_id for r in failed) == ["s0", "s1", "s1", "s2", "s3"]
    assert all(r.drop_reason == "write_failed" and r.exc_info for r in failed)
    adds = [op for op in metrics.named("record_redis_operation") if op["operation"] == "add"]
    assert [op["success"] for op in adds] == [True] + [False] * 5
    assert buf._queued == [] and buf._writing is None


async def test_a_drain_racing_a_batch_returns_each_payload_once(server: RedisProcess, admin: aioredis.Redis) -> None:
    buf = RedisEventBuffer(server.url, key_prefix="race", window_seconds=1e9)
    payloads = [summary(str(i), f"s{i % 4}", ts=1.0 + i) for i in range(8)]
    async with buf:
        tasks = await _queue_behind_a_paused_write(admin, buf, payloads[0], payloads[1:])
        first_drain = asyncio.create_task(buf.drain())  # its transaction waits behind the paused write
        await admin.execute_command("CLIENT", "UNPAUSE")
        await asyncio.gather(*tasks)
        drained = [*await first_drain, *await buf.drain()]
        assert await buf.size() == 0
    summaries = sorted(p.summary for p in drained if p.summary != "connect")
    assert summaries == sorted(p.summary for p in payloads)


async def test_a_queued_add_cancelled_before_its_batch_is_not_written(
    server: RedisProcess, admin: aioredis.Redis
) -> None:
    buf = RedisEventBuffer(server.url, key_prefix="cancel", window_seconds=1e9)
    keep, cancel = summary("keep", "a", ts=2.0), summary("cancel", "a", ts=3.0)
    async with buf:
        tasks = await _queue_behind_a_paused_write(admin, buf, summary("first", "a", ts=1.0), [keep, cancel])
        tasks[2].cancel()
        await admin.execute_command("CLIENT", "UNPAUSE")
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert results[:2] == [None, None] and isinstance(results[2], asyncio.CancelledError)
        assert [p.summary for p in await buf.drain()] == ["connect", "first", "keep"]
        await buf.add(summary("later", "a"))  # the buffer writes on afterwards
        assert [p.summary for p in await buf.drain()] == ["later"]


_ops = st.lists(
    st.tuples(st.sampled_from(["a", "b", None]), st.integers(min_value=0, max_value=40)), min_size=2, max_size=25
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_ops)
def test_concurrent_adds_leave_redis_exactly_as_the_same_adds_one_by_one(redis_url: str, ops: list[Any]) -> None:
    # A short window makes each write's trim depend on what was written before it.
    payloads = [SummaryPayload("p", sid, f"{i}", 0, 1000.0 + t) for i, (sid, t) in enumerate(ops)]

    async def contents(client: aioredis.Redis, prefix: str) -> Any:
        sessions = await client.smembers(f"autoplay:sdk:sessions:{prefix}")
        zsets = {}
        for key in await client.keys(f"autoplay:sdk:buffer:{prefix}:*"):
            members = await client.zrange(key, 0, -1, withscores=True)
            zsets[key.rsplit(":", 1)[1]] = sorted((m[9:], s) for m, s in members)  # without the random prefix
            await client.delete(key)
        await client.delete(f"autoplay:sdk:sessions:{prefix}")
        return sessions, zsets

    async def run() -> None:
        one_by_one, together = f"seq{uuid.uuid4().hex[:8]}", f"bat{uuid.uuid4().hex[:8]}"
        client = aioredis.Redis.from_url(redis_url, decode_responses=True)
        seq = RedisEventBuffer(redis_url, key_prefix=one_by_one, window_seconds=10.0)
        bat = RedisEventBuffer(redis_url, key_prefix=together, window_seconds=10.0, max_concurrent=len(payloads))
        async with seq, bat:
            for p in payloads:
                await seq.add(p)
            await asyncio.gather(*(bat.add(p) for p in payloads))
            assert await contents(client, together) == await contents(client, one_by_one)
        await client.aclose()

    asyncio.run(run())
