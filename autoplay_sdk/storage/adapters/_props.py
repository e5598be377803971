"""The analytics properties the sinks send: one set for user state, one for a session snapshot."""

from __future__ import annotations

from typing import Any

from autoplay_sdk.storage.adapters._common import workflow_ids_by_status


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def user_properties(product_id: str, state: dict[str, Any], prefix: str) -> dict[str, Any]:
    completed, in_progress = workflow_ids_by_status(state)
    values = {
        "product_id": product_id,
        "journey_state": _get(state, "journey_state"),
        "mastery_level": _get(state, "mastery", "level"),
        "mastery_rating": _get(state, "mastery", "rating"),
        "is_onboarded": _get(state, "onboarding", "onboarding_completed_at") is not None,
        "onboarding_summary": _get(state, "onboarding", "summary"),
        "completion_rate": _get(state, "onboarding", "completion_rate"),
        "session_count": _get(state, "sessions", "count"),
        "completed_workflows": completed,
        "in_progress_workflows": in_progress,
    }
    return {(f"{prefix}_{name}" if prefix else name): value for name, value in values.items()}


def session_properties(product_id: str, session_id: str, snapshot: dict[str, Any]) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "session_id": session_id,
        "session_number": _get(snapshot, "session_number"),
        "duration_s": _get(snapshot, "duration_s"),
        "completion_rate": _get(snapshot, "completion_rate"),
        "completed_workflow_ids": _get(snapshot, "completed_workflow_ids") or [],
        "in_progress_workflow_ids": _get(snapshot, "in_progress_workflow_ids") or [],
        "mastery_level": _get(snapshot, "mastery", "level"),
        "reached_onboarding_complete": bool(_get(snapshot, "reached_onboarding_complete")),
    }
