"""Differential: the sync and async summarizers, fed the same payloads, decide the same things."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from autoplay_sdk.context.summarizer import AsyncSessionSummarizer, SessionSummarizer
from tests.context._helpers import NOW, clicks, payload

# (session, number of actions) per payload.
STEPS = st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 4)), max_size=25)


def verdict(prompt: str) -> str:
    """A deterministic LLM: fails for about a third of the prompts, else names the actions it saw."""
    digest = hashlib.sha256(prompt.encode()).digest()[0]
    if digest % 3 == 0:
        raise RuntimeError("LLM down")
    return f"{prompt.count(' click: ')} clicks"


class Drops:
    def __init__(self) -> None:
        self.by_session: dict[str, list[str]] = {}

    def record_event_dropped(self, *, reason: str, session_id: str, **_: Any) -> None:
        self.by_session.setdefault(session_id, []).append(reason)

    def record_summarizer_latency(self, **_: Any) -> None:
        pass


def build(steps: list[tuple[str, int]]) -> list[Any]:
    counters: dict[str, int] = {}
    out = []
    for i, (sid, n) in enumerate(steps):
        start = counters.get(sid, 0)
        counters[sid] = start + n
        out.append(payload(sid, clicks(n, start=start), first_index=start, forwarded_at=NOW + i))
    return out


@settings(max_examples=60, deadline=None)
@given(STEPS, st.integers(1, 4), st.integers(4, 9))
def test_sync_and_async_summarizers_agree(steps: list[tuple[str, int]], threshold: int, cap: int) -> None:
    payloads = build(steps)
    options = {"threshold": threshold, "max_pending_actions": max(cap, threshold)}

    sync_summaries: dict[str, list[str]] = {}
    sync_drops = Drops()
    sync = SessionSummarizer(
        verdict,
        on_summary=lambda s, t: sync_summaries.setdefault(s, []).append(t),
        metrics=sync_drops,
        **options,
    )
    for p in payloads:
        sync.add(p)

    async def run_async() -> tuple[dict[str, list[str]], Drops, AsyncSessionSummarizer]:
        summaries: dict[str, list[str]] = {}
        drops = Drops()

        async def llm(prompt: str) -> str:
            return verdict(prompt)

        async def on_summary(sid: str, text: str) -> None:
            summaries.setdefault(sid, []).append(text)

        summarizer = AsyncSessionSummarizer(llm, on_summary=on_summary, metrics=drops, **options)
        for p in payloads:
            await summarizer.add(p)
        await asyncio.wait_for(summarizer.flush(), 10)
        return summaries, drops, summarizer

    async_summaries, async_drops, async_ = asyncio.run(run_async())

    assert async_summaries == sync_summaries
    assert async_drops.by_session == sync_drops.by_session
    assert dict(async_.counts) == dict(sync.counts)
    assert {k: [id(p) for p in v] for k, v in async_.history.items()} == {
        k: [id(p) for p in v] for k, v in sync.history.items()
    }
    assert sorted(sync.active_sessions) == asyncio.run(_active(async_))


async def _active(summarizer: AsyncSessionSummarizer) -> list[str]:
    return await summarizer.active_sessions
