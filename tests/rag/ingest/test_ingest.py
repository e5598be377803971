"""RAG ingestion: exact texts, ids and metadata; failures logged and survived."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import autoplay_sdk.rag
import autoplay_sdk.rag.ingest
import autoplay_sdk.rag.ingest.ingest as ingest_module
from autoplay_sdk.context.summarizer import AsyncSessionSummarizer, SessionSummarizer
from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.core.models import ActionsPayload, SlimAction, SummaryPayload
from autoplay_sdk.rag import AsyncRagPipeline, RagPipeline

LOGGER = "autoplay_sdk.rag.ingest.ingest"
VECTOR = [0.25, 0.5]


def actions(
    session_id: str | None = "s1",
    *,
    forwarded_at: float = 12.5,
    product_id: str = "p1",
    descriptions: tuple[str, ...] = ("Clicked Export",),
) -> ActionsPayload:
    slim = [
        SlimAction(title=d, description=d, canonical_url="/reports", index=i, type="click")
        for i, d in enumerate(descriptions)
    ]
    return ActionsPayload(product_id, session_id, "u1", "ada@example.com", slim, len(slim), forwarded_at)


def summary(
    session_id: str | None = "s", *, forwarded_at: float = 1.0, text: str = "Ada exported a report"
) -> SummaryPayload:
    return SummaryPayload("p1", session_id, text, 3, forwarded_at)


class Recorder:
    """``embed`` / ``upsert`` doubles that record their calls (sync flavour)."""

    def __init__(self, *, embed_error: BaseException | None = None, upsert_error: BaseException | None = None) -> None:
        self.embedded: list[tuple[Any, ...]] = []
        self.upserted: list[tuple[Any, ...]] = []
        self.embed_error = embed_error
        self.upsert_error = upsert_error

    def embed(self, *args: Any) -> list[float]:
        self.embedded.append(args)
        if self.embed_error is not None:
            raise self.embed_error
        return VECTOR

    def upsert(self, *args: Any) -> None:
        self.upserted.append(args)
        if self.upsert_error is not None:
            raise self.upsert_error


class AsyncRecorder(Recorder):
    async def embed(self, *args: Any) -> list[float]:  # type: ignore[override]
        return Recorder.embed(self, *args)

    async def upsert(self, *args: Any) -> None:  # type: ignore[override]
        Recorder.upsert(self, *args)


@dataclass
class Flavour:
    """Runs the same scenario against the sync and the async class."""

    name: str
    cls: type[Any]
    recorder: type[Recorder]

    def call(self, method: Callable[..., Any], *args: Any) -> Any:
        result = method(*args)
        if inspect.isawaitable(result):
            return asyncio.run(_await(result))
        return result


async def _await(result: Any) -> Any:
    return await result


FLAVOURS = [Flavour("sync", RagPipeline, Recorder), Flavour("async", AsyncRagPipeline, AsyncRecorder)]


@pytest.fixture(params=FLAVOURS, ids=lambda f: f.name)
def flavour(request: pytest.FixtureRequest) -> Flavour:
    f: Flavour = request.param
    return f


def records(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER and r.levelno == level]


# --------------------------------------------------------------------------- import surface


def test_all_lists_and_defining_module_match_the_spec() -> None:
    assert autoplay_sdk.rag.__all__ == ["RagPipeline", "AsyncRagPipeline"]
    assert autoplay_sdk.rag.ingest.__all__ == ["AsyncRagPipeline", "RagPipeline"]
    assert not hasattr(ingest_module, "__all__")
    for module in (autoplay_sdk.rag, autoplay_sdk.rag.ingest):
        assert module.RagPipeline is ingest_module.RagPipeline
        assert module.AsyncRagPipeline is ingest_module.AsyncRagPipeline
    assert ingest_module.logger is logging.getLogger(LOGGER)
    assert ingest_module.SdkConfigError is SdkConfigError
    assert ingest_module.ActionsPayload is ActionsPayload
    assert ingest_module.SummaryPayload is SummaryPayload


def test_sync_and_async_classes_have_the_same_signature_and_public_names() -> None:
    def public(cls: type[Any]) -> set[str]:
        return {n for n in vars(cls) if not n.startswith("_")}

    assert public(RagPipeline) == public(AsyncRagPipeline) == {"on_actions", "on_summary"}
    sync_params = list(inspect.signature(RagPipeline).parameters.values())
    async_params = list(inspect.signature(AsyncRagPipeline).parameters.values())
    assert [(p.name, p.kind, p.default) for p in sync_params] == [(p.name, p.kind, p.default) for p in async_params]
    assert [p.name for p in sync_params] == ["embed", "upsert", "summarizer"]
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in sync_params)
    assert inspect.iscoroutinefunction(AsyncRagPipeline.on_actions)
    assert inspect.iscoroutinefunction(AsyncRagPipeline.on_summary)


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize("cls", [RagPipeline, AsyncRagPipeline])
def test_config_error_names_embed(cls: type[Any]) -> None:
    with pytest.raises(SdkConfigError) as info:
        cls(None, lambda *a: None)
    assert str(info.value) == "embed must be callable, got <class 'NoneType'>"


@pytest.mark.parametrize("cls", [RagPipeline, AsyncRagPipeline])
def test_config_error_names_upsert(cls: type[Any]) -> None:
    with pytest.raises(SdkConfigError) as info:
        cls(lambda t: VECTOR, "not callable")
    assert str(info.value) == "upsert must be callable, got <class 'str'>"


@pytest.mark.parametrize("cls", [RagPipeline, AsyncRagPipeline])
def test_embed_is_checked_before_upsert(cls: type[Any]) -> None:
    with pytest.raises(SdkConfigError, match=r"^embed must be callable, got <class 'int'>$"):
        cls(1, 2)


@pytest.mark.parametrize("cls", [RagPipeline, AsyncRagPipeline])
def test_summarizer_without_on_summary_raises_attribute_error(cls: type[Any]) -> None:
    class NoHook:
        def add(self, payload: Any) -> None: ...

    with pytest.raises(AttributeError):
        cls(lambda t: VECTOR, lambda *a: None, NoHook())


# --------------------------------------------------------------------------- ids, texts, metadata


def test_actions_are_embedded_and_upserted_with_exact_id_text_and_metadata(flavour: Flavour) -> None:
    rec = flavour.recorder()
    pipeline = flavour.cls(rec.embed, rec.upsert)
    payload = actions("s1", forwarded_at=12.5, descriptions=("Clicked Export", "Opened billing"))

    assert flavour.call(pipeline.on_actions, payload) is None

    assert rec.embedded == [(payload.to_text(),)]
    assert rec.embedded[0][0].startswith("Session s1 \u2014 2 actions\n")
    assert rec.upserted == [
        ("s1:actions:12.5", VECTOR, {"session_id": "s1", "type": "ActionsPayload", "forwarded_at": 12.5})
    ]
    assert list(rec.upserted[0][2]) == ["session_id", "type", "forwarded_at"]


def test_summary_is_embedded_verbatim(flavour: Flavour) -> None:
    rec = flavour.recorder()
    pipeline = flavour.cls(rec.embed, rec.upsert)

    assert flavour.call(pipeline.on_summary, summary("s", forwarded_at=1.0, text="  Ada exported  ")) is None

    assert rec.embedded == [("  Ada exported  ",)]
    assert rec.upserted == [
        ("s:summary:1.0", VECTOR, {"session_id": "s", "type": "SummaryPayload", "forwarded_at": 1.0})
    ]


@pytest.mark.parametrize(
    ("session_id", "forwarded_at", "expected_id"),
    [
        (None, 12.5, "unknown:actions:12.5"),
        ("", 1.0, "unknown:actions:1.0"),
        ("s", 5, "s:actions:5"),
    ],
)
def test_vector_id_normalises_the_session_and_renders_forwarded_at_with_str(
    flavour: Flavour, session_id: str | None, forwarded_at: float, expected_id: str
) -> None:
    rec = flavour.recorder()
    pipeline = flavour.cls(rec.embed, rec.upsert)
    flavour.call(pipeline.on_actions, actions(session_id, forwarded_at=forwarded_at))

    vector_id, vector, metadata = rec.upserted[0]
    assert vector_id == expected_id
    assert vector is VECTOR
    assert metadata["session_id"] == expected_id.split(":")[0]
    assert metadata["forwarded_at"] is forwarded_at


def test_subclass_payloads_keep_their_kind_and_report_their_class_name(flavour: Flavour) -> None:
    class TaggedActions(ActionsPayload):
        pass

    class TaggedSummary(SummaryPayload):
        pass

    rec = flavour.recorder()
    pipeline = flavour.cls(rec.embed, rec.upsert)
    base = actions("s")
    tagged = TaggedActions(base.product_id, "s", None, None, base.actions, base.count, 2.0)
    flavour.call(pipeline.on_actions, tagged)
    flavour.call(pipeline.on_summary, TaggedSummary("p", "s", "x", 1, 3.0))

    assert [(u[0], u[2]["type"]) for u in rec.upserted] == [
        ("s:actions:2.0", "TaggedActions"),
        ("s:summary:3.0", "TaggedSummary"),
    ]


def test_embed_result_is_passed_to_upsert_unchanged(flavour: Flavour) -> None:
    marker = object()
    seen: list[Any] = []
    if flavour.name == "sync":
        pipeline: Any = RagPipeline(lambda text: marker, lambda i, v, m: seen.append(v))  # type: ignore[arg-type,return-value]
    else:

        async def embed(text: str) -> Any:
            return marker

        async def upsert(i: str, v: Any, m: dict[str, Any]) -> None:
            seen.append(v)

        pipeline = AsyncRagPipeline(embed, upsert)
    flavour.call(pipeline.on_actions, actions())
    assert seen == [marker]


def test_success_is_logged_at_debug_with_ids_only(flavour: Flavour, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    rec = flavour.recorder()
    flavour.call(flavour.cls(rec.embed, rec.upsert).on_actions, actions("s1", product_id="p9"))

    (record,) = records(caplog, logging.DEBUG)
    assert record.getMessage() == "autoplay_sdk: rag: upserted id=s1:actions:12.5"
    assert (record.vector_id, record.session_id, record.event_type, record.product_id) == (  # type: ignore[attr-defined]
        "s1:actions:12.5",
        "s1",
        "actions",
        "p9",
    )
    assert "Clicked Export" not in record.getMessage()


# --------------------------------------------------------------------------- failures


def test_embed_failure_is_logged_skips_upsert_and_the_next_payload_still_flows(
    flavour: Flavour, caplog: pytest.LogCaptureFixture
) -> None:
    rec = flavour.recorder(embed_error=RuntimeError("embedder down"))
    pipeline = flavour.cls(rec.embed, rec.upsert)

    assert flavour.call(pipeline.on_summary, summary("s", forwarded_at=1.0)) is None
    assert rec.upserted == []

    (record,) = records(caplog, logging.ERROR)
    assert record.getMessage() == "autoplay_sdk: rag: embed failed for id=s:summary:1.0: embedder down"
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    assert (record.vector_id, record.session_id, record.event_type, record.product_id) == (  # type: ignore[attr-defined]
        "s:summary:1.0",
        "s",
        "summary",
        "p1",
    )
    assert "Ada exported" not in record.getMessage()

    rec.embed_error = None
    flavour.call(pipeline.on_actions, actions("s2", forwarded_at=2.0))
    assert [u[0] for u in rec.upserted] == ["s2:actions:2.0"]


def test_upsert_failure_is_logged_and_swallowed(flavour: Flavour, caplog: pytest.LogCaptureFixture) -> None:
    rec = flavour.recorder(upsert_error=ConnectionError("vector db down"))
    pipeline = flavour.cls(rec.embed, rec.upsert)

    assert flavour.call(pipeline.on_actions, actions("s1")) is None

    (record,) = records(caplog, logging.ERROR)
    assert record.getMessage() == "autoplay_sdk: rag: upsert failed for id=s1:actions:12.5: vector db down"
    assert record.exc_info is not None and record.exc_info[0] is ConnectionError
    assert records(caplog, logging.DEBUG) == []


@pytest.mark.parametrize("error", [KeyboardInterrupt(), SystemExit(3)])
def test_base_exceptions_are_not_swallowed(flavour: Flavour, error: BaseException) -> None:
    rec = flavour.recorder(embed_error=error)
    with pytest.raises(type(error)):
        flavour.call(flavour.cls(rec.embed, rec.upsert).on_actions, actions())


async def test_async_cancellation_propagates() -> None:
    started = asyncio.Event()

    async def slow_embed(text: str) -> list[float]:
        started.set()
        await asyncio.Event().wait()
        return VECTOR

    async def upsert(*args: Any) -> None:
        raise AssertionError("upsert must not run")

    task = asyncio.ensure_future(AsyncRagPipeline(slow_embed, upsert).on_actions(actions()))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_async_pipeline_with_sync_embed_logs_embed_failed_and_drops(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder()
    pipeline = AsyncRagPipeline(rec.embed, rec.upsert)

    assert await pipeline.on_actions(actions("s1")) is None

    assert rec.embedded == [(actions("s1").to_text(),)]  # called, but its list cannot be awaited
    assert rec.upserted == []
    (record,) = records(caplog, logging.ERROR)
    assert record.getMessage().startswith("autoplay_sdk: rag: embed failed for id=s1:actions:12.5: ")
    assert record.exc_info is not None and record.exc_info[0] is TypeError


async def test_async_pipeline_with_sync_upsert_logs_upsert_failed(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder()

    async def embed(text: str) -> list[float]:
        return VECTOR

    await AsyncRagPipeline(embed, rec.upsert).on_summary(summary())

    (record,) = records(caplog, logging.ERROR)
    assert record.getMessage().startswith("autoplay_sdk: rag: upsert failed for id=s:summary:1.0: ")
    assert record.exc_info is not None and record.exc_info[0] is TypeError


# --------------------------------------------------------------------------- summarizer wiring


def llm_sync(prompt: str) -> str:
    return f"Summary of {prompt.count('click:')} clicks"


async def llm_async(prompt: str) -> str:
    return llm_sync(prompt)


def test_summaries_replace_actions_with_a_rolling_client_summary_vector(caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder()
    summarizer = SessionSummarizer(llm_sync, threshold=2)
    pipeline = RagPipeline(rec.embed, rec.upsert, summarizer)

    assert records(caplog, logging.WARNING) == []  # no previous on_summary: nothing to warn about
    pipeline.on_actions(actions("s1", forwarded_at=1.0))
    assert rec.embedded == rec.upserted == []  # fed to the summarizer, not embedded

    pipeline.on_actions(actions("s1", forwarded_at=2.0))  # threshold reached: one summary
    pipeline.on_actions(actions("s1", forwarded_at=3.0, descriptions=("a", "b", "c")))  # a second one

    assert rec.embedded == [("Summary of 2 clicks",), ("Summary of 3 clicks",)]
    assert rec.upserted == [
        ("s1:client-summary", VECTOR, {"session_id": "s1", "type": "ClientSummary"}),
        ("s1:client-summary", VECTOR, {"session_id": "s1", "type": "ClientSummary"}),
    ]
    assert list(rec.upserted[0][2]) == ["session_id", "type"]


async def test_async_summaries_replace_actions_with_a_rolling_client_summary_vector() -> None:
    rec = AsyncRecorder()
    summarizer = AsyncSessionSummarizer(llm_async, threshold=2)
    pipeline = AsyncRagPipeline(rec.embed, rec.upsert, summarizer)
    assert inspect.iscoroutinefunction(summarizer.on_summary)

    await pipeline.on_actions(actions("s1", forwarded_at=1.0))
    await pipeline.on_actions(actions("s1", forwarded_at=2.0))
    await summarizer.flush()

    assert rec.embedded == [("Summary of 2 clicks",)]
    assert rec.upserted == [("s1:client-summary", VECTOR, {"session_id": "s1", "type": "ClientSummary"})]
    for task in summarizer.workers.values():
        task.cancel()


def test_connector_summaries_are_still_embedded_when_a_summarizer_is_attached(flavour: Flavour) -> None:
    rec = flavour.recorder()

    class Summarizer:
        on_summary = None

        def add(self, payload: Any) -> None:
            raise AssertionError("on_summary must not feed the summarizer")

    flavour.call(flavour.cls(rec.embed, rec.upsert, Summarizer()).on_summary, summary("s", forwarded_at=4.0))
    assert [u[0] for u in rec.upserted] == ["s:summary:4.0"]


def test_replacing_an_existing_on_summary_warns_and_the_old_callback_is_dropped(
    flavour: Flavour, caplog: pytest.LogCaptureFixture
) -> None:
    old_calls: list[Any] = []
    summarizer = SessionSummarizer(llm_sync, threshold=1, on_summary=lambda *a: old_calls.append(a))
    rec = flavour.recorder()
    pipeline = flavour.cls(rec.embed, rec.upsert, summarizer)

    (record,) = records(caplog, logging.WARNING)
    owner = "RagPipeline" if flavour.name == "sync" else "AsyncRagPipeline"
    assert record.getMessage() == (
        f"autoplay_sdk: {owner}: replacing existing on_summary on the provided summarizer; "
        "the previous callback will no longer be called."
    )
    assert summarizer.on_summary == pipeline._on_client_summary
    if flavour.name == "sync":
        pipeline.on_actions(actions("s1"))
        assert old_calls == []
        assert [u[0] for u in rec.upserted] == ["s1:client-summary"]


def test_summarizer_add_errors_propagate(flavour: Flavour) -> None:
    class Broken:
        on_summary = None

        def add(self, payload: Any) -> Any:
            if flavour.name == "async":
                return _raise_later()
            raise ValueError("full")

    rec = flavour.recorder()
    with pytest.raises(ValueError, match="full"):
        flavour.call(flavour.cls(rec.embed, rec.upsert, Broken()).on_actions, actions())
    assert rec.embedded == []


async def _raise_later() -> None:
    raise ValueError("full")


def test_client_summary_failures_use_their_own_log_texts(flavour: Flavour, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    rec = flavour.recorder(embed_error=RuntimeError("no quota"))
    pipeline = flavour.cls(rec.embed, rec.upsert, SessionSummarizer(llm_sync))

    flavour.call(pipeline._on_client_summary, "s7", "User exported a CSV")
    rec.embed_error, rec.upsert_error = None, RuntimeError("db gone")
    flavour.call(pipeline._on_client_summary, "s7", "User exported a CSV")
    rec.upsert_error = None
    flavour.call(pipeline._on_client_summary, "s7", "User exported a CSV")

    messages = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == LOGGER]
    assert messages == [
        (logging.ERROR, "autoplay_sdk: rag: embed failed for client summary id=s7:client-summary: no quota"),
        (logging.ERROR, "autoplay_sdk: rag: upsert failed for client summary id=s7:client-summary: db gone"),
        (logging.DEBUG, "autoplay_sdk: rag: upserted client summary id=s7:client-summary"),
    ]
    for record in caplog.records:
        assert (record.vector_id, record.session_id) == ("s7:client-summary", "s7")  # type: ignore[attr-defined]
        assert not hasattr(record, "event_type")
        assert "exported a CSV" not in record.getMessage()


# --------------------------------------------------------------------------- from the live stream


async def test_async_pipeline_ingests_a_live_stream_from_the_local_connector() -> None:
    from autoplay_sdk.async_client import AsyncConnectorClient
    from autoplay_sdk.testing import LocalConnector

    payload = actions("s1", forwarded_at=1_700_000_000.5, product_id="demo-product")
    events = [payload.to_dict(), summary("s1", forwarded_at=1_700_000_001.0).to_dict() | {"product_id": "demo-product"}]
    rec = AsyncRecorder()
    all_upserted = asyncio.Event()

    async def upsert(*args: Any) -> None:
        await AsyncRecorder.upsert(rec, *args)
        if len(rec.upserted) == 2:
            all_upserted.set()

    pipeline = AsyncRagPipeline(rec.embed, upsert)
    with LocalConnector(events, heartbeat_s=30) as server:
        client = AsyncConnectorClient(server.stream_url, token=server.token, session_concurrency=1)
        client.on_actions(pipeline.on_actions).on_summary(pipeline.on_summary)
        reader = client.run_in_background()
        try:
            await asyncio.wait_for(all_upserted.wait(), 10)
        finally:
            client.stop()
            await reader

    assert rec.embedded == [(payload.to_text(),), ("Ada exported a report",)]
    assert rec.upserted == [
        (
            "s1:actions:1700000000.5",
            VECTOR,
            {"session_id": "s1", "type": "ActionsPayload", "forwarded_at": 1_700_000_000.5},
        ),
        (
            "s1:summary:1700000001.0",
            VECTOR,
            {"session_id": "s1", "type": "SummaryPayload", "forwarded_at": 1_700_000_001.0},
        ),
    ]
