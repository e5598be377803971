"""URL ping-pong: the user bounces between pages (A → B → A), a sign of hesitation.

The predicate is :func:`autoplay_sdk.integrations.intercom.proactive_trigger_canonical_url_ping_pong`;
that module depends on nothing in ``autoplay_sdk.proactive``, so either package may be imported
first.
"""

from __future__ import annotations

from autoplay_sdk.integrations.intercom import proactive_trigger_canonical_url_ping_pong
from autoplay_sdk.proactive.triggers.defaults import (
    DEFAULT_PROACTIVE_QUICK_REPLY_BODY,
    TRIGGER_ID_CANONICAL_URL_PING_PONG,
)
from autoplay_sdk.proactive.triggers.types import ProactiveTriggerContext, ProactiveTriggerResult

__all__ = ["CanonicalPingPongTrigger"]


class CanonicalPingPongTrigger:
    """Fires when ``ctx.canonical_urls`` contain at least ``min_cycles`` A → B → A triples.

    Result: body ``"Need my expert help?"``, ``metadata={"min_cycles": min_cycles}``, no labels.
    """

    def __init__(self, *, min_cycles: int = 1) -> None:
        self._min_cycles = min_cycles

    @property
    def trigger_id(self) -> str:
        return TRIGGER_ID_CANONICAL_URL_PING_PONG

    @property
    def min_cycles(self) -> int:
        return self._min_cycles

    def evaluate(self, ctx: ProactiveTriggerContext) -> ProactiveTriggerResult | None:
        if not proactive_trigger_canonical_url_ping_pong(ctx.canonical_urls, min_cycles=self._min_cycles):
            return None
        return ProactiveTriggerResult(
            TRIGGER_ID_CANONICAL_URL_PING_PONG,
            DEFAULT_PROACTIVE_QUICK_REPLY_BODY,
            metadata={"min_cycles": self._min_cycles},
        )

    def __repr__(self) -> str:
        return f"CanonicalPingPongTrigger(min_cycles={self._min_cycles!r})"
