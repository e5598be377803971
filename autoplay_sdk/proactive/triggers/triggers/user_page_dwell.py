"""Sparse linger: the user stays on one page a long time with few actions.

Knobs come from ``ctx.context_extra`` (per evaluation) with the constructor values as defaults:
``dwell_threshold_seconds``, ``user_page_dwell_max_actions``, ``dwell_proactive_body`` and
``eval_now`` (the clock, Unix seconds; default ``time.time()``).
"""

from __future__ import annotations

import time
from typing import Any

from autoplay_sdk.core.models import SlimAction as SlimAction  # importable here, as in 0.7.5
from autoplay_sdk.proactive.triggers.defaults import TRIGGER_ID_USER_PAGE_DWELL
from autoplay_sdk.proactive.triggers.judge import validate_or_truncate_proactive_body
from autoplay_sdk.proactive.triggers.types import ProactiveTriggerContext, ProactiveTriggerResult

__all__ = ["DEFAULT_USER_PAGE_DWELL_MAX_ACTIONS", "DEFAULT_USER_PAGE_DWELL_THRESHOLD_S", "UserPageDwellTrigger"]

DEFAULT_USER_PAGE_DWELL_THRESHOLD_S = 60.0
DEFAULT_USER_PAGE_DWELL_MAX_ACTIONS = 5
_DEFAULT_BODY = "Still on this page \u2014 want a quick tip?"


def _max_actions(extra: dict[str, Any], default: int) -> int:
    raw = extra.get("user_page_dwell_max_actions")
    if raw is None:
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError, OverflowError):
        return default
    return value if value > 0 else default


class UserPageDwellTrigger:
    """Fires when the newest run of actions on one canonical URL is long and sparse.

    The run is the longest suffix of ``ctx.recent_actions`` on the last action's (stripped) URL.
    It fires when the run has at most ``max_actions`` actions and lasted at least the threshold:
    ``last.timestamp_end - first.timestamp_start``, or, for a single action with no span,
    ``now - timestamp_start``.  A ``dwell_threshold_seconds`` that is not a number raises
    ``ValueError``/``TypeError``; a threshold ``<= 0`` disables the trigger.
    """

    def __init__(
        self,
        *,
        default_threshold_s: float = DEFAULT_USER_PAGE_DWELL_THRESHOLD_S,
        default_max_actions: int = DEFAULT_USER_PAGE_DWELL_MAX_ACTIONS,
    ) -> None:
        self._threshold = default_threshold_s
        self._max_actions = default_max_actions

    @property
    def trigger_id(self) -> str:
        return TRIGGER_ID_USER_PAGE_DWELL

    def evaluate(self, ctx: ProactiveTriggerContext) -> ProactiveTriggerResult | None:
        extra = ctx.context_extra or {}
        threshold = float(extra.get("dwell_threshold_seconds", self._threshold))
        if threshold <= 0:
            return None
        max_actions = _max_actions(extra, self._max_actions)
        now = float(extra.get("eval_now", time.time()))
        actions = ctx.recent_actions
        if not actions:
            return None
        url = (actions[-1].canonical_url or "").strip()
        if not url:
            return None
        start = len(actions) - 1
        while start > 0 and (actions[start - 1].canonical_url or "").strip() == url:
            start -= 1
        run = actions[start:]
        if len(run) > max_actions:
            return None
        span = run[-1].timestamp_end - run[0].timestamp_start
        dur = max(0.0, now - run[0].timestamp_start) if span <= 0 and len(run) == 1 else max(0.0, span)
        if dur < threshold:
            return None
        body = validate_or_truncate_proactive_body(
            str(extra.get("dwell_proactive_body") or "").strip() or _DEFAULT_BODY
        )
        return ProactiveTriggerResult(
            TRIGGER_ID_USER_PAGE_DWELL,
            body,
            metadata={
                "user_page_dwell_seconds": round(dur, 3),
                "user_page_dwell_action_count": len(run),
                "user_page_dwell_max_actions": max_actions,
                "dwell_threshold_seconds": threshold,
                "user_page_dwell_canonical_url": (run[-1].canonical_url or "")[:512],
            },
        )

    def __repr__(self) -> str:
        return (
            f"UserPageDwellTrigger(default_threshold_s={self._threshold!r}, default_max_actions={self._max_actions!r})"
        )
