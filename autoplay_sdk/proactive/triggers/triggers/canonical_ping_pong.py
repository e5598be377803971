"""URL ping-pong: the user bounces between pages (A → B → A), a sign of hesitation.

The predicate is :func:`autoplay_sdk.integrations.intercom.proactive_trigger_canonical_url_ping_pong`;
that module depends on nothing in ``autoplay_sdk.proactive``, so either package may be imported
first.  With ``broaden_with_hesitation=True`` the trigger also fires on
:func:`~autoplay_sdk.proactive.triggers._url_predicates.proactive_trigger_url_hesitation` (several
distinct pages with a revisit); the default keeps the strict A → B → A rule alone.
"""

from __future__ import annotations

from typing import Any

from autoplay_sdk.integrations.intercom import proactive_trigger_canonical_url_ping_pong
from autoplay_sdk.proactive.triggers._url_predicates import proactive_trigger_url_hesitation
from autoplay_sdk.proactive.triggers.defaults import (
    DEFAULT_PROACTIVE_QUICK_REPLY_BODY,
    TRIGGER_ID_CANONICAL_URL_PING_PONG,
)
from autoplay_sdk.proactive.triggers.types import ProactiveTriggerContext, ProactiveTriggerResult

__all__ = ["CanonicalPingPongTrigger"]


class CanonicalPingPongTrigger:
    """Fires when ``ctx.canonical_urls`` contain at least ``min_cycles`` A → B → A triples.

    Result: body ``"Need my expert help?"``, ``metadata={"min_cycles": min_cycles}``, no labels.

    With ``broaden_with_hesitation=True`` it also fires when the URLs show hesitation (at least
    ``hesitation_min_distinct`` distinct pages, one visited twice), and the metadata adds
    ``"matched"`` (``"strict_ping_pong"`` and/or ``"hesitation_distinct_with_revisit"``, in that
    order) and ``"hesitation_min_distinct"``.
    """

    def __init__(
        self, *, min_cycles: int = 1, broaden_with_hesitation: bool = False, hesitation_min_distinct: int = 3
    ) -> None:
        self._min_cycles = min_cycles
        self._broaden = broaden_with_hesitation
        self._min_distinct = hesitation_min_distinct

    @property
    def trigger_id(self) -> str:
        return TRIGGER_ID_CANONICAL_URL_PING_PONG

    @property
    def min_cycles(self) -> int:
        return self._min_cycles

    @property
    def broaden_with_hesitation(self) -> bool:
        return self._broaden

    @property
    def hesitation_min_distinct(self) -> int:
        return self._min_distinct

    def evaluate(self, ctx: ProactiveTriggerContext) -> ProactiveTriggerResult | None:
        return self._evaluate(ctx.canonical_urls, ctx.canonical_urls)

    def _evaluate(
        self, urls: list[str | None] | Any, hesitation_urls: list[str | None] | Any
    ) -> ProactiveTriggerResult | None:
        """Strict rule on ``urls``; when broadening, the hesitation rule on ``hesitation_urls``."""
        strict = proactive_trigger_canonical_url_ping_pong(urls, min_cycles=self._min_cycles)
        broad = self._broaden and proactive_trigger_url_hesitation(hesitation_urls, min_distinct=self._min_distinct)
        if not strict and not broad:
            return None
        metadata: dict[str, Any] = {"min_cycles": self._min_cycles}
        if self._broaden:
            matched = ["strict_ping_pong"] if strict else []
            if broad:
                matched.append("hesitation_distinct_with_revisit")
            metadata.update(matched=matched, hesitation_min_distinct=self._min_distinct)
        return ProactiveTriggerResult(
            TRIGGER_ID_CANONICAL_URL_PING_PONG, DEFAULT_PROACTIVE_QUICK_REPLY_BODY, metadata=metadata
        )

    def __repr__(self) -> str:
        if self._broaden:
            return (
                f"CanonicalPingPongTrigger(min_cycles={self._min_cycles!r}, broaden_with_hesitation=True, "
                f"hesitation_min_distinct={self._min_distinct!r})"
            )
        return f"CanonicalPingPongTrigger(min_cycles={self._min_cycles!r})"
