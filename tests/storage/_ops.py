"""The operations the storage differential and replica tests apply, shared so both sides run the same code."""

from __future__ import annotations

from typing import Any

from autoplay_sdk import ActionsPayload
from autoplay_sdk.storage import on_session_end, on_session_start
from autoplay_sdk.storage.live import AdoptionTracker
from autoplay_sdk.user_adoption_state import OnboardingPlan, SessionSnapshot, WorkflowStatus

PLAN = OnboardingPlan.from_config(
    [
        {"workflow_id": "create-task", "activity_signals": {"any_of": [{"title_contains": "create task"}]}},
        {"workflow_id": "invite", "activity_signals": {"any_of": [{"canonical_url_glob": "*/settings/team"}]}},
        {"workflow_id": "discuss", "activity_signals": {"any_of": [{"title_contains": "comment", "min_count": 2}]}},
    ]
)
_TRACKERS: dict[int, AdoptionTracker] = {}


def _tracker(adapter: Any) -> AdoptionTracker:
    """One tracker per adapter (a process's tracker keeps its open sessions' match counts)."""
    if id(adapter) not in _TRACKERS:
        _TRACKERS[id(adapter)] = AdoptionTracker(adapter, plan=PLAN)
    return _TRACKERS[id(adapter)]


async def apply_op(adapter: Any, product: str, op: list[Any] | tuple[Any, ...]) -> Any:
    """Apply one op; returns a JSON-able result to compare."""
    kind = op[0]
    if kind == "save_state":
        return await adapter.save_user_state(product, op[1], op[2])
    if kind == "save_snap":
        return await adapter.save_session_snapshot(product, op[1], op[2], op[3])
    if kind == "get_state":
        return await adapter.get_user_state(product, op[1])
    if kind == "get_snap":
        return await adapter.get_session_snapshot(product, op[1], op[2])
    if kind == "adopt":  # feed one actions batch (a wire dict) through an AdoptionTracker over the plan
        return sorted(await _tracker(adapter).on_actions(ActionsPayload.from_dict(op[1])))
    if kind == "adoption_state":
        state = await _tracker(adapter).get_state(product, op[1])
        return state.to_dict() if state else None
    if kind == "start":
        state, first = await on_session_start(product, op[1], op[2], adapter)
        return [state.to_dict(), first.to_dict() if first else None]
    # "end": the user completed the workflows op[3] during session op[2]
    state, _ = await on_session_start(product, op[1], op[2], adapter)
    for wid in op[3]:
        state.onboarding.upsert_workflow_progress(wid, status=WorkflowStatus.COMPLETED, confidence=1.0)
    snap = SessionSnapshot.from_adoption_state(
        state,
        session_id=op[2],
        session_number=state.sessions_count + 1,
        started_at=900.0,
        catalog_workflow_ids=["a", "b"],
    )
    return (await on_session_end(product, op[1], snap, adapter, summary=f"did {len(op[3])}")).to_dict()
