"""RedisEventBuffer fast unit cases on fakeredis: backpressure, failures, serialisation."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import fakeredis
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoplay_sdk import EventBuffer, RedisEventBuffer
from autoplay_sdk.buffer import _payload_from_json, _payload_to_json
from tests.buffer._helpers import Recorder, actions, summary


def connected(**kwargs: Any) -> tuple[RedisEventBuffer, fakeredis.FakeAsyncRedis]:
    client = fakeredis.FakeAsyncRedis(decode_responses=True)
    b = RedisEventBuffer("redis://fake", **kwargs)
    b._redis, b._available = client, True  # an injected client bypasses connecting
    return b, client


async def test_semaphore_timeout_logs_reports_in_order_and_drops(caplog: pytest.LogCaptureFixture) -> None:
    metrics, dropped = Recorder(), []
    b, client = connected(max_concurrent=1, on_drop=dropped.append, metrics=metrics)
    b._semaphore = asyncio.Semaphore(1)
    await b._semaphore.acquire()  # a write that never finishes holds the only slot
    p = actions("s7")
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.buffer"):
        await b.add(p)
    assert dropped == [p]
    assert [name for name, _ in metrics.calls] == ["record_semaphore_timeout", "record_event_dropped"]
    assert metrics.calls[1][1] == {
        "reason": "semaphore_timeout",
        "event_type": "actions",
        "session_id": "s7",
        "product_id": "p1",
    }
    [record] = caplog.records
    assert record.getMessage() == "autoplay_sdk: RedisEventBuffer semaphore full — dropping payload session=s7"
    assert record.backpressure_reason == "semaphore_timeout"
    await client.aclose()


async def test_a_failed_write_is_logged_dropped_and_timed_but_not_counted_as_dropped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    metrics, dropped = Recorder(), []
    b, client = connected(on_drop=dropped.append, metrics=metrics)

    monkeypatch.setattr(fakeredis.FakeAsyncRedis, "pipeline", lambda *a, **k: _BrokenPipe())
    p = summary("x", "s2")
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.buffer"):
        await b.add(p)
    assert dropped == [p]
    assert [name for name, _ in metrics.calls] == ["record_redis_operation"]
    assert metrics.calls[0][1]["success"] is False
    assert any(
        r.getMessage().startswith("autoplay_sdk: RedisEventBuffer.add failed for session=s2 product=p1")
        for r in caplog.records
    )
    assert await b.drain() == []  # the drain pipeline fails too: logged, nothing returned
    assert b._semaphore is not None and not b._semaphore.locked()
    await client.aclose()


class _BrokenPipe:
    async def __aenter__(self) -> _BrokenPipe:
        return self

    async def __aexit__(self, *_: object) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        if name == "execute":

            async def fail() -> Any:
                raise ConnectionError("connection reset")

            return fail
        return lambda *a, **k: None


async def test_broken_hooks_never_break_add(caplog: pytest.LogCaptureFixture) -> None:
    class Angry:
        def record_redis_operation(self, **_: Any) -> None:
            raise RuntimeError("metrics down")

    def on_drop(_: Any) -> None:
        raise RuntimeError("on_drop down")

    b = RedisEventBuffer("redis://127.0.0.1:1/0", on_drop=on_drop, metrics=Angry())
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.buffer"):
        await b.add(summary("x"))  # unavailable -> on_drop raises -> logged
    assert any(r.getMessage() == "autoplay_sdk: on_drop callback raised" for r in caplog.records)
    good, client = connected(metrics=Angry())
    await good.add(summary("y"))
    assert [p.summary for p in await good.drain()] == ["y"]  # type: ignore[union-attr]
    await client.aclose()


async def test_missing_redis_package_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "redis.asyncio", None)
    dropped: list[Any] = []
    b = RedisEventBuffer("redis://127.0.0.1:6379/0", on_drop=dropped.append)
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.buffer"):
        await b.add(summary("x"))
    assert len(dropped) == 1
    assert "pip install 'autoplay-sdk[redis]'" in caplog.records[0].getMessage()


def test_serialisation_round_trip_and_look_alike_objects() -> None:
    p = actions("s1", n=3, conversation_id="c1")
    assert _payload_from_json(_payload_to_json(p)) == p
    s = summary("hello")
    assert _payload_from_json("deadbeef:" + _payload_to_json(s)) == s

    class LookAlike:
        product_id, session_id, summary, replaces, forwarded_at = "p", "s", "text", 1, 5.0

    assert _payload_to_json(LookAlike()) == (  # type: ignore[arg-type]
        '{"type":"summary","product_id":"p","session_id":"s","summary":"text","replaces":1,"forwarded_at":5.0}'
    )


def test_a_member_the_models_reject_is_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.buffer"):
        assert _payload_from_json('{"type":"actions","actions":[5]}') is None
    [record] = caplog.records
    assert (
        record.getMessage()
        == "autoplay_sdk: RedisEventBuffer could not deserialize actions payload in drain — skipping"
    )
    assert record.event_type == "actions"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("add"), st.sampled_from(["s1", "s2", None]), st.booleans()),
            st.tuples(st.just("drain"), st.none(), st.none()),
        ),
        max_size=30,
    )
)
def test_redis_buffer_drains_like_the_in_memory_buffer(ops: list[tuple[str, str | None, bool | None]]) -> None:
    """Differential: with rising timestamps and a wide window, both buffers hand out the same batches."""

    async def run() -> None:
        memory = EventBuffer(max_size=0)
        redis_buf, client = connected(window_seconds=1e9)
        for n, (op, session, is_actions) in enumerate(ops):
            if op == "add":
                p = actions(session, ts=1000.0 + n) if is_actions else summary(str(n), session, ts=1000.0 + n)
                memory.add(p)
                await redis_buf.add(p)
            else:
                assert await redis_buf.drain() == memory.drain()
            assert await redis_buf.size() == memory.size
        assert await redis_buf.drain() == memory.drain()
        await client.aclose()

    asyncio.run(run())
