"""SessionSummarizer / AsyncSessionSummarizer: thresholds, prompts, failure paths."""

from __future__ import annotations

import asyncio
import builtins
import gc
import logging
import re
import string
import threading
from typing import Any

import pytest

from autoplay_sdk.context import summarizer as summarizer_module
from autoplay_sdk.context.summarizer import (
    DEFAULT_PROMPT,
    AsyncSessionSummarizer,
    SessionSummarizer,
    _format_actions,
)
from autoplay_sdk.core.exceptions import SdkConfigError, SdkError
from autoplay_sdk.core.models import ActionsPayload
from tests.context._helpers import clicks, payload

SUMMARIZER_LOGGER = "autoplay_sdk.context.summarizer"


class RecordingLlm:
    """A sync LLM recording its prompts; answers ``summary <n>``."""

    def __init__(self) -> None:
        self.prompts: list[str] = []

    def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        return f"summary {len(self.prompts)}"


class AsyncRecordingLlm(RecordingLlm):
    async def __call__(self, prompt: str) -> str:  # type: ignore[override]
        return RecordingLlm.__call__(self, prompt)


def expected_prompt(payloads: list[ActionsPayload]) -> str:
    return DEFAULT_PROMPT.format(actions=_format_actions(payloads))


# -- DEFAULT_PROMPT and the default formatter ---------------------------------------------------


def test_default_prompt_structure() -> None:
    fields = [name for _, name, _, _ in string.Formatter().parse(DEFAULT_PROMPT) if name is not None]
    assert fields == ["actions"]
    assert DEFAULT_PROMPT.endswith("Actions:\n{actions}\n\nSummary:")
    assert DEFAULT_PROMPT.count("{") == DEFAULT_PROMPT.count("}") == 1
    opening, instructions, *_ = DEFAULT_PROMPT.split("\n\n")
    assert "RAG" in opening and "vector database" in opening and "embedded" in opening
    assert "2-3 sentences" in instructions
    assert [line for line in instructions.splitlines() if line.startswith("- ")] == [
        "- the features and pages the user visited",
        "- the actions the user performed",
        "- the user's intent or goal, if it can be inferred",
    ]
    assert DEFAULT_PROMPT.format(actions="X").endswith("Actions:\nX\n\nSummary:")


def test_format_actions_numbers_across_payloads() -> None:
    payloads = [payload("s", [("click", "Clicked Export", "/dashboard")]), payload("s", clicks(2), first_index=7)]
    assert _format_actions(payloads) == (
        "1. [0] click: Clicked Export \u2014 /dashboard\n"
        "2. [7] click: Clicked 0 \u2014 /page\n"
        "3. [8] click: Clicked 1 \u2014 /page"
    )
    assert _format_actions([]) == ""
    assert _format_actions([payload("s", [])]) == ""


# -- validation (and no debug file) --------------------------------------------------------------


@pytest.mark.parametrize("cls", [SessionSummarizer, AsyncSessionSummarizer])
def test_threshold_below_one_raises_sdk_config_error(cls: Any) -> None:
    with pytest.raises(SdkConfigError) as info:
        cls(llm=RecordingLlm(), threshold=0)
    assert str(info.value) == "threshold must be >= 1, got 0"
    assert isinstance(info.value, SdkError) and not isinstance(info.value, ValueError)


@pytest.mark.parametrize("cls", [SessionSummarizer, AsyncSessionSummarizer])
def test_invalid_threshold_writes_no_file(cls: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Any] = []
    monkeypatch.setattr(builtins, "open", lambda *a, **k: opened.append(a))
    with pytest.raises(SdkConfigError):
        cls(llm=RecordingLlm(), threshold=-3)
    assert opened == []


def test_max_sessions_zero_is_rejected_up_front() -> None:
    with pytest.raises(SdkConfigError) as info:
        SessionSummarizer(llm=RecordingLlm(), max_sessions=0)
    assert str(info.value) == "max_sessions must be >= 1, got 0"


@pytest.mark.parametrize("cls", [SessionSummarizer, AsyncSessionSummarizer])
def test_llm_timeout_must_be_positive(cls: Any) -> None:
    with pytest.raises(SdkConfigError):
        cls(llm=RecordingLlm(), llm_timeout_s=0)


# -- sync: thresholds, replacement, callbacks ---------------------------------------------------


def test_sync_summarises_once_threshold_is_reached() -> None:
    llm = RecordingLlm()
    got: list[tuple[str, str]] = []
    summarizer = SessionSummarizer(llm=llm, threshold=3, on_summary=lambda s, t: got.append((s, t)))
    first, second = payload("s1", clicks(2)), payload("s1", clicks(2, start=2), first_index=2)
    summarizer.add(first)
    assert llm.prompts == [] and summarizer.active_sessions == ["s1"]
    assert summarizer.get_context("s1") == _format_actions([first])
    summarizer.add(second)  # 4 >= 3: the whole snapshot, no carry-over
    assert llm.prompts == [expected_prompt([first, second])]
    assert got == [("s1", "summary 1")]
    assert summarizer.get_context("s1") == "" and summarizer.active_sessions == []


def test_sync_each_summary_covers_only_new_actions_and_latest_wins() -> None:
    llm = RecordingLlm()
    got: list[str] = []
    summarizer = SessionSummarizer(llm=llm, threshold=2, on_summary=lambda s, t: got.append(t))
    batches = [payload("s1", clicks(2, start=2 * i), first_index=2 * i) for i in range(3)]
    for b in batches:
        summarizer.add(b)
    assert llm.prompts == [expected_prompt([b]) for b in batches]
    assert got == ["summary 1", "summary 2", "summary 3"]


def test_sync_custom_prompt_formatter_and_reassigned_callback() -> None:
    llm = RecordingLlm()
    summarizer = SessionSummarizer(
        llm=llm,
        threshold=1,
        prompt="Do it {{literally}}: {actions}",
        format_actions=lambda ps: f"<{sum(len(p.actions) for p in ps)} actions>",
    )
    got: list[str] = []
    summarizer.on_summary = lambda s, t: got.append(t)
    summarizer.add(payload("s1", clicks(3)))
    assert llm.prompts == ["Do it {literally}: <3 actions>"]
    assert got == ["summary 1"]
    SessionSummarizer(llm=llm, threshold=1, prompt="no placeholder").add(payload())
    assert llm.prompts[-1] == "no placeholder"


def test_sync_on_summary_errors_are_swallowed(caplog: pytest.LogCaptureFixture) -> None:
    def boom(sid: str, text: str) -> None:
        raise RuntimeError("callback down")

    summarizer = SessionSummarizer(llm=RecordingLlm(), threshold=1, on_summary=boom)
    summarizer.add(payload())
    assert "on_summary failed" in caplog.text


def test_sync_async_callback_is_closed_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []

    async def callback(sid: str, text: str) -> None:
        calls.append(text)

    summarizer = SessionSummarizer(llm=RecordingLlm(), threshold=1, on_summary=callback)  # type: ignore[arg-type]
    summarizer.add(payload())
    gc.collect()  # a never-awaited coroutine would warn here (warnings are errors)
    assert calls == []
    assert "cannot await it" in caplog.text


def test_sync_reset_and_active_sessions_lru_order() -> None:
    summarizer = SessionSummarizer(llm=RecordingLlm(), threshold=100)
    for sid in ("a", "b", "c"):
        summarizer.add(payload(sid))
    summarizer.add(payload("a"))
    assert summarizer.active_sessions == ["b", "c", "a"]
    summarizer.reset("b")
    summarizer.reset("nope")
    assert summarizer.active_sessions == ["c", "a"]


def test_sync_max_sessions_evicts_least_recent_pending_history() -> None:
    llm = RecordingLlm()
    summarizer = SessionSummarizer(llm=llm, threshold=2, max_sessions=2)
    summarizer.add(payload("a"))
    summarizer.add(payload("b"))
    summarizer.add(payload("c"))  # evicts a
    summarizer.add(payload("a"))
    assert llm.prompts == [] and summarizer.active_sessions == ["c", "a"]


# -- sync failure paths: the session stays usable, nothing pending is lost ----------------------


@pytest.mark.parametrize("template", ["{}", "{0}", "{actions", "actions}", "{actions} {other}", "{actions.x}"])
def test_bad_template_keeps_history_and_never_raises(template: str, caplog: pytest.LogCaptureFixture) -> None:
    llm = RecordingLlm()
    summarizer = SessionSummarizer(llm=llm, threshold=1, prompt=template)
    first, second = payload("s1", clicks(1)), payload("s1", clicks(1, start=1), first_index=1)
    summarizer.add(first)
    summarizer.add(second)
    assert llm.prompts == []
    assert summarizer.get_context("s1") == _format_actions([first, second])
    assert summarizer.counts["s1"] == 2
    assert "could not build the prompt" in caplog.text


def test_sync_llm_failure_restores_and_the_next_add_retries_with_everything() -> None:
    prompts: list[str] = []

    def flaky(prompt: str) -> str:
        prompts.append(prompt)
        if len(prompts) == 1:
            raise ConnectionError("LLM down")
        return "ok"

    got: list[str] = []
    summarizer = SessionSummarizer(llm=flaky, threshold=2, on_summary=lambda s, t: got.append(t))
    first, second = payload("s1", clicks(2)), payload("s1", clicks(1, start=2), first_index=2)
    summarizer.add(first)
    assert summarizer.get_context("s1") == _format_actions([first])
    summarizer.add(second)
    assert prompts == [expected_prompt([first]), expected_prompt([first, second])]
    assert got == ["ok"]


@pytest.mark.parametrize("garbage", [None, 42, "", "   \n", b"bytes", ["list"]])
def test_sync_garbage_llm_result_takes_the_failure_path(garbage: Any, caplog: pytest.LogCaptureFixture) -> None:
    got: list[str] = []
    summarizer = SessionSummarizer(llm=lambda p: garbage, threshold=1, on_summary=lambda s, t: got.append(t))
    p = payload("s1", clicks(2))
    summarizer.add(p)
    assert got == []
    assert summarizer.get_context("s1") == _format_actions([p])
    assert "no usable summary" in caplog.text


def test_sync_hanging_llm_times_out_and_keeps_actions() -> None:
    release = threading.Event()
    started = threading.Event()

    def hangs(prompt: str) -> str:
        started.set()
        release.wait(30)
        return "late"

    got: list[str] = []
    summarizer = SessionSummarizer(llm=hangs, threshold=1, on_summary=lambda s, t: got.append(t), llm_timeout_s=0.05)
    p = payload("s1", clicks(2))
    try:
        summarizer.add(p)  # returns after ~50 ms instead of hanging
        assert started.is_set()
        assert summarizer.get_context("s1") == _format_actions([p])
    finally:
        release.set()
    assert got == []


def test_sync_timeout_still_returns_fast_results_and_propagates_errors_as_failures() -> None:
    got: list[str] = []
    summarizer = SessionSummarizer(
        llm=lambda p: "quick", threshold=1, on_summary=lambda s, t: got.append(t), llm_timeout_s=5
    )
    summarizer.add(payload())
    assert got == ["quick"]

    def fails(prompt: str) -> str:
        raise ValueError("bad")

    failing = SessionSummarizer(llm=fails, threshold=1, llm_timeout_s=5)
    failing.add(payload())
    assert failing.counts["s1"] == 1


def test_restore_after_failure_honours_max_sessions() -> None:
    summarizer: SessionSummarizer

    def llm(prompt: str) -> str:
        # While s1 is being summarised (its history is out), another session arrives.
        summarizer.add(payload("s2"))
        raise ConnectionError("LLM down")

    summarizer = SessionSummarizer(llm=llm, threshold=2, max_sessions=1)
    summarizer.add(payload("s1", clicks(2)))
    assert summarizer.active_sessions == ["s1"]
    assert len(summarizer.history) == 1 and summarizer.counts == {"s1": 2}


# -- async ---------------------------------------------------------------------------------------


async def test_async_add_never_waits_for_the_llm() -> None:
    release = asyncio.Event()
    got: list[str] = []

    async def slow(prompt: str) -> str:
        await release.wait()
        return "done"

    summarizer = AsyncSessionSummarizer(llm=slow, threshold=1, on_summary=lambda s, t: got.append(t))  # type: ignore[arg-type,return-value]
    for i in range(3):
        await summarizer.add(payload("s1", clicks(1, start=i), first_index=i))
    assert got == []
    release.set()
    await summarizer.flush()
    assert got == ["done", "done", "done"]


async def test_async_summaries_fire_in_arrival_order_with_metrics() -> None:
    seen: list[str] = []
    got: list[tuple[str, str]] = []
    latencies: list[dict[str, Any]] = []

    async def llm(prompt: str) -> str:
        seen.append(prompt)
        return f"summary of {len(re.findall(r'^[0-9]+[.] ', prompt, re.MULTILINE))}"

    class Metrics:
        def record_summarizer_latency(self, **kwargs: Any) -> None:
            latencies.append(kwargs)

    async def on_summary(sid: str, text: str) -> None:
        got.append((sid, text))

    summarizer = AsyncSessionSummarizer(llm=llm, threshold=2, on_summary=on_summary, metrics=Metrics())  # type: ignore[arg-type]
    s1 = [payload("s1", clicks(1, start=i), first_index=i) for i in range(4)]
    s2 = payload("s2", clicks(3))
    for p in s1:
        await summarizer.add(p)
    await summarizer.add(s2)
    await summarizer.flush()
    # One worker per session: s1's summaries are made (and delivered) in arrival order.
    assert sorted(seen) == sorted([expected_prompt(s1[:2]), expected_prompt(s1[2:]), expected_prompt([s2])])
    assert seen.index(expected_prompt(s1[:2])) < seen.index(expected_prompt(s1[2:]))
    assert [t for s, t in got if s == "s1"] == ["summary of 2", "summary of 2"]
    assert [t for s, t in got if s == "s2"] == ["summary of 3"]
    assert sorted((m["session_id"], m["action_count"]) for m in latencies) == [("s1", 2), ("s1", 2), ("s2", 3)]
    assert all(m["elapsed_ms"] >= 0 for m in latencies)
    assert await summarizer.active_sessions == []


async def test_async_get_context_reset_and_flush() -> None:
    summarizer = AsyncSessionSummarizer(llm=AsyncRecordingLlm(), threshold=10)
    await summarizer.flush()  # nothing queued: returns at once
    p = payload("s1", clicks(2))
    await summarizer.add(p)
    await summarizer.flush()
    assert await summarizer.get_context("s1") == _format_actions([p])
    assert await summarizer.active_sessions == ["s1"]
    await summarizer.reset("s1")
    await summarizer.flush()
    assert await summarizer.get_context("s1") == ""
    assert await summarizer.active_sessions == []
    await summarizer.reset("never-seen")


async def test_async_queue_full_drops_counts_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    dropped: list[dict[str, Any]] = []

    class Metrics:
        def record_event_dropped(self, **kwargs: Any) -> None:
            dropped.append(kwargs)

    summarizer = AsyncSessionSummarizer(llm=AsyncRecordingLlm(), threshold=100, max_queue_size=1, metrics=Metrics())  # type: ignore[arg-type]
    await summarizer.add(payload("s1", product_id="p"))
    await summarizer.add(payload("s1", product_id="p"))  # the worker has not run yet: queue full
    assert dropped == [{"reason": "queue_full", "event_type": "actions", "session_id": "s1", "product_id": "p"}]
    assert "per-session queue full" in caplog.text
    await summarizer.flush()
    assert summarizer.counts["s1"] == 1


async def test_async_sync_llm_fails_cleanly_and_keeps_actions(caplog: pytest.LogCaptureFixture) -> None:
    summarizer = AsyncSessionSummarizer(llm=lambda p: "not awaitable", threshold=1)  # type: ignore[arg-type,return-value]
    p = payload("s1", clicks(2))
    await summarizer.add(p)
    await summarizer.flush()
    assert await summarizer.get_context("s1") == _format_actions([p])
    assert "LLM call failed" in caplog.text


async def test_async_llm_failure_restores_and_retries_with_everything() -> None:
    prompts: list[str] = []

    async def flaky(prompt: str) -> str:
        prompts.append(prompt)
        if len(prompts) == 1:
            raise TimeoutError("upstream")
        return "ok"

    got: list[str] = []
    summarizer = AsyncSessionSummarizer(llm=flaky, threshold=1, on_summary=lambda s, t: got.append(t))  # type: ignore[arg-type,return-value]
    first, second = payload("s1", clicks(1)), payload("s1", clicks(1, start=1), first_index=1)
    await summarizer.add(first)
    await summarizer.flush()
    assert await summarizer.get_context("s1") == _format_actions([first])
    await summarizer.add(second)
    await summarizer.flush()
    assert prompts == [expected_prompt([first]), expected_prompt([first, second])]
    assert got == ["ok"]


@pytest.mark.parametrize("garbage", [None, 0, "", "  "])
async def test_async_garbage_result_keeps_actions(garbage: Any) -> None:
    async def llm(prompt: str) -> Any:
        return garbage

    got: list[str] = []
    summarizer = AsyncSessionSummarizer(llm=llm, threshold=1, on_summary=lambda s, t: got.append(t))  # type: ignore[arg-type,return-value]
    p = payload("s1", clicks(2))
    await summarizer.add(p)
    await summarizer.flush()
    assert got == [] and await summarizer.get_context("s1") == _format_actions([p])


async def test_async_hanging_llm_times_out_so_flush_returns() -> None:
    cancelled = asyncio.Event()

    async def hangs(prompt: str) -> str:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    summarizer = AsyncSessionSummarizer(llm=hangs, threshold=1, llm_timeout_s=0.05)
    p = payload("s1", clicks(2))
    await summarizer.add(p)
    await asyncio.wait_for(summarizer.flush(), 10)
    assert cancelled.is_set()
    assert await summarizer.get_context("s1") == _format_actions([p])
    await summarizer.add(payload("s1", clicks(1, start=2), first_index=2))  # still usable
    await asyncio.wait_for(summarizer.flush(), 10)
    assert summarizer.counts["s1"] == 3


async def test_async_on_summary_errors_are_swallowed(caplog: pytest.LogCaptureFixture) -> None:
    async def boom(sid: str, text: str) -> None:
        raise RuntimeError("down")

    summarizer = AsyncSessionSummarizer(llm=AsyncRecordingLlm(), threshold=1, on_summary=boom)
    await summarizer.add(payload())
    await summarizer.add(payload())
    await summarizer.flush()
    assert caplog.text.count("on_summary failed") == 2


@pytest.mark.parametrize("template", ["{}", "{0}", "{actions", "actions}"])
async def test_async_bad_template_keeps_worker_alive(template: str) -> None:
    llm = AsyncRecordingLlm()
    summarizer = AsyncSessionSummarizer(llm=llm, threshold=1, prompt=template)
    payloads = [payload("s1", clicks(1, start=i), first_index=i) for i in range(3)]
    for p in payloads:
        await summarizer.add(p)
    await asyncio.wait_for(summarizer.flush(), 10)
    assert llm.prompts == []
    assert await summarizer.get_context("s1") == _format_actions(payloads)
    assert not summarizer.workers["s1"].done()


async def test_async_formatter_error_then_recovery() -> None:
    calls = 0

    def format_actions(payloads: list[ActionsPayload]) -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise IndexError("formatter bug")
        return _format_actions(payloads)

    llm = AsyncRecordingLlm()
    summarizer = AsyncSessionSummarizer(llm=llm, threshold=1, format_actions=format_actions)
    first, second = payload("s1", clicks(1)), payload("s1", clicks(1, start=1), first_index=1)
    await summarizer.add(first)
    await summarizer.add(second)
    await summarizer.flush()
    assert llm.prompts == [expected_prompt([first, second])]


async def test_payloads_queued_behind_reset_are_processed() -> None:
    llm = AsyncRecordingLlm()
    summarizer = AsyncSessionSummarizer(llm=llm, threshold=2)
    before, after1, after2 = payload("s1"), payload("s1", clicks(1)), payload("s1", clicks(1, start=1), first_index=1)
    # None of these calls yields to the worker: the queue is [before, STOP, after1].
    await summarizer.add(before)
    await summarizer.reset("s1")
    await summarizer.add(after1)
    await asyncio.wait_for(summarizer.flush(), 10)  # after1 is processed, so flush() returns
    assert await summarizer.get_context("s1") == _format_actions([after1])
    await summarizer.add(after2)
    await asyncio.wait_for(summarizer.flush(), 10)
    assert llm.prompts == [expected_prompt([after1, after2])]


async def test_no_payload_lost_around_idle_exits(monkeypatch: pytest.MonkeyPatch) -> None:
    # Workers time out as soon as their queue is empty, so adds keep landing while a worker is
    # deciding to exit.  With threshold 1 every processed payload yields one summary.
    monkeypatch.setattr(summarizer_module, "_WORKER_IDLE_TIMEOUT_S", 0.0)
    got: list[str] = []
    summarizer = AsyncSessionSummarizer(llm=AsyncRecordingLlm(), threshold=1, on_summary=lambda s, t: got.append(t))  # type: ignore[arg-type,return-value]
    for i in range(200):
        await summarizer.add(payload("s1", clicks(1, start=i), first_index=i))
        for _ in range(i % 6):
            await asyncio.sleep(0)  # vary the interleaving with the worker
    await asyncio.wait_for(summarizer.flush(), 10)
    assert len(got) == 200


async def test_idle_worker_exits_and_discards_sub_threshold_history(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summarizer_module, "_WORKER_IDLE_TIMEOUT_S", 0.01)
    summarizer = AsyncSessionSummarizer(llm=AsyncRecordingLlm(), threshold=10)
    await summarizer.add(payload("s1", clicks(2)))
    worker = summarizer.workers["s1"]
    await asyncio.wait_for(worker, 10)
    assert summarizer.queues == {} and summarizer.workers == {}
    assert await summarizer.get_context("s1") == ""
    assert await summarizer.active_sessions == []
    await summarizer.add(payload("s1"))  # a fresh worker takes over
    await summarizer.flush()
    assert summarizer.counts["s1"] == 1


async def test_cancelled_worker_releases_its_queue_and_counts_drops(caplog: pytest.LogCaptureFixture) -> None:
    dropped: list[dict[str, Any]] = []

    class Metrics:
        def record_event_dropped(self, **kwargs: Any) -> None:
            dropped.append(kwargs)

    summarizer = AsyncSessionSummarizer(llm=AsyncRecordingLlm(), threshold=10, metrics=Metrics())  # type: ignore[arg-type]
    await summarizer.add(payload("s1"))
    await summarizer.add(payload("s1"))
    worker = summarizer.workers["s1"]
    worker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await worker
    await asyncio.wait_for(summarizer.flush(), 10)
    assert [d["reason"] for d in dropped] == ["worker_stopped", "worker_stopped"]
    assert "dropped 2 queued payloads" in caplog.text
    await summarizer.add(payload("s1"))
    await summarizer.flush()
    assert summarizer.counts["s1"] == 1


async def test_async_on_summary_accepts_sync_callbacks(caplog: pytest.LogCaptureFixture) -> None:
    got: list[str] = []
    summarizer = AsyncSessionSummarizer(llm=AsyncRecordingLlm(), threshold=1)
    summarizer.on_summary = lambda s, t: got.append(t)
    await summarizer.add(payload())
    await summarizer.flush()
    assert got == ["summary 1"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
