"""``async def`` callbacks on the sync ``ConnectorClient``, against the real local connector.

Each test waits on events and conditions, never on the clock: the only timers are the writer's
own debounce (product behaviour), and the tests wait for its outcome, not for a duration.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from autoplay_sdk import ActionsPayload, ConnectorClient
from autoplay_sdk.chat.chatbot import AutoplayChatbotManager, BaseChatbotWriter
from autoplay_sdk.observability import set_error_reporter
from autoplay_sdk.testing import LocalConnector

from ._harness import Runner

LOOP_THREAD = "autoplay-sdk-async-callbacks"


def actions(n: int, session: str = "s1") -> dict[str, Any]:
    return {
        "type": "actions",
        "product_id": "demo-product",
        "session_id": session,
        "user_id": f"user-{session}",
        "email": None,
        "actions": [
            {
                "index": 0,
                "type": "click",
                "title": f"Button {n}",
                "description": f"Clicked button {n}",
                "canonical_url": "https://app.example.com/projects",
                "raw_url": "https://app.example.com/projects",
                "timestamp_start": time.time(),
                "timestamp_end": time.time(),
            }
        ],
        "count": 1,
        "forwarded_at": float(n),
    }


@pytest.fixture
def connector() -> Iterator[LocalConnector]:
    with LocalConnector(heartbeat_s=0.2) as c:
        yield c


def client_for(connector: LocalConnector, **options: Any) -> ConnectorClient:
    return ConnectorClient(connector.stream_url, connector.token, initial_backoff_s=0.01, **options)


def loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == LOOP_THREAD]


class Seen:
    def __init__(self) -> None:
        self.items: list[Any] = []
        self.cond = threading.Condition()

    def add(self, item: Any) -> None:
        with self.cond:
            self.items.append(item)
            self.cond.notify_all()

    def wait_for(self, n: int, timeout: float = 15.0) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: len(self.items) >= n, timeout)


def test_every_event_delivered_in_order_on_one_loop(connector: LocalConnector) -> None:
    n = 300
    connector.publish_many([actions(i, session=f"s{i % 4}") for i in range(n)])
    seen = Seen()
    loops: set[int] = set()
    running = 0

    async def on_actions(payload: ActionsPayload) -> None:
        nonlocal running
        running += 1
        assert running == 1  # one at a time
        await asyncio.sleep(0)  # really suspend
        loops.add(id(asyncio.get_running_loop()))
        assert threading.current_thread().name == LOOP_THREAD
        running -= 1
        seen.add(payload.forwarded_at)

    client = client_for(connector).on_actions(on_actions)
    runner = Runner(client).start()
    assert seen.wait_for(n)
    runner.stop()
    assert seen.items == [float(i) for i in range(n)]
    assert len(loops) == 1
    assert client.dropped_count == 0
    assert loop_threads() == []  # the loop thread ends with run()


def test_slow_async_callback_fills_the_backlog_like_a_sync_one(connector: LocalConnector) -> None:
    """While an async callback waits, the worker takes nothing else: the backlog fills and drops are counted."""
    started, release = threading.Event(), threading.Event()
    delivered = Seen()
    drops = Seen()

    async def on_actions(payload: ActionsPayload) -> None:
        if payload.forwarded_at == 0.0:
            started.set()
            await asyncio.to_thread(release.wait)
        delivered.add(payload.forwarded_at)

    client = client_for(connector, max_queue_size=2).on_actions(on_actions)
    client.on_drop(lambda raw, total: drops.add(total))
    runner = Runner(client).start()
    connector.publish(actions(0))
    assert started.wait(10)
    connector.publish_many([actions(i) for i in range(1, 6)])
    assert drops.wait_for(3)  # 1 and 2 wait in the backlog; 3, 4, 5 are dropped
    release.set()
    assert delivered.wait_for(3)
    runner.stop()
    assert delivered.items == [0.0, 1.0, 2.0]
    assert client.dropped_count == 3


class NoteWriter(BaseChatbotWriter):
    """A chatbot writer whose destination is a list; signals each posted note."""

    def __init__(self, debounce_s: float) -> None:
        super().__init__("demo-product", post_link_debounce_s=debounce_s)
        self.notes = Seen()
        self.loops: set[int] = set()

    async def _post_note(self, conversation_id: str, body: str) -> str | None:
        self.loops.add(id(asyncio.get_running_loop()))
        self.notes.add((conversation_id, body))
        return f"note-{len(self.notes.items)}"


def test_debounced_writer_task_survives_between_events(connector: LocalConnector) -> None:
    """The post-link debounce task a callback schedules runs after the callback returned, before
    any next event arrives (with ``asyncio.run`` per event it would be cancelled and lost)."""
    writer = NoteWriter(debounce_s=0.05)
    manager = AutoplayChatbotManager(writer)
    lock_holder: list[asyncio.Lock] = []

    async def on_actions(payload: ActionsPayload) -> None:
        if not lock_holder:
            lock_holder.append(asyncio.Lock())  # a loop-bound object reused on later events
            await manager.on_chatbot_event(payload.session_id or "", "conv-1")
        async with lock_holder[0]:
            await manager.on_actions(payload)

    client = client_for(connector).on_actions(on_actions)
    runner = Runner(client).start()
    connector.publish(actions(1))
    assert writer.notes.wait_for(1)  # posted by the background task; no event in between
    connector.publish(actions(2))
    assert writer.notes.wait_for(2)
    runner.stop()
    assert [c for c, _ in writer.notes.items] == ["conv-1", "conv-1"]
    assert "Clicked button 1" in writer.notes.items[0][1] and "Clicked button 2" in writer.notes.items[1][1]
    assert len(writer.loops) == 1


def test_stop_drains_pending_tasks_then_cancels(connector: LocalConnector) -> None:
    """At stop a pending debounce still posts within the drain window; a task that never ends is
    cancelled at the deadline, and ``run()`` returns."""
    writer = NoteWriter(debounce_s=0.3)
    manager = AutoplayChatbotManager(writer)
    handled = threading.Event()
    cancelled = threading.Event()

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def on_actions(payload: ActionsPayload) -> None:
        await manager.on_chatbot_event(payload.session_id or "", "conv-9")
        await manager.on_actions(payload)
        asyncio.get_running_loop().create_task(forever())
        handled.set()

    client = client_for(connector, drain_timeout_s=3.0).on_actions(on_actions)
    runner = Runner(client).start()
    connector.publish(actions(1))
    assert handled.wait(10)
    assert writer.notes.items == []  # the debounce is still waiting
    runner.stop()
    assert [c for c, _ in writer.notes.items] == ["conv-9"]
    assert cancelled.is_set()
    assert loop_threads() == []


def test_async_failures_take_the_sync_failure_path(connector: LocalConnector, caplog: pytest.LogCaptureFixture) -> None:
    reports: list[tuple[str, Any]] = []
    set_error_reporter(lambda event, *, exc=None, **ctx: reports.append((event, type(exc).__name__)))
    other_loop = asyncio.new_event_loop()
    done = Seen()

    class Awaitable:
        def __await__(self) -> Any:
            return (yield from asyncio.sleep(0).__await__())

    def on_actions(payload: ActionsPayload) -> Any:
        n = int(payload.forwarded_at)
        if n == 0:
            return _raise(ValueError("async bug"))
        if n == 1:
            return _cancel()
        if n == 2:
            return other_loop.create_future()  # bound to another loop
        if n == 3:
            return Awaitable()  # not a coroutine: accepted
        if n == 4:
            return _exit()  # would stop the loop if it escaped
        return _record(done, n)

    try:
        client = client_for(connector).on_actions(on_actions)
        runner = Runner(client).start()
        with caplog.at_level(logging.ERROR, logger="autoplay_sdk.client"):
            connector.publish_many([actions(i) for i in range(6)])
            assert done.wait_for(1)
        runner.stop()
    finally:
        set_error_reporter(None)
        other_loop.close()
    assert done.items == [5]
    assert [e for e, _ in reports] == ["Stream callback failed"] * 4
    assert [t for _, t in reports] == ["ValueError", "RuntimeError", "RuntimeError", "RuntimeError"]
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(messages) == 4
    assert all(
        m.startswith("autoplay_sdk: callback raised an error for event_type=actions session=s1: ") for m in messages
    )


async def _raise(exc: Exception) -> None:
    raise exc


async def _cancel() -> None:
    raise asyncio.CancelledError


async def _exit() -> None:
    raise SystemExit(3)


async def _record(seen: Seen, n: int) -> None:
    seen.add(n)


def test_sync_callbacks_still_run_without_a_loop(connector: LocalConnector) -> None:
    """A 0.7.5 sync callback that calls ``asyncio.run`` keeps working next to async ones."""
    seen = Seen()

    async def square(n: int) -> int:
        return n * n

    async def on_summary(payload: Any) -> None:
        seen.add(("async", threading.current_thread().name))

    def on_actions(payload: ActionsPayload) -> None:
        seen.add(("sync", asyncio.run(square(int(payload.forwarded_at))), threading.current_thread().name))

    client = client_for(connector).on_actions(on_actions).on_summary(on_summary)
    runner = Runner(client).start()
    summary = {
        "type": "summary",
        "product_id": "demo-product",
        "session_id": "s1",
        "summary": "x",
        "replaces": 1,
        "forwarded_at": 9.0,
    }
    connector.publish_many([summary, actions(3)])
    assert seen.wait_for(2)
    runner.stop()
    assert seen.items == [("async", LOOP_THREAD), ("sync", 9, "autoplay-sdk-worker")]


def test_each_run_gets_a_fresh_loop(connector: LocalConnector) -> None:
    loops = Seen()

    async def on_actions(payload: ActionsPayload) -> None:
        loops.add(asyncio.get_running_loop())

    client = client_for(connector).on_actions(on_actions)
    connector.publish(actions(0))
    runner = Runner(client).start()
    assert loops.wait_for(1)
    runner.stop()
    first = loops.items[0]
    assert first.is_closed()
    connector.publish(actions(1))
    runner = Runner(client).start()
    assert loops.wait_for(2)
    runner.stop()
    assert loops.items[1] is not first
