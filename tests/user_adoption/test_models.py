"""User adoption state models: round trips, lenient parsing, write-once stamps, the strict version check."""

from __future__ import annotations

import logging
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autoplay_sdk.user_adoption_state as uas
from autoplay_sdk.user_adoption_state import (
    JourneyState,
    Mastery,
    MasteryLevel,
    OnboardingState,
    SessionIndexEntry,
    SessionSnapshot,
    StepInAssessment,
    UserAdoptionState,
    WorkflowProgress,
    WorkflowStatus,
)

_IDS = st.text(alphabet="abcdefgh-", min_size=1, max_size=6)
_TIMES = st.floats(min_value=0, max_value=2e9, allow_nan=False)


@st.composite
def _states(draw: st.DrawFn) -> UserAdoptionState:
    state = UserAdoptionState(user_id=draw(_IDS), metadata=draw(st.dictionaries(_IDS, _IDS, max_size=2)))
    for wid in draw(st.lists(_IDS, max_size=4)):
        wp = state.onboarding.upsert_workflow_progress(
            wid,
            status=draw(st.sampled_from(list(WorkflowStatus))),
            confidence=draw(st.floats(-1, 2)),
            evidence=draw(st.text(max_size=5)),
            source=draw(st.sampled_from([None, "activity", "judge"])),
            now=draw(_TIMES),
        )
        for sid in draw(st.lists(_IDS, max_size=2)):
            wp.upsert_step_progress(sid, status=draw(st.sampled_from(list(WorkflowStatus))), confidence=0.5)
    state.set_mastery(rating=draw(st.integers(-5, 15)), level=draw(st.sampled_from(list(MasteryLevel))))
    state.record_discovered_features(draw(st.lists(st.text(max_size=5), max_size=4)))
    if draw(st.booleans()):
        state.onboarding.record_step_in(
            StepInAssessment(decided_at=5.0, should_step_in=True, suggested_workflow_ids=["a"])
        )
    for n in range(draw(st.integers(0, 3))):
        state.record_session(SessionIndexEntry(f"s{n}", n + 1, 1.0, 2.0))
    state.set_current_session(draw(st.sampled_from(["", " s9 ", "x"])))
    return state


def test_all_has_the_38_names_in_order() -> None:
    assert len(uas.__all__) == 38 and uas.__all__[:3] == ["JourneyState", "MasteryLevel", "WorkflowStatus"]
    assert uas.__all__[-1] == "build_onboarding_summary_input"
    assert all(hasattr(uas, name) for name in uas.__all__)


@settings(max_examples=60)
@given(_states())
def test_user_state_round_trips(state: UserAdoptionState) -> None:
    d = state.to_dict()
    assert list(d) == [
        "_v", "user_id", "metadata", "journey_state", "mastery", "discovered_features", "onboarding",
        "first_seen_at", "last_updated_at", "last_judged_at", "sessions",
    ]  # fmt: skip
    again = UserAdoptionState.from_dict(d)
    assert again == state and again.to_dict() == d
    assert 0 <= again.mastery.rating <= 10
    assert all(0.0 <= p.confidence <= 1.0 for p in again.onboarding.workflow_progress.values())


@settings(max_examples=40)
@given(_states(), st.lists(_IDS, max_size=5))
def test_snapshot_round_trips_and_rate_stays_in_range(state: UserAdoptionState, catalog: list[str]) -> None:
    snap = SessionSnapshot.from_adoption_state(
        state, session_id="s", session_number=2, started_at=math.nan, catalog_workflow_ids=catalog, now=50.0
    )
    assert 0.0 <= snap.completion_rate <= 1.0 and snap.started_at == 50.0 and snap.duration_s == 0.0
    assert list(snap.to_dict())[:2] == ["_v", "_frozen"]
    assert SessionSnapshot.from_dict(snap.to_dict()) == snap
    assert set(snap.untouched_workflow_ids).isdisjoint(state.onboarding.workflow_progress)


def test_completion_rate_counts_only_catalog_workflows() -> None:
    state = UserAdoptionState(user_id="u")
    for wid in ("a", "legacy1", "legacy2"):
        state.onboarding.upsert_workflow_progress(wid, status=WorkflowStatus.COMPLETED, confidence=1)
    snap = SessionSnapshot.from_adoption_state(
        state, session_id="s", session_number=1, started_at=0, catalog_workflow_ids=["a", "b"], now=1
    )
    assert snap.completion_rate == 0.5  # not 1.5


def test_unknown_version_raises_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.WARNING),
        pytest.raises(ValueError, match="Unknown UserAdoptionState snapshot version: 2"),
    ):
        UserAdoptionState.from_dict({"_v": 2, "user_id": "u"})
    assert caplog.records[0].event_type == "adoption_snapshot_invalid"  # type: ignore[attr-defined]


def test_lenient_parsing() -> None:
    state = UserAdoptionState.from_dict(
        {
            "_v": 1,
            "user_id": "u",
            "metadata": [1],
            "journey_state": "??",
            "mastery": {"rating": "99", "level": "guru"},
            "discovered_features": "x",
            "onboarding": {"distinct_features_seen": -4, "completion_rate": "nan", "last_step_in": {}},
            "first_seen_at": "inf",
            "sessions": {"count": "3", "index": [{"session_id": "a"}] * 60 + ["junk"]},
        }
    )
    assert state.metadata == {} and state.journey_state is JourneyState.ONBOARDING
    assert state.mastery == Mastery(10, MasteryLevel.NOVICE, "")
    assert state.discovered_features == [] and state.onboarding.distinct_features_seen == 0
    assert state.onboarding.completion_rate == 0.0 and state.onboarding.last_step_in is None
    assert math.isfinite(state.first_seen_at) and state.sessions_count == 3 and len(state.sessions_index) == 50
    assert WorkflowProgress.from_dict({"workflow_id": "w", "source": "  "}).source == "unknown"


def test_write_once_stamps_and_source_kept() -> None:
    ob = OnboardingState()
    wp = ob.upsert_workflow_progress("w", status=WorkflowStatus.COMPLETED, confidence=1, source="tour", now=10)
    ob.upsert_workflow_progress("w", status=WorkflowStatus.IN_PROGRESS, confidence=0.2, now=20)
    assert wp.completed_at == 10 and wp.source == "tour" and wp.first_detected_at == 10 and wp.last_evaluated_at == 20
    assert ob.in_progress_workflow_ids == ["w"] and ob.outstanding_workflow_ids(["w", "x"]) == ["w", "x"]
    assert ob.mark_onboarding_complete(now=3) and not ob.mark_onboarding_complete(now=4)
    assert ob.onboarding_completed_at == 3


def test_user_mutations_and_prompt_block(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ValueError, match="non-empty user_id"):
        UserAdoptionState(user_id="")
    state = UserAdoptionState(user_id="u", metadata={"role": "admin"})
    before = state.last_updated_at
    with caplog.at_level(logging.INFO):
        state.set_journey_state(JourneyState.ONBOARDING)
        assert state.last_updated_at == before and not caplog.records
        state.set_journey_state(JourneyState.ONBOARDED, reason="done")
        state.set_mastery(rating=12, level=MasteryLevel.POWER_USER)
    assert [r.event_type for r in caplog.records] == ["adoption_journey_transition", "adoption_mastery_set"]  # type: ignore[attr-defined]
    state.mark_welcomed(now=7.0)
    assert state.onboarding.proactive_support_count == 1 and state.onboarding.last_welcome_at == 7.0
    state.record_discovered_features([" reports ", "", "reports", "board"])
    assert state.discovered_features == ["reports", "board"]
    lines = state.to_prompt_block().split("\n")
    assert lines[:4] == ["[USER ADOPTION STATE]", "role: admin", "journey: onboarded", "mastery: power_user (10/10)"]
    assert lines[4].startswith("guidance: ") and len(lines) == 5
    for n in range(55):
        state.record_session(SessionIndexEntry(f"s{n}", n + 1, 0, 0))
    assert state.sessions_count == 55 and len(state.sessions_index) == 50 and state.sessions_index[0].session_id == "s5"
