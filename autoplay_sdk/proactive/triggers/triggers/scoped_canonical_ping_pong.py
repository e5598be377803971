"""URL ping-pong restricted to URLs containing a substring (e.g. one product area)."""

from __future__ import annotations

from dataclasses import replace

from autoplay_sdk.integrations.intercom import (  # importable here, as in 0.7.5
    proactive_trigger_canonical_url_ping_pong as proactive_trigger_canonical_url_ping_pong,
)
from autoplay_sdk.proactive.triggers.defaults import (  # importable here, as in 0.7.5
    DEFAULT_PROACTIVE_QUICK_REPLY_BODY as DEFAULT_PROACTIVE_QUICK_REPLY_BODY,
)
from autoplay_sdk.proactive.triggers.defaults import TRIGGER_ID_CANONICAL_URL_PING_PONG
from autoplay_sdk.proactive.triggers.triggers.canonical_ping_pong import CanonicalPingPongTrigger
from autoplay_sdk.proactive.triggers.types import ProactiveTriggerContext, ProactiveTriggerResult
from autoplay_sdk.proactive.triggers.url_scope import canonical_urls_touch_substring

__all__ = ["ScopedCanonicalPingPongTrigger"]


class ScopedCanonicalPingPongTrigger:
    """Like :class:`CanonicalPingPongTrigger`, but only when some URL contains ``url_must_contain``.

    The substring is stored stripped; a blank one restricts nothing.  Result metadata adds
    ``"scoped_canonical_url_contains"``.
    """

    def __init__(self, *, url_must_contain: str, min_cycles: int = 1) -> None:
        self._sub = url_must_contain.strip()
        self._inner = CanonicalPingPongTrigger(min_cycles=min_cycles)

    @property
    def trigger_id(self) -> str:
        return TRIGGER_ID_CANONICAL_URL_PING_PONG

    @property
    def url_must_contain(self) -> str:
        return self._sub

    def evaluate(self, ctx: ProactiveTriggerContext) -> ProactiveTriggerResult | None:
        if self._sub and not canonical_urls_touch_substring(ctx.canonical_urls, self._sub):
            return None
        result = self._inner.evaluate(ctx)
        if result is None:
            return None
        return replace(result, metadata={**result.metadata, "scoped_canonical_url_contains": self._sub})

    def __repr__(self) -> str:
        return f"ScopedCanonicalPingPongTrigger(url_must_contain={self._sub!r}, min_cycles={self._inner.min_cycles!r})"
