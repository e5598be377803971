"""Concurrent use from threads and tasks loses nothing, never raises and never tears a render."""

from __future__ import annotations

import asyncio
import random
import re
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from autoplay_sdk.context.context_store import AsyncContextStore, ContextStore
from autoplay_sdk.context.summarizer import SessionSummarizer
from autoplay_sdk.context.user_index import UserSessionIndex
from tests.context._helpers import clicks, payload

LINE = re.compile(r"^(\d+)\. \[(\d+)\] click: Clicked (\d+) \u2014 /page$")


@pytest.fixture(autouse=True)
def _frequent_thread_switches() -> Iterator[None]:
    # Switch threads every microsecond so the critical sections really interleave.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


class GilYieldingDict(OrderedDict[Any, Any]):
    """The store's bucket map, but every access gives up the GIL first: this widens every race
    window, so a missing lock would lose updates here (the real lock makes it harmless)."""

    def get(self, key: Any, default: Any = None) -> Any:
        time.sleep(0)
        return super().get(key, default)

    def __setitem__(self, key: Any, value: Any) -> None:
        time.sleep(0)
        super().__setitem__(key, value)

    def move_to_end(self, key: Any, last: bool = True) -> None:
        time.sleep(0)
        super().move_to_end(key, last)

    def pop(self, key: Any, *default: Any) -> Any:
        time.sleep(0)
        return super().pop(key, *default)


StoreT = TypeVar("StoreT", ContextStore, AsyncContextStore)


def racy(store: StoreT) -> StoreT:
    store._buckets = GilYieldingDict()
    return store


def check_well_formed(text: str, query: str) -> None:
    """A context is either the bare query or a complete render numbered 1..n."""
    if text == query:
        return
    head, _, tail = text.partition("\n\n[Query]\n")
    assert tail == query
    lines = head.split("\n")
    assert lines[0] == "[Session context]"
    assert lines[1] == "Recent activity:"
    for n, line in enumerate(lines[2:], 1):
        match = LINE.match(line)
        assert match, line
        assert int(match.group(1)) == n


def run_threads(targets: list[Callable[[], None]]) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(targets))

    def wrap(fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                barrier.wait()
                fn()
            except BaseException as exc:  # collected, re-raised by the test's assertion
                errors.append(exc)

        return run

    threads = [threading.Thread(target=wrap(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return errors


@pytest.mark.parametrize("store_kwargs", [{}, {"max_actions": 3}, {"session_ttl_s": 3600.0}])
def test_threads_adding_enriching_and_resetting(store_kwargs: dict[str, float]) -> None:
    """Writers race on the same fresh sessions while readers render and a churner resets."""
    store = racy(ContextStore(**store_kwargs))  # type: ignore[arg-type]
    writers, sessions = 4, 400
    done = threading.Event()
    each_round = threading.Barrier(writers)  # all writers create each session at the same moment

    def writer(w: int) -> Callable[[], None]:
        def run() -> None:
            for r in range(sessions):
                each_round.wait()
                store.add(payload(f"s{r}", clicks(1, start=w), product_id="p", first_index=w))
                store.add(payload(f"s{r}", clicks(1, start=w + writers), product_id="p", first_index=w + writers))

        return run

    def reader() -> None:
        rng = random.Random(threading.get_ident())
        while not done.is_set():
            check_well_formed(store.enrich(f"s{rng.randrange(sessions)}", "q?", product_id="p"), "q?")
            check_well_formed(store.enrich(f"v{rng.randrange(3)}", "q?"), "q?")

    def churner() -> None:
        for i in range(400):
            store.add(payload(f"v{i % 3}", clicks(1, start=i), first_index=i))
            store.on_summary(f"x{i % 3}", "summary")
            store.reset(f"v{(i + 1) % 3}")
            assert isinstance(store.active_sessions, list)

    def stop_after(fn: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                fn()
            finally:
                done.set()

        return run

    errors = run_threads([*(writer(w) for w in range(writers)), reader, reader, stop_after(churner)])
    assert errors == []
    for r in range(sessions):
        text = store.get(f"s{r}", product_id="p", max_actions=None)
        indices = sorted(int(LINE.match(line).group(2)) for line in text.split("\n")[1:])  # type: ignore[union-attr]
        assert indices == list(range(2 * writers)), r
        if "max_actions" in store_kwargs:
            assert store.get(f"s{r}", product_id="p").count("\n") == 3


def test_threads_with_lru_bound_never_exceed_it() -> None:
    store = racy(ContextStore(max_sessions=5))

    def writer(w: int) -> Callable[[], None]:
        def run() -> None:
            for i in range(300):
                store.add(payload(f"w{w}-{i % 9}", product_id=f"p{i % 2}"))
                store.enrich(f"w{w}-{i % 9}", "q")

        return run

    assert run_threads([writer(w) for w in range(4)]) == []
    assert len(store.active_sessions) <= 5


async def test_async_store_from_tasks_and_threads() -> None:
    store = racy(AsyncContextStore())
    index = UserSessionIndex(store)
    stop = threading.Event()
    errors: list[BaseException] = []

    async def writer(t: int) -> None:
        for i in range(80):
            p = payload(f"t{t}-{i % 4}", clicks(1, start=i), first_index=i, user_id=f"u{t}")
            await store.add(p)
            await index.add_async(p)
            if i % 5 == 0:
                await asyncio.sleep(0)  # let the other tasks interleave

    async def resetter() -> None:
        for i in range(100):
            await store.add(payload(f"r{i % 3}"))
            store.reset(f"r{(i + 1) % 3}")
            await asyncio.sleep(0)

    def thread_reader() -> None:
        rng = random.Random(1)
        try:
            while not stop.is_set():
                check_well_formed(store.enrich(f"t{rng.randrange(4)}-{rng.randrange(4)}", "q"), "q")
                index.get_user_activity(f"u{rng.randrange(4)}")
        except BaseException as exc:
            errors.append(exc)

    loop = asyncio.get_running_loop()
    readers = [loop.run_in_executor(None, thread_reader) for _ in range(2)]
    try:
        await asyncio.gather(*(writer(t) for t in range(4)), resetter())
    finally:
        stop.set()
        await asyncio.gather(*readers)
    assert errors == []
    for t in range(4):
        for k in range(4):
            lines = store.get(f"t{t}-{k}").split("\n")[1:]
            assert [int(LINE.match(line).group(2)) for line in lines] == list(range(k, 80, 4))  # type: ignore[union-attr]


def test_sync_summarizer_from_threads_loses_no_action() -> None:
    summarised: list[int] = []
    lock = threading.Lock()

    def llm(prompt: str) -> str:
        n = len(re.findall(r"^\d+\. ", prompt, re.MULTILINE))
        with lock:
            summarised.append(n)
        return f"{n} actions"

    summarizer = SessionSummarizer(llm=llm, threshold=5)

    def writer(w: int) -> Callable[[], None]:
        def run() -> None:
            for i in range(200):
                summarizer.add(payload(f"s{i % 3}", clicks(1 + (i + w) % 3)))

        return run

    assert run_threads([writer(w) for w in range(4)]) == []
    added = sum(1 + (i + w) % 3 for w in range(4) for i in range(200))
    pending = sum(summarizer.counts.values())
    assert sum(summarised) + pending == added
