"""The activity-signal detector: rule semantics, the sample sessions, and batch-boundary independence."""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autoplay_sdk import ActionsPayload, SlimAction
from autoplay_sdk.storage import InMemoryStorageAdapter
from autoplay_sdk.storage.live import AdoptionTracker
from autoplay_sdk.testing import sample_events
from autoplay_sdk.user_adoption_state import (
    ActivitySignalRule,
    ActivitySignals,
    JourneyState,
    OnboardingPlan,
    WorkflowStatus,
    detect_completed_steps_from_activity,
    detect_completed_workflows_from_activity,
)

_ORIGIN = "https://app.tasklane.example"
TASKLANE_PLAN = OnboardingPlan.from_config(
    [
        {
            "workflow_id": "create-task",
            "name": "Create a task",
            "activity_signals": {"any_of": [{"event_type": "submit", "title_contains": "create task"}]},
        },
        {
            "workflow_id": "invite-teammate",
            "name": "Invite a teammate",
            "steps": [
                {"step_id": "open-team", "activity_signals": {"any_of": [{"canonical_url_glob": "*/settings/team"}]}},
                {"step_id": "send", "activity_signals": {"any_of": [{"title_contains": "send invite"}]}},
            ],
            "activity_signals": {
                "any_of": [{"event_type": "submit", "canonical_url_prefix": f"{_ORIGIN}/settings/team"}]
            },
        },
        {
            "workflow_id": "comment",
            "name": "Discuss a task",
            "activity_signals": {"any_of": [{"type": "SUBMIT", "title_contains": "comment", "min_count": 2}]},
        },
    ]
)


def test_rule_validation_and_forms(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ValueError, match="at least one matchable field"):
        ActivitySignalRule()
    with pytest.raises(ValueError, match="min_count must be >= 1, got 0"):
        ActivitySignalRule(type="click", min_count=0)
    with pytest.raises(ValueError):
        ActivitySignals()
    rule = ActivitySignalRule.from_dict({"event_type": " click ", "canonical_url_glob": "", "min_count": "x"})
    assert rule == ActivitySignalRule(event_type="click") and rule.summary() == "event=click"
    full = ActivitySignalRule("a", "/x*", "/x", "T", "b", 3)
    assert full.summary() == "event=a,url~/x*,url^/x,title~T,type=b,x3"
    assert ActivitySignalRule.from_dict(full.to_dict()) == full
    with caplog.at_level(logging.WARNING):
        signals = ActivitySignals.from_dict({"any_of": ["no", {}, {"type": "click"}], "completion_threshold": 4})
    assert signals == ActivitySignals((ActivitySignalRule(type="click"),), 4)
    assert next(r.getMessage() for r in caplog.records) == "activity_signals: any_of[0] is not a dict — skipping"
    assert ActivitySignals.from_dict({"any_of": [{}]}) is None and ActivitySignals.from_dict([]) is None


def test_matching_reads_attributes_then_keys() -> None:
    by_type = ActivitySignalRule(event_type="click")
    assert by_type.matches_action({"type": "click"})  # event_type falls back to type
    assert not by_type.matches_action({"type": "Click"})  # case-sensitive
    assert ActivitySignalRule(type="CLICK").matches_action({"type": "click"})
    assert not ActivitySignalRule(title_contains="x").matches_action({"title": 5})
    assert not ActivitySignalRule(title_contains="secret").matches_action({"description": "secret", "title": ""})
    slim = SlimAction(title="Create task", description="", type="submit", canonical_url=f"{_ORIGIN}/a")
    assert ActivitySignalRule(canonical_url_glob="*/a", title_contains="CREATE").matches_action(slim)


def test_first_rule_wins_and_already_completed_is_skipped() -> None:
    signals = ActivitySignals((ActivitySignalRule(type="a", min_count=2), ActivitySignalRule(type="b")))
    workflow = OnboardingPlan.from_config([{"workflow_id": "w", "activity_signals": signals.to_dict()}]).workflows[0]
    actions = [{"type": "b"}, {"type": "a"}, {"type": "a"}, {"type": "a"}]
    match = detect_completed_workflows_from_activity([workflow], actions)["w"]
    assert match.matched_rule.type == "a" and match.match_count == 2
    assert match.evidence_string == "activity_signal[type=a,x2] matched x2"
    assert detect_completed_workflows_from_activity([workflow], actions, already_completed=[" w"]) == {}
    assert detect_completed_workflows_from_activity([workflow], []) == {}
    assert detect_completed_workflows_from_activity([object(), workflow], [{"type": "c"}]) == {}


def _session_actions(sessions: int = 6) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for event in sample_events(sessions=sessions, seed=7, start=1000.0):
        if event["type"] == "actions":
            out.setdefault(event["session_id"], []).extend(event["actions"])
    return out


def test_sample_sessions() -> None:
    found = {
        sid: sorted(detect_completed_workflows_from_activity(TASKLANE_PLAN.workflows, acts))
        for sid, acts in _session_actions().items()
    }
    # every workflow is completed by some sample user, and none by all of them
    assert {wid for wids in found.values() for wid in wids} == {"create-task", "invite-teammate", "comment"}
    assert not all(wids == ["comment", "create-task", "invite-teammate"] for wids in found.values())
    inviter = next(sid for sid, wids in found.items() if "invite-teammate" in wids)
    steps = detect_completed_steps_from_activity(TASKLANE_PLAN.workflows[1], _session_actions()[inviter])
    assert sorted(steps) == ["open-team", "send"]


def _payload(session_id: str, actions: list[dict[str, Any]]) -> ActionsPayload:
    return ActionsPayload.from_dict(
        {
            "product_id": "p",
            "session_id": session_id,
            "user_id": f"u-{session_id}",
            "actions": actions,
            "count": len(actions),
            "forwarded_at": 1.0,
        }
    )


async def _track(batches: dict[str, list[list[dict[str, Any]]]]) -> dict[str, list[str]]:
    tracker = AdoptionTracker(InMemoryStorageAdapter(), plan=TASKLANE_PLAN)
    for sid, parts in batches.items():
        for part in parts:
            await tracker.on_actions(_payload(sid, part))
    out = {}
    for sid in batches:
        state = await tracker.get_state("p", f"u-{sid}")
        out[sid] = sorted(state.onboarding.completed_workflow_ids) if state else []
    return out


def _split(actions: list[dict[str, Any]], cuts: list[int]) -> list[list[dict[str, Any]]]:
    points = sorted({c % (len(actions) + 1) for c in cuts} | {0, len(actions)})
    return [actions[a:b] for a, b in itertools.pairwise(points) if b > a]


@settings(max_examples=30, deadline=None)
@given(cuts=st.lists(st.integers(0, 500), max_size=12))
def test_sample_sessions_complete_the_same_whatever_the_batches(cuts: list[int]) -> None:
    sessions = _session_actions()
    whole = {
        sid: sorted(detect_completed_workflows_from_activity(TASKLANE_PLAN.workflows, a)) for sid, a in sessions.items()
    }
    assert asyncio.run(_track({sid: _split(a, cuts) for sid, a in sessions.items()})) == whole


_ACTION = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["submit", "click", "pageview"]),
        "title": st.sampled_from(["Create task", "Post comment", "Send invite", "Board"]),
        "canonical_url": st.sampled_from([f"{_ORIGIN}/settings/team", f"{_ORIGIN}/projects/:id/board"]),
    }
)


@settings(max_examples=60, deadline=None)
@given(actions=st.lists(_ACTION, min_size=1, max_size=30), cuts=st.lists(st.integers(0, 60), max_size=8))
def test_generated_streams_complete_the_same_whatever_the_batches(
    actions: list[dict[str, Any]], cuts: list[int]
) -> None:
    whole = sorted(detect_completed_workflows_from_activity(TASKLANE_PLAN.workflows, actions))
    assert asyncio.run(_track({"s": _split(actions, cuts)}))["s"] == whole


async def test_tracker_marks_onboarded_and_records_steps() -> None:
    tracker = AdoptionTracker(InMemoryStorageAdapter(), plan=TASKLANE_PLAN)
    team, board = f"{_ORIGIN}/settings/team", f"{_ORIGIN}/projects/:id/board"
    first = await tracker.on_actions(
        _payload("s", [{"type": "submit", "title": "Post comment", "canonical_url": board}])
    )
    assert first == {}
    state = await tracker.get_state("p", "u-s")
    assert state is not None
    assert state.onboarding.workflow_progress["comment"].status is WorkflowStatus.IN_PROGRESS
    assert state.onboarding.workflow_progress["comment"].confidence == 0.5
    done = await tracker.on_actions(
        _payload(
            "s",
            [
                {"type": "submit", "title": "Post comment", "canonical_url": team},
                {"type": "submit", "title": "Create task", "canonical_url": team},
                {"type": "submit", "title": "Send invite", "canonical_url": team},
            ],
        )
    )
    assert sorted(done) == ["comment", "create-task", "invite-teammate"]
    state = await tracker.get_state("p", "u-s")
    assert state is not None and state.journey_state is JourneyState.ONBOARDED
    assert state.onboarding.is_onboarding_complete and state.onboarding.completion_rate == 1.0
    assert state.onboarding.workflow_progress["invite-teammate"].completed_step_ids == ["open-team", "send"]
    assert state.discovered_features == ["/projects/:id/board", "/settings/team"]
    ended = await tracker.end_session("p", "u-s", "s")
    assert ended.sessions_count == 1 and ended.journey_state is JourneyState.ONBOARDED
