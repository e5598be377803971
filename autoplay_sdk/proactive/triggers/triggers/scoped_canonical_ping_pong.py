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
    ``"scoped_canonical_url_contains"``.  The strict rule looks at *all* URLs; with
    ``broaden_with_hesitation=True`` the hesitation rule looks only at the URLs containing the
    substring (tested before stripping; all URLs when the substring is blank).
    """

    def __init__(
        self,
        *,
        url_must_contain: str,
        min_cycles: int = 1,
        broaden_with_hesitation: bool = False,
        hesitation_min_distinct: int = 3,
    ) -> None:
        self._sub = url_must_contain.strip()
        self._inner = CanonicalPingPongTrigger(
            min_cycles=min_cycles,
            broaden_with_hesitation=broaden_with_hesitation,
            hesitation_min_distinct=hesitation_min_distinct,
        )

    @property
    def trigger_id(self) -> str:
        return TRIGGER_ID_CANONICAL_URL_PING_PONG

    @property
    def url_must_contain(self) -> str:
        return self._sub

    def evaluate(self, ctx: ProactiveTriggerContext) -> ProactiveTriggerResult | None:
        if self._sub and not canonical_urls_touch_substring(ctx.canonical_urls, self._sub):
            return None
        urls = ctx.canonical_urls
        scoped = [u for u in urls if u and self._sub in u] if self._sub else urls
        result = self._inner._evaluate(urls, scoped)
        if result is None:
            return None
        metadata = dict(result.metadata)
        metadata = {
            "min_cycles": metadata.pop("min_cycles"),
            "scoped_canonical_url_contains": self._sub,
            **metadata,
        }
        return replace(result, metadata=metadata)

    def __repr__(self) -> str:
        inner = self._inner
        extra = (
            f", broaden_with_hesitation=True, hesitation_min_distinct={inner.hesitation_min_distinct!r}"
            if inner.broaden_with_hesitation
            else ""
        )
        return f"ScopedCanonicalPingPongTrigger(url_must_contain={self._sub!r}, min_cycles={inner.min_cycles!r}{extra})"
