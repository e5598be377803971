"""Small builders shared by the trigger tests."""

from __future__ import annotations

from typing import Any

from autoplay_sdk.core.models import ActionsPayload, SlimAction
from autoplay_sdk.proactive.triggers import ProactiveTriggerContext

ORIGIN = "https://app.example"


def act(path: str, start: float = 0.0, end: float | None = None, *, kind: str = "click") -> SlimAction:
    url = ORIGIN + path if path else ""
    return SlimAction(
        title=kind,
        description=f"User {kind} on {path}",
        canonical_url=url,
        type=kind,
        timestamp_start=start,
        timestamp_end=start if end is None else end,
    )


def ctx(*actions: SlimAction, **extra: Any) -> ProactiveTriggerContext:
    return ProactiveTriggerContext.from_slim_actions(
        actions, session_id="s1", product_id="p1", action_count=len(actions), context_extra=extra
    )


def urls_ctx(*paths: str | None) -> ProactiveTriggerContext:
    return ProactiveTriggerContext(canonical_urls=tuple(paths), session_id="s1", product_id="p1")


def payload(forwarded_at: float, *actions: SlimAction, session_id: str = "s1") -> ActionsPayload:
    return ActionsPayload("p1", session_id, None, None, list(actions), len(actions), forwarded_at)
