"""The error reporter: what it receives at each SDK failure site, and that it never disturbs the SDK."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import autoplay_sdk.observability as observability
from autoplay_sdk import ConnectorClient
from autoplay_sdk.core.models import ActionsPayload, SlimAction, SummaryPayload
from autoplay_sdk.observability import report_error, set_error_reporter
from autoplay_sdk.rag import AsyncRagPipeline, RagPipeline


class Reports:
    """A reporter that records ``(event, exc, context)`` and lets a test wait for a count."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, BaseException | None, dict[str, Any]]] = []
        self.threads: list[str] = []
        self._cond = threading.Condition()

    def __call__(self, event: str, *, exc: BaseException | None = None, **context: Any) -> None:
        with self._cond:
            self.calls.append((event, exc, context))
            self.threads.append(threading.current_thread().name)
            self._cond.notify_all()

    def wait_for(self, n: int, timeout: float = 10.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: len(self.calls) >= n, timeout)


@pytest.fixture
def reports() -> Iterator[Reports]:
    rec = Reports()
    set_error_reporter(rec)
    try:
        yield rec
    finally:
        set_error_reporter(None)


def _actions(session_id: str | None = "s1", forwarded_at: float = 12.5) -> ActionsPayload:
    slim = [SlimAction(title="t", description="Clicked Export", canonical_url="/r", index=0, type="click")]
    return ActionsPayload("p1", session_id, "u1", "ada@example.com", slim, 1, forwarded_at)


def test_module_public_names() -> None:
    assert observability.__all__ == ["ErrorReporter", "report_error", "set_error_reporter"]
    import autoplay_sdk

    assert "set_error_reporter" not in autoplay_sdk.__all__


def test_report_error_logs_one_warning_then_forwards(reports: Reports, caplog: pytest.LogCaptureFixture) -> None:
    boom = RuntimeError("boom")
    with caplog.at_level(logging.DEBUG, logger="autoplay_sdk"):
        report_error("Something failed", boom, product_id="p1", session_id="s1")
    records = [r for r in caplog.records if r.name == "autoplay_sdk.observability"]
    assert [(r.levelno, r.getMessage()) for r in records] == [
        (logging.WARNING, "sdk_error: Something failed ({'product_id': 'p1', 'session_id': 's1'})")
    ]
    assert records[0].exc_info is not None and records[0].exc_info[1] is boom
    assert reports.calls == [("Something failed", boom, {"product_id": "p1", "session_id": "s1"})]


def test_report_error_without_exception_has_no_traceback(reports: Reports, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.observability"):
        report_error("Plain event")
    assert caplog.records[0].exc_info is None
    assert reports.calls == [("Plain event", None, {})]


def test_exc_is_passed_by_keyword() -> None:
    seen: list[Any] = []

    def strict(event: str, *, exc: BaseException | None, **context: Any) -> None:
        seen.append((event, exc, context))

    set_error_reporter(strict)
    try:
        report_error("e", None, a=1)
    finally:
        set_error_reporter(None)
    assert seen == [("e", None, {"a": 1})]


def test_raising_reporter_is_logged_once_and_ignored(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []

    def bad(event: str, **_: Any) -> None:
        calls.append(event)
        raise ValueError("reporter broke")

    set_error_reporter(bad)
    try:
        with caplog.at_level(logging.DEBUG, logger="autoplay_sdk.observability"):
            report_error("first")
            report_error("second")
    finally:
        set_error_reporter(None)
    assert calls == ["first", "second"]
    debug = [r for r in caplog.records if r.levelno == logging.DEBUG]
    assert [r.getMessage() for r in debug] == ["sdk_error: reporter raised"]
    assert debug[0].exc_info is not None


def test_reporter_base_exception_propagates() -> None:
    def interrupting(event: str, **_: Any) -> None:
        raise KeyboardInterrupt

    set_error_reporter(interrupting)
    try:
        with pytest.raises(KeyboardInterrupt):
            report_error("e")
    finally:
        set_error_reporter(None)


def test_set_none_clears(reports: Reports) -> None:
    set_error_reporter(None)
    report_error("nobody listens")
    assert reports.calls == []


# -- SDK sites -------------------------------------------------------------------------------


def _failing(error: Exception) -> Any:
    def fn(*_: Any) -> Any:
        raise error

    return fn


def test_rag_embed_failure_reported_sync(reports: Reports, caplog: pytest.LogCaptureFixture) -> None:
    error = RuntimeError("embedder down")
    pipeline = RagPipeline(_failing(error), lambda *a: None)
    with caplog.at_level(logging.DEBUG, logger="autoplay_sdk"):
        pipeline.on_actions(_actions())
    assert reports.calls == [
        (
            "RAG embed failed — actions not indexed",
            error,
            {"product_id": "p1", "session_id": "s1", "vector_id": "s1:actions:12.5"},
        )
    ]
    # the site's own ERROR record stays the only log record: no sdk_error WARNING
    assert [r.name for r in caplog.records if r.levelno >= logging.WARNING] == ["autoplay_sdk.rag.ingest.ingest"]


def test_rag_upsert_failure_reported_for_summary_with_unknown_session(reports: Reports) -> None:
    error = RuntimeError("index down")
    pipeline = RagPipeline(lambda text: [0.1], _failing(error))
    pipeline.on_summary(SummaryPayload("p1", None, "Ada exported", 3, 2.0))
    assert reports.calls == [
        (
            "RAG upsert failed — actions not indexed",
            error,
            {"product_id": "p1", "session_id": "unknown", "vector_id": "unknown:summary:2.0"},
        )
    ]


def test_rag_failures_reported_async(reports: Reports) -> None:
    embed_error, upsert_error = RuntimeError("e"), RuntimeError("u")

    async def bad_embed(text: str) -> list[float]:
        raise embed_error

    async def good_embed(text: str) -> list[float]:
        return [0.5]

    async def bad_upsert(*_: Any) -> None:
        raise upsert_error

    async def main() -> None:
        await AsyncRagPipeline(bad_embed, bad_upsert).on_actions(_actions(forwarded_at=1.0))
        await AsyncRagPipeline(good_embed, bad_upsert).on_actions(_actions(forwarded_at=2.0))

    asyncio.run(main())
    assert [(e, x) for e, x, _ in reports.calls] == [
        ("RAG embed failed — actions not indexed", embed_error),
        ("RAG upsert failed — actions not indexed", upsert_error),
    ]
    assert reports.calls[1][2]["vector_id"] == "s1:actions:2.0"


def test_rolling_client_summary_failure_not_reported(reports: Reports) -> None:
    pipeline = RagPipeline(_failing(RuntimeError("x")), lambda *a: None)
    pipeline._on_client_summary("s1", "a summary")
    assert reports.calls == []


def test_no_reporter_logs_unchanged(caplog: pytest.LogCaptureFixture) -> None:
    set_error_reporter(None)
    pipeline = RagPipeline(_failing(RuntimeError("embedder down")), lambda *a: None)
    with caplog.at_level(logging.DEBUG, logger="autoplay_sdk"):
        pipeline.on_actions(_actions())
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            "autoplay_sdk.rag.ingest.ingest",
            logging.ERROR,
            "autoplay_sdk: rag: embed failed for id=s1:actions:12.5: embedder down",
        )
    ]


def test_stream_callback_failure_reported_from_worker(
    reports: Reports, local_connector: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Against the real local connector: a raising callback is reported once per event, on the worker."""
    error = ValueError("callback bug")
    for n in range(2):
        local_connector.publish(
            {
                "type": "actions",
                "product_id": "p9",
                "session_id": f"s{n}",
                "user_id": "u",
                "email": None,
                "actions": [],
                "count": 0,
                "forwarded_at": float(n),
            }
        )
    client = ConnectorClient(local_connector.stream_url, token=local_connector.token)

    def cb(payload: ActionsPayload) -> None:
        raise error

    client.on_actions(cb)
    runner = threading.Thread(target=client.run, daemon=True)
    with caplog.at_level(logging.ERROR, logger="autoplay_sdk"):
        runner.start()
        assert reports.wait_for(2)
        client.stop()
        runner.join(10)
    assert not runner.is_alive()
    assert [(e, x, c) for e, x, c in reports.calls] == [
        ("Stream callback failed", error, {"event_type": "actions", "session_id": "s0", "product_id": "p9"}),
        ("Stream callback failed", error, {"event_type": "actions", "session_id": "s1", "product_id": "p9"}),
    ]
    assert set(reports.threads) == {"autoplay-sdk-worker"}
    # the client's own ERROR record per failure, and no extra sdk_error record
    assert not [r for r in caplog.records if r.name == "autoplay_sdk.observability"]
    assert len([r for r in caplog.records if "callback raised an error" in r.getMessage()]) == 2


def test_async_client_callback_failure_reported(reports: Reports, local_connector: Any) -> None:
    from autoplay_sdk import AsyncConnectorClient

    error = RuntimeError("async callback bug")
    local_connector.publish(
        {
            "type": "actions",
            "product_id": "p9",
            "session_id": "a1",
            "user_id": "u",
            "email": None,
            "actions": [],
            "count": 0,
            "forwarded_at": 1.0,
        }
    )

    async def cb(payload: ActionsPayload) -> None:
        raise error

    async def main() -> None:
        client = AsyncConnectorClient(local_connector.stream_url, local_connector.token).on_actions(cb)
        task = client.run_in_background()
        assert await asyncio.to_thread(reports.wait_for, 1)
        client.stop()
        await task

    asyncio.run(asyncio.wait_for(main(), 20))
    assert reports.calls == [
        ("Stream callback failed", error, {"event_type": "actions", "session_id": "a1", "product_id": "p9"})
    ]
