"""RedisEventBuffer against a real redis-server: layout, window, drain, faults, concurrency."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from autoplay_sdk import BufferBackend, RedisEventBuffer, SummaryPayload
from autoplay_sdk import buffer as buffer_mod
from tests.buffer._helpers import Recorder, RedisProcess, actions, summary
from tests.conftest import _free_port


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def raw(redis_url: str, prefix: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    # the session's redis-server is shared: leave none of this test's keys behind
    keys = await client.keys(f"autoplay:sdk:*:{prefix}*")
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
async def buf(redis_url: str, prefix: str) -> AsyncIterator[RedisEventBuffer]:
    async with RedisEventBuffer(redis_url, key_prefix=prefix) as b:
        yield b


async def test_layout_member_format_and_score(buf: RedisEventBuffer, raw: aioredis.Redis, prefix: str) -> None:
    assert isinstance(buf, BufferBackend)
    assert repr(buf) == f"RedisEventBuffer(prefix={prefix!r}, window_seconds=120.0, available=None)"
    await buf.add(actions("s1", ts=1234.5))
    await buf.add(summary("no session", None, ts=1235.0))
    assert repr(buf).endswith("available=True)")
    assert await raw.smembers(f"autoplay:sdk:sessions:{prefix}") == {"s1", "_nosession"}
    [(member, score)] = await raw.zrange(f"autoplay:sdk:buffer:{prefix}:s1", 0, -1, withscores=True)
    assert score == 1234.5
    assert re.fullmatch(r"[0-9a-f]{8}:\{.*\}", member)
    data = json.loads(member[9:])
    assert list(data)[:8] == [
        "type",
        "product_id",
        "session_id",
        "user_id",
        "email",
        "actions",
        "count",
        "forwarded_at",
    ]
    assert list(data["actions"][0])[:11] == [
        *("title", "description", "canonical_url", "index", "type"),
        *("timestamp_start", "timestamp_end", "raw_url", "session_id", "user_id", "email"),
    ]
    [(summary_member, _)] = await raw.zrange(f"autoplay:sdk:buffer:{prefix}:_nosession", 0, -1, withscores=True)
    assert list(json.loads(summary_member[9:])) == [
        *("type", "product_id", "session_id", "summary", "replaces", "forwarded_at")
    ]
    assert await raw.ttl(f"autoplay:sdk:buffer:{prefix}:s1") == -1  # no TTL
    assert await buf.size() == 2


async def test_identical_payloads_are_kept_apart_and_conversation_id_round_trips(buf: RedisEventBuffer) -> None:
    p = actions("s1", n=2, conversation_id="conv-9")
    await buf.add(p)
    await buf.add(p)
    drained = await buf.drain()
    assert drained == [p, p]
    assert drained[0].conversation_id == "conv-9"  # type: ignore[union-attr]
    assert [a.conversation_id for a in drained[0].actions] == ["conv-9", "conv-9"]  # type: ignore[union-attr]


async def test_a_write_trims_its_own_session_window_only(buf: RedisEventBuffer, prefix: str) -> None:
    await buf.add(summary("old s1", "s1", ts=1000.0))
    await buf.add(summary("old s2", "s2", ts=1000.0))
    await buf.add(summary("edge s1", "s1", ts=1001.0))
    await buf.add(summary("new s1", "s1", ts=1121.0))  # trims score <= 1001.0 in s1
    assert await buf.size() == 2  # s2's stale entry stays until drained
    assert [p.summary for p in await buf.drain()] == ["old s2", "new s1"]  # type: ignore[union-attr]
    assert await buf.size() == 0


async def test_drain_orders_by_score_across_sessions_and_removes_the_keys(
    buf: RedisEventBuffer, raw: aioredis.Redis, prefix: str
) -> None:
    for tag, sid, ts in [("c", "a", 1003.0), ("a", "b", 1001.0), ("d", "c", 1004.0), ("b", "a", 1002.0)]:
        await buf.add(summary(tag, sid, ts=ts))
    assert [p.summary for p in await buf.drain()] == ["a", "b", "c", "d"]  # type: ignore[union-attr]
    assert await raw.keys(f"autoplay:sdk:*:{prefix}*") == []
    assert await buf.drain() == []


async def test_legacy_unprefixed_corrupt_and_unknown_members(
    buf: RedisEventBuffer, raw: aioredis.Redis, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    key = f"autoplay:sdk:buffer:{prefix}:s1"
    legacy = json.dumps(summary("legacy").to_dict(), separators=(",", ":"))
    await raw.sadd(f"autoplay:sdk:sessions:{prefix}", "s1")
    await raw.zadd(key, {legacy: 1.0, "abcdef01:" + legacy.replace("legacy", "prefixed"): 2.0})
    await raw.zadd(key, {"0123abcd:{not json": 3.0, '{"type":"usertour_trigger"}': 4.0, "[1,2]": 5.0})
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.buffer"):
        drained = await buf.drain()
    assert [p.summary for p in drained] == ["legacy", "prefixed"]  # type: ignore[union-attr]
    corrupt = [r for r in caplog.records if "corrupt JSON" in r.getMessage()]
    assert len(corrupt) == 2 and corrupt[0].raw_size == len("0123abcd:{not json")  # size, never content
    assert "not json" not in caplog.text  # the entry itself is logged only at DEBUG


async def test_unreachable_redis_reports_drops_then_cools_down_then_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    now = [10_000.0]

    class Clock:
        perf_counter = staticmethod(buffer_mod.time.perf_counter)

        @staticmethod
        def time() -> float:
            return now[0]

    monkeypatch.setattr(buffer_mod, "time", Clock)
    server = RedisProcess(tmp_path)  # not started yet: nothing listens on its port
    metrics, dropped = Recorder(), []
    b = RedisEventBuffer(server.url, key_prefix="cool", on_drop=dropped.append, metrics=metrics)
    with caplog.at_level(logging.INFO, logger="autoplay_sdk.buffer"):
        p1, p2, p3 = summary("1"), summary("2"), summary("3", "s9")
        await b.add(p1)
        assert repr(b).endswith("available=False)")
        server.start()
        try:
            now[0] += 29.0  # still cooling down: no new attempt although Redis is up now
            await b.add(p2)
            assert await b.drain() == [] and await b.size() == 0
            assert dropped == [p1, p2]
            assert (
                metrics.named("record_event_dropped")
                == [{"reason": "redis_unavailable", "event_type": "summary", "session_id": "s1", "product_id": "p1"}]
                * 2
            )
            now[0] += 2.0
            await b.add(p3)
            assert dropped == [p1, p2] and await b.drain() == [p3]
        finally:
            await b.aclose()
            server.stop()
    unavailable = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert len(unavailable) == 1 and unavailable[0].exc_info
    assert any(r.getMessage().startswith("autoplay_sdk: RedisEventBuffer connected to") for r in caplog.records)


async def test_fifty_tasks_and_a_drain_loop_lose_and_duplicate_nothing(redis_url: str, prefix: str) -> None:
    dropped: list[Any] = []
    metrics = Recorder()
    b = RedisEventBuffer(redis_url, key_prefix=prefix, window_seconds=1e9, on_drop=dropped.append, metrics=metrics)
    total, tasks = 10_000, 50
    drained: list[Any] = []
    adding = asyncio.Event()

    async def adder(k: int) -> None:
        for i in range(k, total, tasks):
            await b.add(SummaryPayload("p", f"s{i % 37}", str(i), 0, 1000.0 + i / 1000))

    async def drainer() -> None:
        while not adding.is_set():
            drained.extend(await b.drain())
            await asyncio.sleep(0)

    async with b:
        loop_task = asyncio.create_task(drainer())
        await asyncio.gather(*(adder(k) for k in range(tasks)))
        adding.set()
        await loop_task
        drained.extend(await b.drain())
        assert await b.size() == 0
    ids = [int(p.summary) for p in drained] + [int(p.summary) for p in dropped]
    assert len(ids) == len(set(ids)) == total, "a payload was lost or delivered twice"
    assert len(drained) >= total // 10  # a loaded machine may drop some for backpressure, not nearly all
    assert len(metrics.named("record_redis_operation")) >= total - len(dropped)


async def test_redis_killed_mid_run_and_restarted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    server = RedisProcess(tmp_path, durable=True).start()
    dropped: list[Any] = []
    b = RedisEventBuffer(server.url, key_prefix="kill", window_seconds=1e9, on_drop=dropped.append)
    sent: list[int] = []
    drained: list[Any] = []
    killed, restarted = asyncio.Event(), asyncio.Event()

    async def adder(k: int) -> None:
        for i in range(k, 1500, 10):
            if i == 500 + k:
                await killed.wait()
            if i == 1000 + k:
                await restarted.wait()
            sent.append(i)
            await b.add(SummaryPayload("p", f"s{i % 7}", str(i), 0, 1000.0 + i / 1000))

    async def controller() -> None:
        while len(sent) < 300:
            await asyncio.sleep(0)
        drained.extend(await b.drain())
        while len(sent) < 450:
            await asyncio.sleep(0)
        server.kill()  # adds are in flight right now
        killed.set()
        while len(sent) < 950:
            await asyncio.sleep(0)
        assert await b.drain() == [] and await b.size() == 0  # down: empty answers, no exception
        await asyncio.to_thread(server.start)
        restarted.set()

    try:
        with caplog.at_level(logging.WARNING, logger="autoplay_sdk.buffer"):
            await asyncio.gather(controller(), *(adder(k) for k in range(10)))
            drained.extend(await b.drain())
        await b.aclose()
    finally:
        server.stop()
    got = [int(p.summary) for p in drained]
    assert len(got) == len(set(got)), "a payload was drained twice"
    assert set(got) | {int(p.summary) for p in dropped} == set(range(1500)), "a payload was lost silently"
    assert len(dropped) >= 450  # the outage was noticed and reported
    assert any(i >= 1000 for i in got)  # and the buffer recovered after the restart
    assert any("RedisEventBuffer.add failed" in r.getMessage() for r in caplog.records)


async def test_add_and_drain_report_redis_operations(redis_url: str, prefix: str) -> None:
    metrics = Recorder()
    async with RedisEventBuffer(redis_url, key_prefix=prefix, metrics=metrics) as b:
        await b.add(summary("a"))
        await b.drain()
    ops = metrics.named("record_redis_operation")
    assert [(o["operation"], o["success"]) for o in ops] == [("add", True), ("drain", True)]
    assert all(o["elapsed_ms"] >= 0 for o in ops)


async def test_unreachable_redis_is_no_error_and_its_password_is_never_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = _free_port()
    b = RedisEventBuffer(f"redis://user:hunter2@127.0.0.1:{port}/0?password=hunter3")
    with caplog.at_level(logging.DEBUG, logger="autoplay_sdk"):
        assert await b.size() == 0 and await b.drain() == []
        await b.add(summary("x"))  # no on_drop, no metrics: still no exception
    assert repr(b).endswith("available=False)")
    [record] = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert record.redis_url == f"redis://127.0.0.1:{port}/0?<redacted>"
    assert not any("hunter" in r.getMessage() or "hunter" in str(r.__dict__) for r in caplog.records)
