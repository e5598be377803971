"""Storage: the manager's fan-out, the adapters' contracts, and the lifecycle helpers."""

from __future__ import annotations

import logging
from typing import Any

import pytest

import autoplay_sdk.storage as storage
from autoplay_sdk.observability import set_error_reporter
from autoplay_sdk.storage import (
    AutoplayStorageAdapter,
    InMemoryStorageAdapter,
    StorageManager,
    build_agent_context,
    init_user_state,
    on_session_end,
    on_session_start,
    session_key,
    user_state_key,
)
from autoplay_sdk.user_adoption_state import (
    JourneyState,
    MasteryLevel,
    SessionSnapshot,
    UserAdoptionState,
    WorkflowStatus,
)


class _Broken:
    """An adapter whose every call raises."""

    async def save_user_state(self, product_id: str, user_id: str, state: dict[str, Any]) -> None:
        raise RuntimeError("disk on fire")

    async def get_user_state(self, product_id: str, user_id: str) -> dict[str, Any] | None:
        raise RuntimeError("disk on fire")

    async def save_session_snapshot(self, product_id: str, user_id: str, session_id: str, s: dict[str, Any]) -> None:
        raise RuntimeError("disk on fire")

    async def get_session_snapshot(self, product_id: str, user_id: str, session_id: str) -> dict[str, Any] | None:
        raise RuntimeError("disk on fire")


def test_exports_and_keys() -> None:
    assert storage.__all__ == [
        "AutoplayStorageAdapter",
        "StorageManager",
        "RedisStorageAdapter",
        "InMemoryStorageAdapter",
        "user_state_key",
        "session_key",
        "init_user_state",
        "on_session_start",
        "on_session_end",
        "build_agent_context",
    ]
    assert user_state_key("p", "u") == "autoplay:user:p:u:state"
    assert session_key("p", "u", "s") == "autoplay:user:p:u:session:s"
    assert isinstance(_Broken(), AutoplayStorageAdapter)
    assert isinstance(StorageManager([InMemoryStorageAdapter()]), AutoplayStorageAdapter)


def test_manager_requires_an_adapter() -> None:
    with pytest.raises(ValueError, match="requires at least one storage adapter"):
        StorageManager([])


async def test_in_memory_copies_and_is_write_once() -> None:
    mem = InMemoryStorageAdapter()
    doc = {"a": [1]}
    await mem.save_user_state("p", "u", doc)
    doc["a"].append(2)
    got = await mem.get_user_state("p", "u")
    assert got == {"a": [1]}
    got["a"].append(3)  # type: ignore[index]
    assert await mem.get_user_state("p", "u") == {"a": [1]}
    await mem.save_session_snapshot("p", "u", "s", {"n": 1})
    await mem.save_session_snapshot("p", "u", "s", {"n": 2})
    assert await mem.get_session_snapshot("p", "u", "s") == {"n": 1}
    assert await mem.get_user_state("p", "other") is None


async def test_manager_fans_out_and_survives_a_failing_adapter(caplog: pytest.LogCaptureFixture) -> None:
    first, last = InMemoryStorageAdapter(), InMemoryStorageAdapter()
    reported: list[tuple[str, dict[str, Any]]] = []
    set_error_reporter(lambda event, exc=None, **ctx: reported.append((event, ctx)))
    try:
        manager = StorageManager([first, _Broken(), last])
        with caplog.at_level(logging.WARNING, logger="autoplay_sdk.storage.manager"):
            await manager.save_user_state("p", "u", {"secret_doc": "typed text"})
            await manager.save_session_snapshot("p", "u", "s1", {"x": 1})
    finally:
        set_error_reporter(None)
    assert await last.get_user_state("p", "u") == {"secret_doc": "typed text"}
    assert await last.get_session_snapshot("p", "u", "s1") == {"x": 1}
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "storage: save_user_state failed on _Broken product=p user=u: disk on fire",
        "storage: save_session_snapshot failed on _Broken product=p user=u session=s1: disk on fire",
    ]
    assert all(r.event_type == "storage_adapter_write_failed" for r in caplog.records)  # type: ignore[attr-defined]
    assert not any("typed text" in m for m in messages)
    assert [e for e, _ in reported] == ["Storage adapter write failed"] * 2
    assert reported[1][1]["session_id"] == "s1"


async def test_manager_reads_first_non_none(caplog: pytest.LogCaptureFixture) -> None:
    empty, full = InMemoryStorageAdapter(), InMemoryStorageAdapter()
    await full.save_user_state("p", "u", {"v": 2})
    manager = StorageManager([_Broken(), empty, full])
    with caplog.at_level(logging.WARNING):
        assert await manager.get_user_state("p", "u") == {"v": 2}
        assert await manager.get_session_snapshot("p", "u", "nope") is None
    assert [r.event_type for r in caplog.records] == ["storage_adapter_read_failed"] * 2  # type: ignore[attr-defined]


def _snapshot(state: UserAdoptionState, session_id: str, number: int, catalog: list[str]) -> SessionSnapshot:
    return SessionSnapshot.from_adoption_state(
        state, session_id=session_id, session_number=number, started_at=1000.0, catalog_workflow_ids=catalog, now=1600.0
    )


async def test_lifecycle_round_trip_of_two_sessions() -> None:
    store = InMemoryStorageAdapter()
    state, onboarding = await on_session_start("p", "ana", "s1", store)
    assert onboarding is None and state.current_session_id == "s1" and state.sessions_count == 0
    assert build_agent_context(state)["is_returning_user"] is False
    state.onboarding.upsert_workflow_progress("invite", status=WorkflowStatus.COMPLETED, confidence=1.0, now=1500.0)
    state.onboarding.upsert_workflow_progress("billing", status=WorkflowStatus.IN_PROGRESS, confidence=0.4)
    state.set_mastery(rating=5, level=MasteryLevel.INTERMEDIATE)
    state.record_discovered_features(["reports"])
    snap = _snapshot(state, "s1", 1, ["invite", "billing", "export"])
    assert snap.completion_rate == round(1 / 3, 4) and snap.untouched_workflow_ids == ["export"]
    assert snap.duration_s == 600.0

    async def summarize(s: SessionSnapshot) -> str:
        return f"finished {len(s.completed_workflow_ids)}"

    ended = await on_session_end("p", "ana", snap, store, summarizer=summarize)
    assert ended.sessions_count == 1 and ended.onboarding.summary == "finished 1"
    assert ended.mastery.level is MasteryLevel.INTERMEDIATE and ended.current_session_id == "s1"
    assert ended.discovered_features == ["reports"]

    again, first = await on_session_start("p", "ana", "s2", store)
    assert first is not None and first.session_id == "s1" and first.in_progress_workflow_ids == ["billing"]
    ctx = build_agent_context(again, first)
    assert ctx == {
        "user_journey_state": "onboarding",
        "user_mastery_level": "intermediate",
        "user_mastery_rating": 5,
        "session_count": 1,
        "is_returning_user": True,
        "onboarding_summary": "finished 1",
        "onboarding_session_in_progress_workflows": ["billing"],
        "onboarding_session_untouched_workflows": ["export"],
    }
    # a retried end of s1 cannot rewrite the recorded snapshot
    snap.completion_rate = 1.0
    await on_session_end("p", "ana", snap, store, summary="retry")
    assert (await store.get_session_snapshot("p", "ana", "s1"))["completion_rate"] == round(1 / 3, 4)  # type: ignore[index]


async def test_corrupt_state_is_reinitialised(caplog: pytest.LogCaptureFixture) -> None:
    store = InMemoryStorageAdapter()
    await store.save_user_state("p", "u", {"_v": 99, "user_id": "u"})
    with caplog.at_level(logging.WARNING):
        state, _ = await on_session_start("p", "u", "s", store)
    assert state.sessions_count == 0 and state.current_session_id == "s"
    assert any(getattr(r, "event_type", None) == "user_state_reinit" for r in caplog.records)
    assert (await store.get_user_state("p", "u"))["_v"] == 1  # type: ignore[index]


async def test_failing_summarizer_keeps_the_end(caplog: pytest.LogCaptureFixture) -> None:
    store = InMemoryStorageAdapter()
    state = init_user_state("u", metadata={"role": "admin"})
    assert state.role == "admin"
    state.onboarding.mark_onboarding_complete(now=5.0)
    state.set_journey_state(JourneyState.ONBOARDED, reason="plan done")

    async def boom(_: SessionSnapshot) -> str:
        raise RuntimeError("llm down")

    with caplog.at_level(logging.WARNING):
        ended = await on_session_end("p", "u", _snapshot(state, "s1", 1, []), store, summarizer=boom)
    assert ended.onboarding.summary is None and ended.journey_state is JourneyState.ONBOARDED
    assert ended.onboarding.is_onboarding_complete
    assert any(getattr(r, "event_type", None) == "onboarding_summary_failed" for r in caplog.records)
    with pytest.raises(ValueError, match="non-empty user_id"):
        init_user_state("")


def test_submodule_exports() -> None:
    import importlib

    expected = {
        "autoplay_sdk.storage.base": ["AutoplayStorageAdapter"],
        "autoplay_sdk.storage.keys": ["user_state_key", "session_key"],
        "autoplay_sdk.storage.manager": ["StorageManager"],
        "autoplay_sdk.storage.lifecycle": [
            "Summarizer",
            "init_user_state",
            "on_session_start",
            "on_session_end",
            "build_agent_context",
        ],
        "autoplay_sdk.storage.adapters": ["InMemoryStorageAdapter", "RedisStorageAdapter"],
        "autoplay_sdk.storage.adapters.memory": ["InMemoryStorageAdapter"],
        "autoplay_sdk.storage.adapters.redis": ["RedisStorageAdapter"],
        "autoplay_sdk.storage.adapters.amplitude": ["AmplitudeStorageAdapter"],
        "autoplay_sdk.storage.adapters.posthog": ["PostHogStorageAdapter"],
        "autoplay_sdk.storage.adapters._common": ["workflow_ids_by_status", "best_effort_post"],
    }
    for module, names in expected.items():
        assert importlib.import_module(module).__all__ == names, module
