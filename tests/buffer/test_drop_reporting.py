"""Buffer drops through the one drop path: the error reporter, after the lock, and logs unchanged without one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from autoplay_sdk import EventBuffer, RedisEventBuffer
from autoplay_sdk.observability import set_error_reporter
from tests.buffer._helpers import Recorder, actions, summary
from tests.conftest import _free_port


class Reporter:
    def __init__(self, on_call: Any = None) -> None:
        self.calls: list[tuple[str, BaseException | None, dict[str, Any]]] = []
        self._on_call = on_call

    def __call__(self, event: str, exc: BaseException | None = None, **context: Any) -> None:
        if self._on_call is not None:
            self._on_call()
        self.calls.append((event, exc, context))


@pytest.fixture
def reporter() -> Iterator[Reporter]:
    installed = Reporter()
    set_error_reporter(installed)
    yield installed
    set_error_reporter(None)


def _records(caplog: pytest.LogCaptureFixture) -> list[tuple[str, int, str]]:
    return [(r.name, r.levelno, r.getMessage()) for r in caplog.records]


def _evict(caplog: pytest.LogCaptureFixture) -> list[tuple[str, int, str]]:
    caplog.clear()
    buf = EventBuffer(max_size=1, on_drop=lambda _: None)
    with caplog.at_level(logging.DEBUG):
        buf.add(actions("s1"))
        buf.add(actions("s2"))
    return _records(caplog)


def test_an_eviction_is_forwarded_with_the_published_event_and_context(reporter: Reporter) -> None:
    buf = EventBuffer(max_size=2)
    first = summary("x", None)
    for payload in (first, actions("s1"), actions("s2")):
        buf.add(payload)
    assert reporter.calls == [
        (
            "Event buffer full — payload dropped",
            None,
            {"product_id": first.product_id, "session_id": None, "payload_type": "SummaryPayload", "max_size": 2},
        )
    ]


def test_the_reporter_runs_after_the_buffer_lock_is_released() -> None:
    buf = EventBuffer(max_size=1)
    free: list[bool] = []

    def lock_is_free() -> None:
        got = buf._lock.acquire(blocking=False)
        free.append(got)
        if got:
            buf._lock.release()

    set_error_reporter(Reporter(on_call=lock_is_free))
    try:
        buf.add(actions("s1"))
        buf.add(actions("s2"))
    finally:
        set_error_reporter(None)
    assert free == [True]


def test_without_a_reporter_the_eviction_logs_exactly_the_published_record(caplog: pytest.LogCaptureFixture) -> None:
    without = _evict(caplog)
    assert without == [
        (
            "autoplay_sdk.buffer",
            logging.WARNING,
            "autoplay_sdk: EventBuffer full (max_size=1) — dropping ActionsPayload session=s1",
        )
    ]
    set_error_reporter(Reporter())
    try:
        assert _evict(caplog) == without  # forwarding adds no record of its own
    finally:
        set_error_reporter(None)


def test_eviction_records_carry_ids_and_the_reason_not_the_content(caplog: pytest.LogCaptureFixture) -> None:
    _evict(caplog)
    (record,) = caplog.records
    assert (record.session_id, record.product_id, record.drop_reason) == ("s1", "p1", "buffer_full")  # type: ignore[attr-defined]
    assert "u1@example.com" not in caplog.text and "clicked" not in caplog.text


async def test_redis_buffer_drops_are_forwarded_with_their_reason(
    reporter: Reporter, caplog: pytest.LogCaptureFixture
) -> None:
    metrics, dropped = Recorder(), []
    buf = RedisEventBuffer(f"redis://127.0.0.1:{_free_port()}/0", on_drop=dropped.append, metrics=metrics)
    payload = actions("s3")
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.buffer"):
        await buf.add(payload)  # nothing listens there: Redis unavailable
        await buf.add(payload)  # within the cooldown: dropped without a new connection attempt
    assert dropped == [payload, payload]
    assert [call[1]["reason"] for call in metrics.calls if call[0] == "record_event_dropped"] == [
        "redis_unavailable"
    ] * 2
    context = {"product_id": "p1", "session_id": "s3", "payload_type": "ActionsPayload", "reason": "redis_unavailable"}
    assert reporter.calls == [("Redis buffer write failed — payload dropped", None, context)] * 2
    # One record: the connection failure (as published); the drops themselves log nothing.
    assert [r.getMessage().split(" — ")[0] for r in caplog.records] == [
        "autoplay_sdk: RedisEventBuffer Redis unavailable"
    ]
    await buf.aclose()


async def test_a_redis_semaphore_timeout_is_forwarded_as_such(reporter: Reporter) -> None:
    import fakeredis

    buf = RedisEventBuffer("redis://fake", max_concurrent=1)
    buf._redis, buf._available = fakeredis.FakeAsyncRedis(decode_responses=True), True
    buf._semaphore = asyncio.Semaphore(1)
    await buf._semaphore.acquire()
    await buf.add(actions("s4"))
    assert [(event, context["reason"]) for event, _, context in reporter.calls] == [
        ("Redis buffer write failed — payload dropped", "semaphore_timeout")
    ]


@pytest.fixture
def buffer_logger_silenced() -> Iterator[None]:
    """The host turned the buffer's WARNINGs off: nothing would log an eviction."""
    buffer_logger = logging.getLogger("autoplay_sdk.buffer")
    level = buffer_logger.level
    buffer_logger.setLevel(logging.CRITICAL)
    yield
    buffer_logger.setLevel(level)


@pytest.mark.usefixtures("buffer_logger_silenced")
def test_with_logging_silenced_an_eviction_still_reaches_the_reporter_and_on_drop(reporter: Reporter) -> None:
    dropped: list[object] = []
    buf = EventBuffer(max_size=1, on_drop=dropped.append)
    first, second = actions("s1"), actions("s2")
    buf.add(first)
    buf.add(second)
    assert dropped == [first]
    assert [event for event, _, _ in reporter.calls] == ["Event buffer full — payload dropped"]
    assert buf.drain() == [second]


@pytest.mark.usefixtures("buffer_logger_silenced")
def test_with_nobody_listening_evictions_keep_the_newest_in_order(caplog: pytest.LogCaptureFixture) -> None:
    buf = EventBuffer(max_size=3)
    payloads = [actions(f"s{i}") for i in range(10)]
    with caplog.at_level(logging.DEBUG, logger="autoplay_sdk.observability"):
        for p in payloads:
            buf.add(p)
    assert buf.drain() == payloads[-3:]
    assert caplog.records == []


@pytest.mark.usefixtures("buffer_logger_silenced")
def test_a_hook_attached_after_silent_evictions_sees_the_later_ones(reporter: Reporter) -> None:
    set_error_reporter(None)
    buf = EventBuffer(max_size=1)
    buf.add(actions("s1"))
    buf.add(actions("s2"))  # nobody listens: counted only
    set_error_reporter(reporter)
    buf.add(actions("s3"))
    assert [ctx["session_id"] for _, _, ctx in reporter.calls] == ["s2"]
