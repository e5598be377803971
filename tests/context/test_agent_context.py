"""AsyncAgentContextWriter: forwarding, summary push, debounce."""

from __future__ import annotations

import asyncio
import logging

import pytest

from autoplay_sdk.context.agent_context import AsyncAgentContextWriter
from autoplay_sdk.context.summarizer import AsyncSessionSummarizer
from autoplay_sdk.core.models import ActionsPayload
from autoplay_sdk.testing._summarizer import local_summarizer_llm
from tests.context._helpers import clicks, payload

AGENT_LOGGER = "autoplay_sdk.context.agent_context"


async def noop(session_id: str, text: str) -> None:
    return None


async def test_add_writes_text_then_feeds_the_summarizer_and_pushes_summaries() -> None:
    written: list[tuple[str, str]] = []
    summaries: list[tuple[str, str]] = []

    async def write_actions(sid: str, text: str) -> None:
        written.append((sid, text))

    async def overwrite(sid: str, text: str) -> None:
        summaries.append((sid, text))

    summarizer = AsyncSessionSummarizer(llm=local_summarizer_llm, threshold=2)
    writer = AsyncAgentContextWriter(summarizer, overwrite, write_actions=write_actions)
    await writer.add(payload("s1", [("click", "Clicked Export", "/dashboard")]))
    assert written == [("s1", "Session s1 \u2014 1 actions\n[0] click: Clicked Export \u2014 /dashboard")]
    await writer.add(payload(None, [("click", "Clicked Save", "/doc")]))
    assert written[-1][0] == "unknown"
    await writer.add(payload("s1", [("pageview", "Viewed billing", "/billing")], first_index=1))
    await summarizer.flush()
    assert summaries == [
        (
            "s1",
            "The user performed 2 actions on /dashboard and /billing. They clicked Export. "
            "Most recently: Viewed billing on /billing.",
        )
    ]


async def test_callback_failures_are_logged_and_the_summarizer_is_still_fed(caplog: pytest.LogCaptureFixture) -> None:
    async def write_fails(sid: str, text: str) -> None:
        raise ConnectionError("chat API down")

    async def overwrite_fails(sid: str, text: str) -> None:
        raise ConnectionError("chat API down")

    summarizer = AsyncSessionSummarizer(llm=local_summarizer_llm, threshold=1)
    writer = AsyncAgentContextWriter(summarizer, overwrite_fails, write_actions=write_fails)
    await writer.add(payload("s1", [("click", "SECRET", "/x")]))
    await summarizer.flush()
    assert "write_actions failed for session=s1" in caplog.text
    assert "overwrite_with_summary failed for session=s1" in caplog.text
    assert "SECRET" not in caplog.text
    assert await summarizer.active_sessions == []  # it was summarised


def test_wiring_warns_when_replacing_an_existing_callback(caplog: pytest.LogCaptureFixture) -> None:
    async def previous(sid: str, text: str) -> None:
        return None

    summarizer = AsyncSessionSummarizer(llm=local_summarizer_llm, on_summary=previous)
    caplog.set_level(logging.WARNING, logger=AGENT_LOGGER)
    AsyncAgentContextWriter(summarizer, noop)
    assert summarizer.on_summary is not previous
    (record,) = caplog.records
    assert "overwriting an existing on_summary callback on the AsyncSessionSummarizer" in record.getMessage()
    assert repr(previous) in record.getMessage()


async def test_debounce_merges_a_burst_into_one_delivery() -> None:
    written: list[tuple[str, str]] = []
    delivered = asyncio.Event()

    async def write_actions(sid: str, text: str) -> None:
        written.append((sid, text))
        delivered.set()

    summarizer = AsyncSessionSummarizer(llm=local_summarizer_llm, threshold=100)
    writer = AsyncAgentContextWriter(summarizer, noop, write_actions=write_actions, debounce_ms=5)
    for i in range(3):  # add() returns at once; the timer restarts on each call
        await writer.add(payload("s1", clicks(1, start=10 + i), first_index=10 + i))
    assert written == []
    await asyncio.wait_for(delivered.wait(), 10)
    await summarizer.flush()
    assert written == [
        (
            "s1",
            "Session s1 \u2014 3 actions\n"
            "[0] click: Clicked 10 \u2014 /page\n"
            "[1] click: Clicked 11 \u2014 /page\n"
            "[2] click: Clicked 12 \u2014 /page",
        )
    ]
    assert summarizer.counts["s1"] == 3


@pytest.mark.parametrize("debounce_ms", [0, -5])
async def test_zero_or_negative_debounce_delivers_inline(debounce_ms: int) -> None:
    written: list[str] = []

    async def write_actions(sid: str, text: str) -> None:
        written.append(sid)

    summarizer = AsyncSessionSummarizer(llm=local_summarizer_llm)
    writer = AsyncAgentContextWriter(summarizer, noop, write_actions=write_actions, debounce_ms=debounce_ms)
    await writer.add(payload("s1"))
    assert written == ["s1"]
    await summarizer.flush()


async def test_debounced_flush_failure_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    class BrokenSummarizer(AsyncSessionSummarizer):
        async def add(self, payload: ActionsPayload) -> None:
            raise RuntimeError("summarizer down")

    summarizer = BrokenSummarizer(llm=local_summarizer_llm)
    writer = AsyncAgentContextWriter(summarizer, noop, debounce_ms=1)
    finished: list[asyncio.Task[None]] = []
    handled = asyncio.Event()
    original = writer._flush_done

    def flush_done(task: asyncio.Task[None]) -> None:
        original(task)
        finished.append(task)
        handled.set()

    writer._flush_done = flush_done  # type: ignore[method-assign]
    await writer.add(payload("s1"))
    await asyncio.wait_for(handled.wait(), 10)
    assert [t.get_name() for t in finished] == ["agent-context-flush-s1"]
    assert "agent_context: debounce flush failed" in caplog.text
    assert writer._tasks == set()
