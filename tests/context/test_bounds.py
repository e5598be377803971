"""Memory is bounded by default: per-session action caps, the render cache budget, user and session caps."""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoplay_sdk.context.context_store import ContextStore
from autoplay_sdk.context.summarizer import AsyncSessionSummarizer, SessionSummarizer
from autoplay_sdk.context.user_index import UserSessionIndex
from autoplay_sdk.core.exceptions import SdkConfigError
from tests.context._helpers import NOW, clicks, payload


class Drops:
    """A partial metrics hook recording ``record_event_dropped`` calls."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def record_event_dropped(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)

    def reasons(self) -> list[str]:
        return [c["reason"] for c in self.calls]


def test_a_session_that_keeps_writing_is_bounded_by_default() -> None:
    store = ContextStore()
    for i in range(10_050):
        store.add(payload("s1", clicks(1, start=i), first_index=i, forwarded_at=NOW + i))
    (kept,) = store.actions.values()
    assert len(kept) == 10_000 and kept[0].actions[0].index == 50  # the oldest went first


def test_max_actions_per_session_drops_oldest_payloads_counted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    metrics = Drops()
    store = ContextStore(max_actions_per_session=5, metrics=metrics)
    with caplog.at_level(logging.DEBUG, logger="autoplay_sdk.context.context_store"):
        for i in range(4):
            store.add(payload("secret-session", clicks(2, start=2 * i), first_index=2 * i, product_id="p"))
    assert [a.index for p in store.actions["p\x1fsecret-session"] for a in p.actions] == [4, 5, 6, 7]
    assert metrics.reasons() == ["max_actions_per_session"] * 2
    assert metrics.calls[0] == {
        "reason": "max_actions_per_session",
        "event_type": "actions",
        "session_id": "secret-session",
        "product_id": "p",
    }
    debug = [r.getMessage() for r in caplog.records if "max_actions_per_session" in r.getMessage()]
    assert debug and all("secret-session" not in m for m in debug)  # counts only
    assert store.get("secret-session", product_id="p").splitlines()[1] == "1. [4] click: Clicked 4 \u2014 /page"


def test_the_newest_payload_is_kept_even_when_it_alone_exceeds_the_bound() -> None:
    store = ContextStore(max_actions_per_session=3)
    store.add(payload("s1", clicks(2)))
    store.add(payload("s1", clicks(7, start=2), first_index=2))
    (kept,) = store.actions.values()
    assert len(kept) == 1 and len(kept[0].actions) == 7


@pytest.mark.parametrize("bad", [0, -1])
def test_bounds_are_validated(bad: int) -> None:
    with pytest.raises(ValueError, match="max_actions_per_session must be >= 1"):
        ContextStore(max_actions_per_session=bad)
    with pytest.raises(ValueError, match="max_users must be >= 1"):
        UserSessionIndex(ContextStore(), max_users=bad)
    with pytest.raises(ValueError, match="render_cache_bytes must be >= 0"):
        ContextStore(render_cache_bytes=-1)
    with pytest.raises(SdkConfigError, match="max_pending_actions must be >= threshold"):
        SessionSummarizer(lambda p: "x", threshold=5, max_pending_actions=4)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from([None, 5, 12]), st.booleans())
def test_lines_kept_between_reads_never_change_the_text(seed: int, per_session: int | None, shuffled: bool) -> None:
    """Differential: a store read as it fills renders what a fresh store fed the same payloads renders.

    The kept store renders each action once and reuses its line on later reads, across the
    per-session bound dropping old payloads, and payloads arriving out of order.
    """
    rng = random.Random(seed)
    kept = ContextStore(max_actions_per_session=per_session, render_cache_bytes=123)
    fed: list[Any] = []
    counters = dict.fromkeys(range(4), 0)
    for step in range(120):
        sid = rng.randrange(4)
        if rng.random() < 0.45:
            n = rng.randint(1, 4)
            at = NOW + (rng.uniform(-50, 50) if shuffled else step)
            p = payload(f"s{sid}", clicks(n, start=counters[sid]), first_index=counters[sid], forwarded_at=at)
            counters[sid] += n
            kept.add(p)
            fed.append(p)
        else:
            options: dict[str, Any] = rng.choice(
                [{}, {"max_actions": rng.randint(0, 6)}, {"lookback_seconds": 10**10}, {"max_actions": None}]
            )
            fresh = ContextStore(max_actions_per_session=per_session)
            for p in fed:
                fresh.add(p)
            assert kept.get(f"s{sid}", **options) == fresh.get(f"s{sid}", **options)


def test_sync_summarizer_pending_actions_are_bounded_while_the_llm_fails() -> None:
    metrics = Drops()
    summarizer = SessionSummarizer(
        lambda p: (_ for _ in ()).throw(RuntimeError("down")), threshold=2, max_pending_actions=5, metrics=metrics
    )
    for i in range(6):
        summarizer.add(payload("s1", clicks(2, start=2 * i), first_index=2 * i))
    assert summarizer.counts["s1"] <= 5
    assert summarizer.get_context("s1").splitlines()[-1].endswith("Clicked 11 \u2014 /page")  # newest kept
    assert set(metrics.reasons()) == {"max_pending_actions"}


async def test_async_summarizer_pending_actions_are_bounded_while_the_llm_fails() -> None:
    metrics = Drops()

    async def llm(prompt: str) -> str:
        raise RuntimeError("down")

    summarizer = AsyncSessionSummarizer(llm, threshold=2, metrics=metrics, max_pending_actions=5)
    for i in range(6):
        await summarizer.add(payload("s1", clicks(2, start=2 * i), first_index=2 * i))
    await asyncio.wait_for(summarizer.flush(), 10)
    assert summarizer.counts["s1"] <= 5 and set(metrics.reasons()) == {"max_pending_actions"}


async def test_async_summarizer_takes_max_sessions_too() -> None:
    metrics = Drops()

    async def llm(prompt: str) -> str:
        return "s"

    summarizer = AsyncSessionSummarizer(llm, threshold=10, metrics=metrics, max_sessions=2)
    for sid in ("a", "b", "c"):
        await summarizer.add(payload(sid))
    await asyncio.wait_for(summarizer.flush(), 10)
    assert await summarizer.active_sessions == ["b", "c"]
    assert metrics.calls == [{"reason": "max_sessions", "event_type": "actions", "session_id": "a", "product_id": ""}]


def test_sync_summarizer_reports_latency_like_the_async_one() -> None:
    class Hook:
        def __init__(self) -> None:
            self.latencies: list[dict[str, Any]] = []

        def record_summarizer_latency(self, **kwargs: Any) -> None:
            self.latencies.append(kwargs)

    hook = Hook()
    SessionSummarizer(lambda p: "s", threshold=1, metrics=hook).add(payload("s1", clicks(3)))
    (call,) = hook.latencies
    assert call["session_id"] == "s1" and call["action_count"] == 3 and call["elapsed_ms"] >= 0


def test_user_index_forgets_the_least_recent_user_past_max_users(caplog: pytest.LogCaptureFixture) -> None:
    metrics = Drops()
    index = UserSessionIndex(ContextStore(), lookback_seconds=10**10, max_users=2, metrics=metrics)
    with caplog.at_level(logging.DEBUG, logger="autoplay_sdk.context.user_index"):
        index.add(payload("s1", user_id="u1", email="u1@example.com"))
        index.add(payload("s2", user_id="u2"))
        index.add(payload("s3", user_id="u1"))  # u1 is now the most recent
        index.add(payload("s4", user_id="u3"))
    assert index.get_recent_sessions("u2") == [] and index.get_email("u1") == "u1@example.com"
    assert [r.session_id for r in index.get_recent_sessions("u3")] == ["s4"]
    assert metrics.reasons() == ["max_users"]
    assert "forgot 1 users" in caplog.text and "u2" not in caplog.text


def test_a_grown_window_with_a_split_first_payload_renders_every_new_action() -> None:
    """Regression: the cached window [86] (max_actions=1) grown to [86, 87, 88] (max_actions=3)."""
    store = ContextStore()
    store.add(payload("s1", clicks(2, start=85), first_index=85))
    assert store.get("s1", max_actions=1).endswith("1. [86] click: Clicked 86 \u2014 /page")
    store.add(payload("s1", clicks(2, start=87), first_index=87))
    assert store.get("s1", max_actions=3).splitlines()[1:] == [
        "1. [86] click: Clicked 86 \u2014 /page",
        "2. [87] click: Clicked 87 \u2014 /page",
        "3. [88] click: Clicked 88 \u2014 /page",
    ]
