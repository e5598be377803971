"""A trigger wrapped with its timings and triggering type.

:class:`ProactiveTriggerEntity` forwards to the inner trigger and stamps its own timings on every
result (they always override the inner ones) and, when set, ``metadata["triggering_type"]``
(an inner value wins).
"""

from __future__ import annotations

from dataclasses import replace

from autoplay_sdk.proactive.triggers.judge import META_TRIGGERING_TYPE as META_TRIGGERING_TYPE  # as in 0.7.5
from autoplay_sdk.proactive.triggers.types import (
    ProactiveTrigger,
    ProactiveTriggerContext,
    ProactiveTriggerResult,
    ProactiveTriggerTimings,
)

__all__ = ["ProactiveTriggerEntity"]


class ProactiveTriggerEntity:
    """``inner`` with ``timings`` (default :class:`ProactiveTriggerTimings`) and a triggering type."""

    def __init__(
        self,
        inner: ProactiveTrigger,
        timings: ProactiveTriggerTimings | None = None,
        *,
        triggering_type: str | None = None,
    ) -> None:
        self._inner = inner
        self._timings = timings if timings is not None else ProactiveTriggerTimings()
        self._triggering_type = triggering_type

    @property
    def trigger_id(self) -> str:
        """The inner trigger's id."""
        return self._inner.trigger_id

    @property
    def timings(self) -> ProactiveTriggerTimings:
        return self._timings

    @property
    def triggering_type(self) -> str | None:
        """The type stamped on results (``None``: none is added)."""
        return self._triggering_type

    @property
    def inner(self) -> ProactiveTrigger:
        return self._inner

    def evaluate(self, ctx: ProactiveTriggerContext) -> ProactiveTriggerResult | None:
        result = self._inner.evaluate(ctx)
        if result is None:
            return None
        metadata = dict(result.metadata)
        if self._triggering_type is not None:
            metadata.setdefault("triggering_type", self._triggering_type)
        return replace(
            result,
            interaction_timeout_s=self._timings.interaction_timeout_s,
            cooldown_s=self._timings.cooldown_s,
            metadata=metadata,
        )

    def __repr__(self) -> str:
        return f"ProactiveTriggerEntity({self._inner!r}, {self._timings!r}, triggering_type={self._triggering_type!r})"
