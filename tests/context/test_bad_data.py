"""A bad payload between two good ones: every store refuses it and the session keeps working."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from autoplay_sdk.context.agent_context import AsyncAgentContextWriter
from autoplay_sdk.context.context_store import AsyncContextStore, ContextStore
from autoplay_sdk.context.summarizer import AsyncSessionSummarizer, SessionSummarizer
from autoplay_sdk.context.user_index import UserSessionIndex
from autoplay_sdk.core.models import ActionsPayload, SlimAction
from tests.context._helpers import NOW, payload


def bad_payloads() -> list[tuple[str, Any]]:
    """Payloads built in code with values ``from_dict`` would never produce."""
    good = payload("s1")
    iso: Any = "2024-01-01T00:00:00Z"
    return [
        ("iso string forwarded_at", ActionsPayload("", "s1", "u1", None, list(good.actions), 1, iso)),
        ("nan forwarded_at", ActionsPayload("", "s1", "u1", None, list(good.actions), 1, float("nan"))),
        ("None forwarded_at", ActionsPayload("", "s1", "u1", None, list(good.actions), 1, None)),  # type: ignore[arg-type]
        ("actions is a dict", ActionsPayload("", "s1", "u1", None, {"a": 1}, 1, NOW)),  # type: ignore[arg-type]
        ("action is a dict", ActionsPayload("", "s1", "u1", None, [{"title": "x"}], 1, NOW)),  # type: ignore[list-item]
        ("session_id is an int", ActionsPayload("", 5, "u1", None, list(good.actions), 1, NOW)),  # type: ignore[arg-type]
        ("not a payload", {"session_id": "s1", "forwarded_at": NOW}),
    ]


BAD = bad_payloads()
IDS = [name for name, _ in BAD]


def first() -> ActionsPayload:
    return payload("s1", [("click", "Clicked one", "/a")], user_id="u1")


def second() -> ActionsPayload:
    return payload("s1", [("click", "Clicked two", "/b")], first_index=1, user_id="u1", forwarded_at=NOW + 1)


@pytest.mark.parametrize("bad", [b for _, b in BAD], ids=IDS)
def test_context_store_refuses_and_keeps_working(bad: Any, caplog: pytest.LogCaptureFixture) -> None:
    store = ContextStore()
    store.add(first())
    before = store.actions
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.context.context_store"):
        store.add(bad)
    assert store.actions == before  # no state change
    assert any("refused a payload" in r.getMessage() for r in caplog.records)
    store.add(second())
    assert store.get("s1").splitlines() == [
        "Recent activity:",
        "1. [0] click: Clicked one \u2014 /a",
        "2. [1] click: Clicked two \u2014 /b",
    ]


@pytest.mark.parametrize("bad", [b for _, b in BAD], ids=IDS)
async def test_async_context_store_refuses_and_keeps_working(bad: Any) -> None:
    store = AsyncContextStore(lookback_seconds=10**10)
    await store.add(first())
    await store.add(bad)
    await store.add(second())
    assert store.get("s1").count("\n") == 2


@pytest.mark.parametrize("bad", [b for _, b in BAD], ids=IDS)
def test_user_index_refuses_and_keeps_working(bad: Any, caplog: pytest.LogCaptureFixture) -> None:
    store = ContextStore()
    index = UserSessionIndex(store, lookback_seconds=10**10)
    for p in (first(),):
        store.add(p)
        index.add(p)
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.context.user_index"):
        index.add(bad)
    assert any("refused a payload" in r.getMessage() for r in caplog.records)
    later = payload("s2", user_id="u1", forwarded_at=NOW + 5)
    index.add(later)
    store.add(later)
    assert [r.session_id for r in index.get_recent_sessions("u1")] == ["s2", "s1"]
    assert "Session s2 (no-product-id)" in index.get_user_activity("u1")


def test_user_index_refuses_non_string_user_ids() -> None:
    index = UserSessionIndex(ContextStore(), lookback_seconds=10**10)
    index.add(payload("s1", user_id=["u1"]))  # type: ignore[arg-type]
    index.add(payload("s1", user_id="u1", email=7))  # type: ignore[arg-type]
    assert index.get_recent_sessions("u1") == [] and index.get_email("u1") is None


@pytest.mark.parametrize("bad", [b for _, b in BAD], ids=IDS)
def test_sync_summarizer_refuses_and_keeps_working(bad: Any) -> None:
    prompts: list[str] = []
    summaries: list[tuple[str, str]] = []
    summarizer = SessionSummarizer(
        lambda p: prompts.append(p) or "done", threshold=2, on_summary=lambda s, t: summaries.append((s, t))
    )
    summarizer.add(first())
    summarizer.add(bad)
    assert summarizer.get_context("s1") == "1. [0] click: Clicked one \u2014 /a"
    summarizer.add(second())
    assert summaries == [("s1", "done")]
    assert "Clicked one" in prompts[0] and "Clicked two" in prompts[0]


@pytest.mark.parametrize("bad", [b for _, b in BAD], ids=IDS)
async def test_async_summarizer_refuses_and_keeps_working(bad: Any) -> None:
    summaries: list[str] = []

    async def llm(prompt: str) -> str:
        return f"{prompt.count(' click: ')} clicks"

    async def on_summary(sid: str, text: str) -> None:
        summaries.append(text)

    summarizer = AsyncSessionSummarizer(llm, threshold=2, on_summary=on_summary)
    await summarizer.add(first())
    await summarizer.add(bad)
    await summarizer.add(second())
    await asyncio.wait_for(summarizer.flush(), 10)
    assert summaries == ["2 clicks"]


@pytest.mark.parametrize("debounce_ms", [0, 5])
@pytest.mark.parametrize("bad", [b for _, b in BAD], ids=IDS)
async def test_agent_writer_refuses_and_keeps_working(bad: Any, debounce_ms: int) -> None:
    written: list[str] = []
    fed = asyncio.Event()

    async def write_actions(sid: str, text: str) -> None:
        written.append(text)

    async def overwrite(sid: str, text: str) -> None:
        pass

    summarizer = AsyncSessionSummarizer(lambda p: asyncio.sleep(0, "s"), threshold=100)
    original_add = summarizer.add

    async def add_and_signal(p: ActionsPayload) -> None:
        await original_add(p)
        if any(a.description == "Clicked two" for a in p.actions):
            fed.set()

    summarizer.add = add_and_signal  # type: ignore[method-assign]
    writer = AsyncAgentContextWriter(summarizer, overwrite, write_actions, debounce_ms=debounce_ms)
    await writer.add(first())
    await writer.add(bad)
    await writer.add(second())
    await asyncio.wait_for(fed.wait(), 10)
    await asyncio.wait_for(summarizer.flush(), 10)
    assert "Clicked one" in "".join(written) and "Clicked two" in "".join(written)
    assert (await summarizer.get_context("s1")).count("\n") == 1


def test_a_bad_frame_from_the_wire_no_longer_poisons_the_session() -> None:
    """The reported case: an ISO string ``forwarded_at`` used to break every later add() and get()."""
    store = ContextStore(lookback_seconds=10**10)
    wire = {"type": "actions", "session_id": "s1", "actions": [{"title": "t", "description": "d"}]}
    store.add(ActionsPayload.from_dict({**wire, "forwarded_at": NOW}))
    store.add(ActionsPayload.from_dict({**wire, "forwarded_at": "2024-01-01T00:00:00Z"}))  # coerced
    store.add(ActionsPayload.from_dict({**wire, "forwarded_at": NOW + 1}))
    assert store.get("s1").count("\n") == 3  # the ISO payload is ordered like any other
    assert isinstance(store.actions["s1"][1].forwarded_at, float)
    assert SlimAction.from_dict({"timestamp_start": "2024-01-01T00:00:00Z"}).timestamp_start == 1704067200.0


def test_a_malformed_frame_on_a_real_stream_is_skipped_and_the_session_keeps_working() -> None:
    """End to end over 127.0.0.1: good frame, wrong-typed frame, good frame → two payloads stored."""
    import threading

    from autoplay_sdk import ConnectorClient
    from autoplay_sdk.testing import LocalConnector

    def frame(i: int, **changes: Any) -> dict[str, Any]:
        action = {"index": i, "type": "click", "description": f"Clicked {i}", "canonical_url": "/p"}
        return {"type": "actions", "session_id": "s1", "forwarded_at": NOW + i, "actions": [action], **changes}

    store = ContextStore()
    got_last = threading.Event()

    def on_actions(p: ActionsPayload) -> None:
        store.add(p)
        if p.forwarded_at == NOW + 2:
            got_last.set()

    with LocalConnector([frame(0), frame(1, actions=[{"title": ["not", "text"]}]), frame(2)]) as server:
        client = ConnectorClient(server.stream_url, token=server.token).on_actions(on_actions)
        client.run_in_background()
        try:
            assert got_last.wait(30)
        finally:
            client.stop()
    assert store.get("s1").splitlines() == [
        "Recent activity:",
        "1. [0] click: Clicked 0 \u2014 /p",
        "2. [2] click: Clicked 2 \u2014 /p",
    ]
