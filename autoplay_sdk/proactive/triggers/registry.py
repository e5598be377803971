"""An ordered set of triggers evaluated against one context.

The registry keeps no state: no cooldown, no de-duplication (the host, or
:class:`autoplay_sdk.proactive.copilot.ProactiveCopilot`, does that).  A trigger's exception
propagates to the caller.
"""

from __future__ import annotations

from collections.abc import Sequence

from autoplay_sdk.proactive.triggers.types import ProactiveTrigger, ProactiveTriggerContext, ProactiveTriggerResult

__all__ = ["ProactiveTriggerRegistry"]


class ProactiveTriggerRegistry:
    """Triggers in evaluation order."""

    def __init__(self, triggers: Sequence[ProactiveTrigger]) -> None:
        self._triggers: tuple[ProactiveTrigger, ...] = tuple(triggers)

    @property
    def triggers(self) -> tuple[ProactiveTrigger, ...]:
        """The triggers, as a tuple, in order."""
        return self._triggers

    def evaluate_first(self, ctx: ProactiveTriggerContext) -> ProactiveTriggerResult | None:
        """The first non-``None`` result; later triggers are not called."""
        for trigger in self._triggers:
            result = trigger.evaluate(ctx)
            if result is not None:
                return result
        return None

    def evaluate_all(self, ctx: ProactiveTriggerContext) -> list[ProactiveTriggerResult]:
        """Every non-``None`` result, in trigger order."""
        return [r for r in (t.evaluate(ctx) for t in self._triggers) if r is not None]

    def __repr__(self) -> str:
        return f"ProactiveTriggerRegistry({[t.trigger_id for t in self._triggers]!r})"
