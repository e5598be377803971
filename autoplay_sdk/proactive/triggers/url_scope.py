"""Restricting ping-pong detection to part of the product, by a URL substring."""

from __future__ import annotations

from collections.abc import Sequence

from autoplay_sdk.proactive.triggers.defaults import TRIGGER_ID_CANONICAL_URL_PING_PONG
from autoplay_sdk.proactive.triggers.types import ProactiveTriggerContext, ProactiveTriggerResult

__all__ = ["canonical_urls_touch_substring", "filter_ping_pong_hits_by_canonical_url_contains"]


def canonical_urls_touch_substring(canonical_urls: Sequence[str | None], substring: str) -> bool:
    """True when some non-blank URL contains the stripped ``substring`` (case-sensitive).

    A blank ``substring`` matches everything.
    """
    sub = substring.strip()
    if not sub:
        return True
    return any(sub in s for s in (str(u).strip() for u in canonical_urls if u is not None) if s)


def filter_ping_pong_hits_by_canonical_url_contains(
    ctx: ProactiveTriggerContext, hits: list[ProactiveTriggerResult], substring: str
) -> list[ProactiveTriggerResult]:
    """Drop ping-pong hits unless the context's URLs touch ``substring``; other hits stay.

    A blank ``substring`` returns ``hits`` itself.
    """
    if not substring.strip():
        return hits
    touches = canonical_urls_touch_substring(ctx.canonical_urls, substring)
    return [h for h in hits if h.trigger_id != TRIGGER_ID_CANONICAL_URL_PING_PONG or touches]
