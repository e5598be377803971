"""Builders for the copilot tests: payloads, scripted triggers, a recording callback and gate."""

from __future__ import annotations

import threading
from typing import Any

from autoplay_sdk.core.models import ActionsPayload, SlimAction
from autoplay_sdk.proactive.triggers import (
    PredicateProactiveTrigger,
    ProactiveTriggerContext,
    ProactiveTriggerEntity,
    ProactiveTriggerRegistry,
    ProactiveTriggerResult,
    ProactiveTriggerTimings,
)

SECRET = "user typed hunter2 into the password box"


def payload(
    session_id: str | None,
    at: float,
    *paths: str,
    product_id: str = "p1",
    description: str = SECRET,
    user_id: str | None = None,
) -> ActionsPayload:
    actions = [
        SlimAction(
            title="t",
            description=description,
            canonical_url=f"https://app.example{p}",
            index=i,
            timestamp_start=at - 1,
            timestamp_end=at - 1,
        )
        for i, p in enumerate(paths or ("/x",))
    ]
    return ActionsPayload(product_id, session_id, user_id, None, actions, len(actions), at)


def when_url(tid: str, path: str, kind: str = "instant_trigger", **timings: float) -> ProactiveTriggerEntity:
    """Fires when the newest action is on ``path``."""

    def predicate(ctx: ProactiveTriggerContext) -> bool:
        return bool(ctx.recent_actions) and ctx.recent_actions[-1].canonical_url.endswith(path)

    return ProactiveTriggerEntity(
        PredicateProactiveTrigger(trigger_id=tid, body=f"{tid} body", predicate=predicate, metadata={"path": path}),
        ProactiveTriggerTimings(**timings) if timings else None,
        triggering_type=kind,
    )


def registry(*triggers: Any) -> ProactiveTriggerRegistry:
    return ProactiveTriggerRegistry(list(triggers))


class Delivered:
    """Records ``on_proactive`` calls; optionally raises for chosen sessions."""

    def __init__(self, fail_for: set[str] | None = None) -> None:
        self.calls: list[tuple[str, ProactiveTriggerResult]] = []
        self.fail_for = fail_for or set()
        self.event = threading.Event()

    def __call__(self, session_id: str, result: ProactiveTriggerResult) -> None:
        self.calls.append((session_id, result))
        self.event.set()
        if session_id in self.fail_for:
            raise RuntimeError(f"delivery failed: {SECRET}")

    @property
    def sessions(self) -> list[str]:
        return [s for s, _ in self.calls]


class Gate:
    """A delivery gate that allows sessions not in ``deny`` and records outcomes."""

    def __init__(self, deny: set[str] | None = None, raises: bool = False) -> None:
        self.deny = deny or set()
        self.raises = raises
        self.asked: list[tuple[str, str | None]] = []
        self.outcomes: list[str] = []

    def acquire(self, session_id: str, *, user_id: str | None = None) -> bool:
        self.asked.append((session_id, user_id))
        if self.raises:
            raise ConnectionError("redis went away")
        return session_id not in self.deny

    def record_outcome(self, outcome: str) -> None:
        self.outcomes.append(outcome)


class AsyncGate(Gate):
    async def acquire(self, session_id: str, *, user_id: str | None = None) -> bool:  # type: ignore[override]
        return Gate.acquire(self, session_id, user_id=user_id)

    async def record_outcome(self, outcome: str) -> None:  # type: ignore[override]
        Gate.record_outcome(self, outcome)
