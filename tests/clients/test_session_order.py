"""Arrival order per session in the async client's dispatcher.

Within a session, callbacks *start* in arrival order for every ``session_concurrency``; at most
``session_concurrency`` of them run at once; with 1 they also *finish* in order; nothing is lost.
"Start" is what a user sees: the first line of an ``async def`` callback's body (or the call of
a plain one), not the creation of its coroutine.

The dispatcher is driven directly (a fake core, every interleaving reproducible), by
``hypothesis`` over concurrency, payload counts, batches and await patterns, and end to end
through ``AsyncConnectorClient`` against the local connector.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoplay_sdk import ActionsPayload, AsyncConnectorClient
from autoplay_sdk._dispatch import SessionDispatcher
from autoplay_sdk._stream import Delivery
from autoplay_sdk.testing import LocalConnector

# --------------------------------------------------------------------------- a dispatcher rig


class _FakeCore:
    """What the dispatcher needs from the stream core: failures and drops are recorded."""

    metrics = None

    def __init__(self) -> None:
        self.failed: list[Any] = []
        self.dropped: list[Any] = []
        self.handled_payloads: list[Any] = []

    def call(self, delivery: Delivery, cb: Any) -> Any:
        try:
            return cb(delivery.payload)
        except Exception as exc:
            self.callback_failed(delivery.kind, delivery.payload, exc)
            return None

    def handled(self, delivery: Delivery) -> None:
        self.handled_payloads.append(delivery.payload)

    def callback_failed(self, kind: str, typed: Any, exc: BaseException) -> None:
        self.failed.append(typed)

    def drop(self, delivery: Delivery, *args: Any, **kwargs: Any) -> int:
        self.dropped.append(delivery.payload)
        return 1


def _delivery(payload: Any) -> Delivery:
    """A delivery of ``payload`` as the stream core hands it over (the dispatcher reads ``payload``)."""
    return Delivery("actions", payload, {})


@dataclass(frozen=True)
class _Payload:
    session: str
    seq: int  # arrival position within its session


@dataclass
class _Journal:
    """What the callbacks saw: starts and finishes per session, and the most running at once."""

    starts: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    finishes: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    running: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    most: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def start(self, p: _Payload) -> None:
        self.starts[p.session].append(p.seq)
        self.running[p.session] += 1
        self.most[p.session] = max(self.most[p.session], self.running[p.session])

    def finish(self, p: _Payload) -> None:
        self.running[p.session] -= 1
        self.finishes[p.session].append(p.seq)


class _Held:
    """Futures of callbacks that wait to be released, in an order the test chooses."""

    def __init__(self) -> None:
        self.waiting: list[asyncio.Future[None]] = []

    async def wait(self) -> None:
        future = asyncio.get_running_loop().create_future()
        self.waiting.append(future)
        await future

    def release(self, rng: random.Random) -> bool:
        if not self.waiting:
            return False
        future = self.waiting.pop(rng.randrange(len(self.waiting)))
        future.set_result(None)
        return True


# Await patterns of one callback: a plain function, one that raises, an ``async def`` that
# returns at once or yields to the loop a few times, and one held until the test releases it.
Pattern = tuple[str, int]
PLAIN, RAISE, YIELDS, HELD = "plain", "raise", "yields", "held"


def _callback(pattern: Pattern, journal: _Journal, held: _Held) -> Callable[[_Payload], Any]:
    kind, count = pattern
    if kind == PLAIN:

        def plain(p: _Payload) -> None:
            journal.start(p)
            journal.finish(p)

        return plain
    if kind == RAISE:

        def fails(p: _Payload) -> None:
            journal.start(p)
            journal.finish(p)
            raise RuntimeError("callback failed")

        return fails

    async def coroutine(p: _Payload) -> None:
        journal.start(p)
        try:
            if kind == HELD:
                await held.wait()
            for _ in range(count):
                await asyncio.sleep(0)
        finally:
            journal.finish(p)

    return coroutine


async def _dispatch(
    concurrency: int,
    stream: list[tuple[str, Pattern]],
    batches: list[int],
    rng: random.Random,
) -> tuple[_Journal, _FakeCore, SessionDispatcher]:
    """Submit ``stream`` in ``batches`` (the reader yields between them) and run it to the end."""
    core = _FakeCore()
    dispatcher = SessionDispatcher(core=core, concurrency=concurrency, max_pending=10_000)
    journal, held = _Journal(), _Held()
    seqs: dict[str, int] = defaultdict(int)
    items = iter(stream)
    for size in [*batches, len(stream)]:
        for session, pattern in _take(items, size):
            payload = _Payload(session, seqs[session])
            seqs[session] += 1
            dispatcher.submit(session, _delivery(payload), _callback(pattern, journal, held))
        await asyncio.sleep(0)
        if rng.random() < 0.5:
            held.release(rng)
    for _ in range(100_000):  # release held callbacks one at a time, in a random order
        if dispatcher.pending == 0:
            break
        held.release(rng)
        await asyncio.sleep(0)
    assert await dispatcher.drain(5.0) == []
    return journal, core, dispatcher


def _take(items: Iterator[Any], n: int) -> list[Any]:
    return list(itertools.islice(items, n))


def _check(
    journal: _Journal,
    core: _FakeCore,
    dispatcher: SessionDispatcher,
    concurrency: int,
    stream: list[tuple[str, Pattern]],
) -> None:
    expected: dict[str, list[int]] = defaultdict(list)
    for session, _ in stream:
        expected[session].append(len(expected[session]))
    assert dict(journal.starts) == dict(expected)  # every payload started once, in arrival order
    assert {s: sorted(f) for s, f in journal.finishes.items()} == dict(expected)  # ... and finished once
    assert all(most <= concurrency for most in journal.most.values()), dict(journal.most)
    if concurrency == 1:
        assert dict(journal.finishes) == dict(expected)
    raised = sum(1 for _, (kind, _) in stream if kind == RAISE)
    assert len(core.failed) == raised and core.dropped == []
    assert (dispatcher.pending, dispatcher.active, dispatcher.lanes, dispatcher.tasks) == (0, 0, {}, set())


# --------------------------------------------------------------------------- deterministic cases


@pytest.mark.parametrize("concurrency", [1, 2, 4, 8])
async def test_async_callbacks_that_return_at_once_start_in_arrival_order(concurrency: int) -> None:
    # The reported case: 40 back-to-back payloads of one session whose callback finishes at once.
    stream = [("s", (YIELDS, 0))] * 40
    journal, core, dispatcher = await _dispatch(concurrency, stream, [], random.Random(0))
    assert journal.starts["s"] == list(range(40))
    _check(journal, core, dispatcher, concurrency, stream)


@pytest.mark.parametrize("concurrency", [1, 2, 4])
async def test_a_mixture_of_plain_immediate_and_awaiting_callbacks_keeps_start_order(concurrency: int) -> None:
    patterns: list[Pattern] = [(YIELDS, 0), (YIELDS, 2), (PLAIN, 0), (HELD, 0), (YIELDS, 1), (RAISE, 0), (HELD, 3)]
    stream = [("s", patterns[k % len(patterns)]) for k in range(60)]
    journal, core, dispatcher = await _dispatch(concurrency, stream, [7, 1, 20], random.Random(3))
    assert journal.starts["s"] == list(range(60))
    _check(journal, core, dispatcher, concurrency, stream)


async def test_completion_overlaps_up_to_the_concurrency_and_finishes_may_reorder() -> None:
    # Four held callbacks released last-first: all four run at once, they finish 3, 2, 1, 0,
    # and the fifth starts only once a slot is free.
    core = _FakeCore()
    dispatcher = SessionDispatcher(core=core, concurrency=4, max_pending=100)
    journal, held = _Journal(), _Held()
    cb = _callback((HELD, 0), journal, held)
    for seq in range(5):
        dispatcher.submit("s", _delivery(_Payload("s", seq)), cb)
    while len(held.waiting) < 4:
        await asyncio.sleep(0)
    assert journal.starts["s"] == [0, 1, 2, 3] and journal.running["s"] == 4
    futures = list(held.waiting)
    held.waiting.clear()
    for future in reversed(futures):
        future.set_result(None)
        await asyncio.sleep(0)
    while len(held.waiting) < 1:
        await asyncio.sleep(0)
    assert journal.finishes["s"] == [3, 2, 1, 0] and journal.starts["s"] == [0, 1, 2, 3, 4]
    held.release(random.Random(0))
    assert await dispatcher.drain(5.0) == []
    assert journal.most["s"] == 4 and journal.finishes["s"] == [3, 2, 1, 0, 4]


async def test_sessions_are_independent() -> None:
    # Session a is blocked on one held callback with concurrency 1; b keeps flowing meanwhile.
    core = _FakeCore()
    dispatcher = SessionDispatcher(core=core, concurrency=1, max_pending=100)
    journal, held = _Journal(), _Held()
    held_cb, quick = _callback((HELD, 0), journal, held), _callback((YIELDS, 1), journal, held)
    dispatcher.submit("a", _delivery(_Payload("a", 0)), held_cb)
    for seq in range(5):
        dispatcher.submit("a", _delivery(_Payload("a", seq + 1)), quick)
        dispatcher.submit("b", _delivery(_Payload("b", seq)), quick)
    while len(journal.finishes["b"]) < 5:
        await asyncio.sleep(0)
    assert journal.starts["a"] == [0] and journal.finishes["b"] == [0, 1, 2, 3, 4]
    held.release(random.Random(0))
    assert await dispatcher.drain(5.0) == []
    assert journal.finishes["a"] == [0, 1, 2, 3, 4, 5]


async def test_a_drain_timeout_hands_back_every_unfinished_payload() -> None:
    core = _FakeCore()
    dispatcher = SessionDispatcher(core=core, concurrency=2, max_pending=100)
    journal, held = _Journal(), _Held()
    cb = _callback((HELD, 0), journal, held)
    deliveries = [_delivery(_Payload("s", seq)) for seq in range(5)]
    for delivery in deliveries:
        dispatcher.submit("s", delivery, cb)
    undelivered = await dispatcher.drain(0)
    assert sorted(d.payload.seq for d in undelivered) == [0, 1, 2, 3, 4]
    assert journal.starts["s"] == [0, 1] and sorted(journal.finishes["s"]) == [0, 1]  # cancelled while held
    assert (dispatcher.pending, dispatcher.active, dispatcher.lanes) == (0, 0, {})


async def test_lane_tasks_cancelled_before_they_ran_lose_nothing_silently() -> None:
    # E.g. the loop shutting down: the payload that opened the lane never started; it is handed
    # back (its coroutine closed, so no "never awaited" warning) with the ones waiting behind it.
    core = _FakeCore()
    dispatcher = SessionDispatcher(core=core, concurrency=2, max_pending=100)
    journal, held = _Journal(), _Held()
    cb = _callback((YIELDS, 0), journal, held)
    for seq in range(3):
        dispatcher.submit("s", _delivery(_Payload("s", seq)), cb)
    dispatcher._pump()
    for task in dispatcher.tasks:
        task.cancel()
    undelivered = await dispatcher.drain(5.0)
    assert sorted(d.payload.seq for d in undelivered) == [0, 1, 2]
    assert journal.starts == {}
    assert (dispatcher.pending, dispatcher.active, dispatcher.lanes, dispatcher.tasks) == (0, 0, {}, set())


# --------------------------------------------------------------------------- property


_PATTERNS = st.one_of(
    st.just((PLAIN, 0)),
    st.just((RAISE, 0)),
    st.tuples(st.just(YIELDS), st.integers(0, 3)),
    st.tuples(st.just(HELD), st.integers(0, 2)),
)


@settings(max_examples=300, deadline=None)
@given(
    concurrency=st.integers(1, 5),
    stream=st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), _PATTERNS), max_size=50),
    batches=st.lists(st.integers(0, 12), max_size=6),
    seed=st.integers(0, 2**32 - 1),
)
def test_start_order_concurrency_and_finish_order_hold_for_any_mix(
    concurrency: int, stream: list[tuple[str, Pattern]], batches: list[int], seed: int
) -> None:
    journal, core, dispatcher = asyncio.run(_dispatch(concurrency, stream, batches, random.Random(seed)))
    _check(journal, core, dispatcher, concurrency, stream)


# --------------------------------------------------------------------------- end to end


def _actions(session: str, k: int) -> dict[str, Any]:
    return {
        "type": "actions",
        "product_id": "demo-product",
        "session_id": session,
        "user_id": f"user-{session}",
        "email": None,
        "actions": [
            {"index": k, "type": "click", "title": f"Step {k}", "description": f"Step {k}", "canonical_url": "/x"}
        ],
        "count": 1,
        "forwarded_at": 1_700_000_000.0 + k,
    }


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_the_client_starts_each_sessions_callbacks_in_arrival_order(concurrency: int) -> None:
    """40 back-to-back payloads per session over a real connection; callbacks of three kinds."""
    sessions = ["s1", "s2"]
    events = [_actions(s, k) for k in range(40) for s in sessions]
    starts: dict[str, list[int]] = defaultdict(list)
    finishes: dict[str, list[int]] = defaultdict(list)
    running: dict[str, int] = defaultdict(int)
    most: dict[str, int] = defaultdict(int)
    done = asyncio.Event()

    async def on_actions(payload: ActionsPayload) -> None:
        sid, k = str(payload.session_id), payload.actions[0].index
        starts[sid].append(k)
        running[sid] += 1
        most[sid] = max(most[sid], running[sid])
        for _ in range(k % 3):  # 0: returns at once; 1 or 2: yields to the loop
            await asyncio.sleep(0)
        running[sid] -= 1
        finishes[sid].append(k)
        if sum(map(len, finishes.values())) == len(events):
            done.set()

    with LocalConnector(events, heartbeat_s=0.2) as connector:
        client = AsyncConnectorClient(connector.stream_url, token=connector.token, session_concurrency=concurrency)
        client.on_actions(on_actions)
        task = client.run_in_background()
        await asyncio.wait_for(done.wait(), 10)
        client.stop()
        await task
    for sid in sessions:
        assert starts[sid] == list(range(40))
        assert most[sid] <= concurrency
        if concurrency == 1:
            assert finishes[sid] == list(range(40))
    assert client.dropped_count == 0
