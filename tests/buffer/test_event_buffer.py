"""EventBuffer: bounds, eviction, drains, peeks and thread safety."""

from __future__ import annotations

import logging
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autoplay_sdk import BufferBackend, EventBuffer
from tests.buffer._helpers import actions, summary


def test_negative_max_size_is_rejected_with_the_value() -> None:
    with pytest.raises(ValueError, match=r"max_size must be >= 0 \(0 = unlimited\), got -1"):
        EventBuffer(max_size=-1)


def test_full_buffer_evicts_the_oldest_logs_it_and_hands_it_to_on_drop(caplog: pytest.LogCaptureFixture) -> None:
    dropped: list[object] = []
    buf = EventBuffer(max_size=2, on_drop=dropped.append)
    a, b, c = summary("a"), summary("b", "s2"), actions("s3")
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.buffer"):
        for p in (a, b, c):
            buf.add(p)
    assert dropped == [a]
    assert buf.drain() == [b, c]
    [record] = caplog.records
    assert record.getMessage() == "autoplay_sdk: EventBuffer full (max_size=2) — dropping SummaryPayload session=s1"
    assert (record.session_id, record.product_id) == ("s1", "p1")


def test_zero_max_size_is_unlimited() -> None:
    buf = EventBuffer(max_size=0)
    for i in range(5000):
        buf.add(summary(str(i)))
    assert len(buf) == buf.size == 5000 and buf.max_size == 0


def test_on_drop_may_use_the_buffer_itself_without_deadlock() -> None:
    seen: list[int] = []

    def on_drop(_: object) -> None:
        seen.append(buf.size)  # takes the buffer's lock: must not be held here
        buf.peek()

    buf = EventBuffer(max_size=1, on_drop=on_drop)
    worker = threading.Thread(target=lambda: [buf.add(summary(str(i))) for i in range(3)])
    worker.start()
    worker.join(5)
    assert not worker.is_alive(), "on_drop deadlocked on the buffer lock"
    assert seen == [1, 1]


def test_on_drop_exceptions_are_logged_and_swallowed(caplog: pytest.LogCaptureFixture) -> None:
    def boom(_: object) -> None:
        raise RuntimeError("boom")

    buf = EventBuffer(max_size=1, on_drop=boom)
    buf.add(summary("a"))
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.buffer"):
        buf.add(summary("b"))
    assert buf.drain() == [summary("b")]
    assert any(r.getMessage() == "autoplay_sdk: on_drop callback raised" and r.exc_info for r in caplog.records)


def test_drain_by_type_takes_the_selected_kinds_and_keeps_the_rest_in_order() -> None:
    buf = EventBuffer()
    a1, s1, other, a2, s2 = actions("a1"), summary("s1"), {"not": "a payload"}, actions("a2"), summary("s2")
    for p in (a1, s1, other, a2, s2):
        buf.add(p)  # type: ignore[arg-type]
    assert buf.drain_by_type(summaries=False) == [a1, a2]
    assert buf.peek() == [s1, other, s2]
    assert buf.drain_by_type(actions=False) == [s1, s2]
    assert buf.drain_by_type() == []
    assert buf.drain() == [other]


@given(items=st.lists(st.integers(), max_size=12), n=st.one_of(st.none(), st.integers(-15, 15)))
def test_peek_follows_slice_semantics_and_changes_nothing(items: list[int], n: int | None) -> None:
    buf = EventBuffer()
    for item in items:
        buf.add(item)  # type: ignore[arg-type]
    expected = items if n is None else ([] if n == 0 else items[-n:])
    assert buf.peek(n) == expected
    assert buf.drain() == items


def test_properties_repr_clear_and_protocol() -> None:
    buf = EventBuffer(max_size=3)
    assert buf.is_empty and repr(buf) == "EventBuffer(size=0, max_size=3)"
    buf.add(summary("a"))
    assert not buf.is_empty and repr(buf) == "EventBuffer(size=1, max_size=3)"
    buf.clear()
    assert buf.drain() == []
    assert isinstance(buf, BufferBackend)


def test_eight_threads_adding_and_draining_lose_and_duplicate_nothing() -> None:
    dropped: list[int] = []
    buf = EventBuffer(max_size=500, on_drop=dropped.append)  # type: ignore[arg-type]
    drained: list[int] = []
    start = threading.Barrier(9)
    done = threading.Event()

    def adder(k: int) -> None:
        start.wait()
        for i in range(k * 5000, (k + 1) * 5000):
            buf.add(i)  # type: ignore[arg-type]

    def drainer() -> None:
        start.wait()
        while not done.is_set():
            drained.extend(buf.drain())

    threads = [threading.Thread(target=adder, args=(k,)) for k in range(8)]
    reader = threading.Thread(target=drainer)
    for t in [*threads, reader]:
        t.start()
    for t in threads:
        t.join(60)
    done.set()
    reader.join(60)
    drained.extend(buf.drain())
    assert sorted(drained + dropped) == list(range(40_000))
    # each adder's items stay in its own order
    for k in range(8):
        mine = [i for i in drained if k * 5000 <= i < (k + 1) * 5000]
        assert mine == sorted(mine)
