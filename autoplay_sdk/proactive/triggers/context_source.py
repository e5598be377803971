"""Where a host's recent payloads come from, and the context builder over them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from autoplay_sdk.core.models import ActionsPayload
from autoplay_sdk.proactive.triggers.scope import ScopePolicy
from autoplay_sdk.proactive.triggers.types import (
    DEFAULT_PROACTIVE_CONTEXT_LOOKBACK_S,
    DEFAULT_PROACTIVE_CONTEXT_MAX_ACTIONS,
    ProactiveTriggerContext,
)

__all__ = ["RecentActionsPayloadSource", "build_proactive_context_from_payloads"]


@runtime_checkable
class RecentActionsPayloadSource(Protocol):
    """A store of a session's recent ``actions`` payloads, oldest first."""

    def load_payloads(self, *, product_id: str, session_id: str) -> Sequence[ActionsPayload]: ...


def build_proactive_context_from_payloads(
    payloads: Sequence[ActionsPayload],
    *,
    lookback_seconds: float | None = DEFAULT_PROACTIVE_CONTEXT_LOOKBACK_S,
    max_actions: int | None = DEFAULT_PROACTIVE_CONTEXT_MAX_ACTIONS,
    now: float | None = None,
    session_id: str = "",
    conversation_id: str = "",
    product_id: str = "",
    action_count: int = 0,
    latest_summary_text: str = "",
    prior_session_summaries: tuple[str, ...] = (),
    context_extra: Mapping[str, Any] | None = None,
    scope_policy: ScopePolicy = ScopePolicy.STRICT,
    require_conversation: bool = False,
) -> ProactiveTriggerContext:
    """Same as :meth:`ProactiveTriggerContext.from_actions_payloads` (same arguments and errors)."""
    return ProactiveTriggerContext.from_actions_payloads(
        payloads,
        lookback_seconds=lookback_seconds,
        max_actions=max_actions,
        now=now,
        session_id=session_id,
        conversation_id=conversation_id,
        product_id=product_id,
        action_count=action_count,
        latest_summary_text=latest_summary_text,
        prior_session_summaries=prior_session_summaries,
        context_extra=context_extra,
        scope_policy=scope_policy,
        require_conversation=require_conversation,
    )
