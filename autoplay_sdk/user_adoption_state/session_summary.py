"""The input of the onboarding-summary prompt, built from a session snapshot."""

from __future__ import annotations

import json
from typing import Any

from autoplay_sdk.user_adoption_state.models import SessionSnapshot

__all__ = ["build_onboarding_summary_input"]


def build_onboarding_summary_input(snapshot: SessionSnapshot) -> dict[str, Any]:
    """The eleven fields of ``ONBOARDING_SUMMARY_PROMPT`` (lists as JSON text)."""
    return {
        "session_number": snapshot.session_number,
        "duration_minutes": round(snapshot.duration_s / 60, 1),
        "journey_state": snapshot.journey_state.value,
        "mastery_level": snapshot.mastery.level.value,
        "mastery_rating": snapshot.mastery.rating,
        "reached_onboarding_complete": snapshot.reached_onboarding_complete,
        "completion_rate": snapshot.completion_rate,
        "completed_workflow_ids_json": json.dumps(snapshot.completed_workflow_ids),
        "in_progress_workflow_ids_json": json.dumps(snapshot.in_progress_workflow_ids),
        "untouched_workflow_ids_json": json.dumps(snapshot.untouched_workflow_ids),
        "discovered_features_json": json.dumps(snapshot.discovered_features),
    }
