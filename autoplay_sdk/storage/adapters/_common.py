"""Helpers shared by the write-only analytics sinks."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from autoplay_sdk.user_adoption_state.types import WorkflowStatus

__all__ = ["workflow_ids_by_status", "best_effort_post"]  # noqa: RUF022 — the published order

logger = logging.getLogger(__name__)

_TIMEOUT_S = 10.0


def workflow_ids_by_status(state: dict[str, Any]) -> tuple[list[str], list[str]]:
    """``(completed, in_progress)`` workflow ids of a user-state dict; malformed parts count as empty."""
    onboarding = state.get("onboarding") if isinstance(state, dict) else None
    progress = onboarding.get("workflow_progress") if isinstance(onboarding, dict) else None
    completed: list[str] = []
    in_progress: list[str] = []
    if not isinstance(progress, dict):
        return completed, in_progress
    for wid, entry in progress.items():
        status = entry.get("status") if isinstance(entry, dict) else None
        if status == WorkflowStatus.COMPLETED.value:
            completed.append(str(wid))
        elif status == WorkflowStatus.IN_PROGRESS.value:
            in_progress.append(str(wid))
    return completed, in_progress


async def best_effort_post(
    url: str, payload: dict[str, Any], *, label: str, client: httpx.AsyncClient | None = None
) -> None:
    """POST ``payload`` as JSON; never raises.

    A transport error or a status ≥ 400 is logged at WARNING under ``label`` (the error type
    or the status only: the payload carries a vendor API key and user properties).
    """
    http = client if client is not None else httpx.AsyncClient(timeout=_TIMEOUT_S)
    try:
        response = await http.post(url, json=payload)
    except Exception as exc:
        logger.warning("%s: post failed: %s", label, type(exc).__name__)
        return
    finally:
        if client is None:
            await http.aclose()
    if response.status_code >= 400:
        logger.warning("%s: non-2xx response %s", label, response.status_code)
