"""Exploration gate, onboarding plan and tour matching."""

from __future__ import annotations

import logging

import pytest

from autoplay_sdk.user_adoption_state import (
    ExplorationGateConfig,
    JourneyState,
    OnboardingPlan,
    TourCatalogEntry,
    UserAdoptionState,
    WorkflowStatus,
    build_onboarding_summary_input,
    build_tour_match_input,
    evaluate_hard_gate,
    is_plan_complete,
    parse_tour_match_output,
    split_workflows,
    step_completion_ratio,
)
from autoplay_sdk.user_adoption_state.models import SessionSnapshot

_PLAN = [
    {"workflow_id": "create-task", "name": "Create a task", "why": "tasks are the core"},
    {"workflow_id": "invite", "name": "Invite", "prerequisite_workflow_ids": [" create-task "], "role": " Admin "},
    {
        "workflow_id": "reports",
        "prerequisite_workflow_ids": ["ghost"],
        "steps": [{"step_id": "open"}, {"step_id": "export", "required": False}, "junk", {"name": "no id"}],
        "activity_signals": {"any_of": [{"canonical_url_prefix": "/reports"}]},
    },
    {"name": "no id"},
    "junk",
]


def _gate(state: UserAdoptionState, **kw: float) -> tuple[bool, str]:
    args = {"now": 1000.0, "seconds_on_app": 120.0, "distinct_features_seen": 5} | kw
    return evaluate_hard_gate(state, cfg=ExplorationGateConfig(role_allowlist=frozenset({" ADMIN"})), **args)  # type: ignore[arg-type]


def test_gate_checks_in_order() -> None:
    state = UserAdoptionState(user_id="u", metadata={"role": " Admin "})
    assert _gate(state) == (True, "ok")
    assert _gate(state, seconds_on_app=10) == (False, "exploring_min_time_not_met")
    assert _gate(state, distinct_features_seen=1) == (False, "exploring_min_features_not_met")
    state.mark_welcomed(now=900.0)
    assert _gate(state) == (False, "within_cooldown")
    state.onboarding.proactive_support_count = 3
    assert _gate(state) == (False, "nudge_cap_reached")
    assert _gate(UserAdoptionState(user_id="v", metadata={"role": "Viewer"})) == (False, "role_not_allowed:Viewer")
    assert _gate(UserAdoptionState(user_id="v")) == (False, "role_not_allowed:unknown")
    state.set_journey_state(JourneyState.ONBOARDED)
    assert _gate(state) == (False, "already_onboarded")


def test_plan_parsing_roles_and_eligibility(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        plan = OnboardingPlan.from_config(_PLAN)
    assert plan.workflow_ids == ["create-task", "invite", "reports"]
    messages = [r.getMessage() for r in caplog.records]
    assert "onboarding_plan: steps[2] invalid — skipping" in messages
    assert "onboarding_plan: workflows[3] invalid — skipping" in messages
    reports = plan.workflows[2]
    assert reports.required_step_ids == ["open"] and reports.activity_signals is not None
    assert plan.workflows[1].role == "Admin" and plan.workflows[1].prerequisite_workflow_ids == ("create-task",)
    assert OnboardingPlan.from_config(plan_dicts := [w.to_dict() for w in plan.workflows]).workflows == plan.workflows
    assert plan_dicts[0] == {"workflow_id": "create-task", "name": "Create a task", "why": "tasks are the core"}
    assert plan.for_role("admin").workflow_ids == ["create-task", "invite", "reports"]
    assert plan.for_role(None).workflow_ids == ["create-task", "reports"]
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert [w.workflow_id for w in plan.next_eligible_workflows([])] == ["create-task"]
        assert [w.workflow_id for w in plan.next_eligible_workflows(["create-task "])] == ["invite"]
    assert any("unknown prerequisite 'ghost'" in r.getMessage() for r in caplog.records)
    assert OnboardingPlan.from_config({"not": "a list"}).workflows == []


def test_split_and_completion() -> None:
    plan = OnboardingPlan.from_config(_PLAN)
    state = UserAdoptionState(user_id="u")
    ob = state.onboarding
    ob.upsert_workflow_progress("create-task", status=WorkflowStatus.COMPLETED, confidence=1)
    wp = ob.upsert_workflow_progress("reports", status=WorkflowStatus.IN_PROGRESS, confidence=0.5)
    assert split_workflows(plan, ob.workflow_progress) == (["create-task"], ["reports"], ["invite", "reports"])
    assert not is_plan_complete(plan, ob.workflow_progress) and not is_plan_complete(OnboardingPlan(), {})
    wp.upsert_step_progress("open", status=WorkflowStatus.COMPLETED, confidence=1)
    wp.upsert_step_progress("stray", status=WorkflowStatus.COMPLETED, confidence=1)
    assert step_completion_ratio(plan.workflows[2], wp) == 0.5 and step_completion_ratio(plan.workflows[0], wp) == 0.0
    for wid in ("invite", "reports"):
        ob.upsert_workflow_progress(wid, status=WorkflowStatus.COMPLETED, confidence=1)
    assert is_plan_complete(plan, ob.workflow_progress)
    snap = SessionSnapshot.from_adoption_state(
        state, session_id="s", session_number=3, started_at=0, catalog_workflow_ids=plan.workflow_ids, now=150
    )
    summary = build_onboarding_summary_input(snap)
    assert (
        summary["duration_minutes"] == 2.5
        and summary["completed_workflow_ids_json"] == '["create-task", "reports", "invite"]'
    )
    assert len(summary) == 11


_CATALOG = [
    {"user_tour_id": "t1", "user_tour_name": "Boards", "description": "learn boards"},
    TourCatalogEntry("t2", "Billing", "", role="admin"),
    {"id": "t3", "name": "Reports"},
    {"name": "no id"},
    42,
]


def test_tour_match_input_and_parse(caplog: pytest.LogCaptureFixture) -> None:
    fields = build_tour_match_input(user_query="how do boards work", tour_catalog=_CATALOG)
    assert fields["tour_catalog_text"] == "t1 :: Boards :: learn boards\nt3 :: Reports"
    assert fields["allowed_tour_ids"] == ["t1", "t3"] and fields["role"] == "unknown"
    assert fields["conversation_history"] == "(none)" and fields["current_page"] == "unknown"
    assert build_tour_match_input(user_query="", tour_catalog=[])["tour_catalog_text"] == "(no tours available)"
    raw = '{"primary_tour_id": "t2", "related_tour_ids": ["t1", "t9", "t1", "t2"], "reasoning": "fits"}'
    admin = parse_tour_match_output(raw, tour_catalog=_CATALOG, role="ADMIN")
    assert (admin.primary_tour_id, admin.related_tour_ids, admin.reasoning) == ("t2", ["t1"], "fits")
    anyone = parse_tour_match_output(raw, tour_catalog=_CATALOG)
    assert anyone.primary_tour_id is None and anyone.related_tour_ids == ["t1", "t2"][:1]
    with caplog.at_level(logging.WARNING):
        assert parse_tour_match_output("```json", tour_catalog=_CATALOG).reasoning == "parse_error"
    assert caplog.records[0].event_type == "tour_match_parse_error"  # type: ignore[attr-defined]
    assert parse_tour_match_output("[1]", tour_catalog=_CATALOG).reasoning == "parse_error"
