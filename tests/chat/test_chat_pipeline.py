"""``autoplay_sdk.chat.chat_pipeline``: wiring of summarizer, context store and agent writer (spec 02 §6)."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

import autoplay_sdk.chat as chat_package
from autoplay_sdk.chat import chat_pipeline
from autoplay_sdk.chat.chat_pipeline import AsyncChatPipeline, compose_chat_pipeline
from autoplay_sdk.context.agent_context import AsyncAgentContextWriter
from autoplay_sdk.context.context_store import AsyncContextStore
from autoplay_sdk.context.summarizer import DEFAULT_PROMPT, AsyncSessionSummarizer
from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.core.models import ActionsPayload, SlimAction

WAIT = 5.0


def payload(session_id: str, *descriptions: str, forwarded_at: float | None = None) -> ActionsPayload:
    actions = [
        SlimAction(title=d, description=d, canonical_url=f"/{d}", index=i, type="click")
        for i, d in enumerate(descriptions)
    ]
    return ActionsPayload(
        product_id="prod",
        session_id=session_id,
        user_id="u1",
        email=None,
        actions=actions,
        count=len(actions),
        forwarded_at=time.time() if forwarded_at is None else forwarded_at,
    )


class Recorder:
    """An async ``(session_id, text)`` callback that records calls and lets tests await them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self._changed = asyncio.Condition()

    async def __call__(self, session_id: str, text: str) -> None:
        async with self._changed:
            self.calls.append((session_id, text))
            self._changed.notify_all()

    async def wait_for(self, count: int) -> None:
        async def _wait() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.calls) >= count)

        await asyncio.wait_for(_wait(), WAIT)


class FakeLLM:
    def __init__(self, reply: str = "User explored billing.") -> None:
        self.prompts: list[str] = []
        self.reply = reply

    async def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        return self.reply


@pytest.fixture
async def cleanup() -> AsyncIterator[list[AsyncChatPipeline]]:
    """Stops the summarizer workers of the pipelines a test built, so no task outlives the loop."""
    pipelines: list[AsyncChatPipeline] = []
    yield pipelines
    for pipeline in pipelines:
        workers = list(pipeline.summarizer.workers.values())
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)


def test_package_all_is_the_six_spec_names() -> None:
    assert chat_package.__all__ == [
        "AsyncChatPipeline",
        "BaseChatbotWriter",
        "ConversationEvent",
        "ConversationWriter",
        "compose_chat_pipeline",
        "format_chatbot_note_header",
    ]
    assert chat_pipeline.__all__ == ["AsyncChatPipeline", "compose_chat_pipeline"]
    assert chat_package.AsyncChatPipeline is AsyncChatPipeline


def test_compose_signature_is_keyword_only_with_spec_defaults() -> None:
    params = inspect.signature(compose_chat_pipeline).parameters
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params.values())
    assert [(p.name, p.default) for p in params.values()] == [
        ("llm", inspect.Parameter.empty),
        ("threshold", 10),
        ("lookback_seconds", 300.0),
        ("max_actions", 20),
        ("write_actions", None),
        ("overwrite_with_summary", None),
        ("debounce_ms", 0),
    ]


def test_pipeline_dataclass_fields_in_order() -> None:
    assert [f.name for f in dataclasses.fields(AsyncChatPipeline)] == ["summarizer", "context_store", "agent_writer"]


async def test_compose_builds_the_three_parts_without_logging(
    caplog: pytest.LogCaptureFixture, cleanup: list[AsyncChatPipeline]
) -> None:
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk"):
        pipeline = compose_chat_pipeline(llm=FakeLLM())
    cleanup.append(pipeline)
    assert isinstance(pipeline.summarizer, AsyncSessionSummarizer)
    assert isinstance(pipeline.context_store, AsyncContextStore)
    assert isinstance(pipeline.agent_writer, AsyncAgentContextWriter)
    assert caplog.records == []  # in particular no "replacing on_summary" warning


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"threshold": 0}, SdkConfigError),
        ({"lookback_seconds": 0}, ValueError),
        ({"max_actions": 0}, ValueError),
    ],
)
def test_compose_validates_through_the_parts(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        compose_chat_pipeline(llm=FakeLLM(), **kwargs)


async def test_actions_reach_store_then_writer_and_summary_fans_out(cleanup: list[AsyncChatPipeline]) -> None:
    llm = FakeLLM("User explored billing.")
    written = Recorder()
    summaries = Recorder()
    pipeline = compose_chat_pipeline(llm=llm, threshold=3, write_actions=written, overwrite_with_summary=summaries)
    cleanup.append(pipeline)

    first = payload("s1", "open-billing", "click-upgrade")
    await pipeline.on_actions(first)
    await pipeline.on_actions(payload("s1", "submit-card"))
    await asyncio.wait_for(pipeline.summarizer.flush(), WAIT)
    await summaries.wait_for(1)

    # Every batch was pushed as text, in order.
    assert written.calls == [
        ("s1", first.to_text()),
        ("s1", payload("s1", "submit-card").to_text()),
    ]
    # The summarizer got the actions (threshold 3 reached) with the default prompt.
    assert len(llm.prompts) == 1
    assert llm.prompts[0].startswith(DEFAULT_PROMPT.split("{actions}")[0])
    assert "3. [0] click: submit-card — /submit-card" in llm.prompts[0]
    # The summary reached the destination and the context store; actions are kept beside it.
    assert summaries.calls == [("s1", "User explored billing.")]
    context = pipeline.context_store.enrich("s1", "How do I upgrade?", product_id="prod")
    assert context == (
        "[Session context]\n"
        "Summary: User explored billing.\n\n"
        "Recent activity:\n"
        "1. [0] click: open-billing — /open-billing\n"
        "2. [1] click: click-upgrade — /click-upgrade\n"
        "3. [0] click: submit-card — /submit-card\n\n"
        "[Query]\nHow do I upgrade?"
    )


async def test_store_is_updated_before_the_writer_sees_the_batch(cleanup: list[AsyncChatPipeline]) -> None:
    seen_by_writer: list[str] = []
    holder: list[AsyncChatPipeline] = []

    async def write_actions(session_id: str, text: str) -> None:
        seen_by_writer.append(holder[0].context_store.get(session_id, product_id="prod"))

    pipeline = compose_chat_pipeline(llm=FakeLLM(), write_actions=write_actions)
    holder.append(pipeline)
    cleanup.append(pipeline)
    await pipeline.on_actions(payload("s1", "a"))
    assert seen_by_writer == ["Recent activity:\n1. [0] click: a — /a"]


async def test_summary_reaches_the_store_even_without_overwrite_callback(cleanup: list[AsyncChatPipeline]) -> None:
    pipeline = compose_chat_pipeline(llm=FakeLLM("S."), threshold=1)
    cleanup.append(pipeline)
    await pipeline.on_actions(payload("s1", "a"))
    await asyncio.wait_for(pipeline.summarizer.flush(), WAIT)
    assert pipeline.context_store.get("s1", include_actions=False) == "Summary: S."


async def test_failing_overwrite_does_not_hide_the_summary_from_the_store(
    cleanup: list[AsyncChatPipeline], caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(session_id: str, summary: str) -> None:
        raise RuntimeError("destination down")

    pipeline = compose_chat_pipeline(llm=FakeLLM("S."), threshold=1, overwrite_with_summary=broken)
    cleanup.append(pipeline)
    with caplog.at_level(logging.ERROR, logger="autoplay_sdk"):
        await pipeline.on_actions(payload("s1", "a"))
        await asyncio.wait_for(pipeline.summarizer.flush(), WAIT)
    assert pipeline.context_store.get("s1", include_actions=False) == "Summary: S."
    assert any("overwrite_with_summary failed" in r.getMessage() for r in caplog.records)


async def test_failing_store_still_delivers_the_summary(cleanup: list[AsyncChatPipeline]) -> None:
    summaries = Recorder()
    pipeline = compose_chat_pipeline(llm=FakeLLM("S."), overwrite_with_summary=summaries)
    cleanup.append(pipeline)

    async def broken_store(session_id: str, summary_text: str) -> None:
        raise RuntimeError("store down")

    pipeline.context_store.on_summary = broken_store  # type: ignore[method-assign]
    fan_out = pipeline.summarizer.on_summary
    assert fan_out is not None
    with pytest.raises(RuntimeError, match="store down"):  # the summarizer logs it
        await fan_out("s1", "S.")
    assert summaries.calls == [("s1", "S.")]


async def test_default_lookback_prunes_stale_payloads_from_the_store(cleanup: list[AsyncChatPipeline]) -> None:
    written = Recorder()
    pipeline = compose_chat_pipeline(llm=FakeLLM(), write_actions=written)
    cleanup.append(pipeline)
    await pipeline.on_actions(payload("s1", "stale", forwarded_at=time.time() - 301))
    await pipeline.on_actions(payload("s1", "zero", forwarded_at=0.0))
    assert pipeline.context_store.enrich("s1", "q", product_id="prod") == "q"
    assert len(written.calls) == 2  # the writer still receives them


async def test_max_actions_caps_the_rendered_context(cleanup: list[AsyncChatPipeline]) -> None:
    pipeline = compose_chat_pipeline(llm=FakeLLM(), threshold=100, max_actions=2)
    cleanup.append(pipeline)
    await pipeline.on_actions(payload("s1", "a", "b", "c"))
    assert pipeline.context_store.get("s1", product_id="prod") == (
        "Recent activity:\n1. [1] click: b — /b\n2. [2] click: c — /c"
    )


async def test_debounce_merges_batches_before_write_actions(cleanup: list[AsyncChatPipeline]) -> None:
    written = Recorder()
    pipeline = compose_chat_pipeline(llm=FakeLLM(), threshold=100, write_actions=written, debounce_ms=1)
    cleanup.append(pipeline)
    await pipeline.on_actions(payload("s1", "a"))
    await pipeline.on_actions(payload("s1", "b"))  # same loop turn: one merged delivery
    await written.wait_for(1)
    assert written.calls == [("s1", "Session s1 — 2 actions\n[0] click: a — /a\n[1] click: b — /b")]


async def test_on_actions_propagates_store_errors_and_skips_the_writer(cleanup: list[AsyncChatPipeline]) -> None:
    written = Recorder()
    pipeline = compose_chat_pipeline(llm=FakeLLM(), write_actions=written)
    cleanup.append(pipeline)

    async def broken_add(p: ActionsPayload) -> None:
        raise RuntimeError("store down")

    pipeline.context_store.add = broken_add  # type: ignore[method-assign,assignment]
    with pytest.raises(RuntimeError, match="store down"):
        await pipeline.on_actions(payload("s1", "a"))
    assert written.calls == []
