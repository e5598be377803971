"""The core trigger types: timings, results, the trigger protocol and the evaluation context.

A trigger looks at a :class:`ProactiveTriggerContext` (the session's recent actions and whatever
the host adds in ``context_extra``) and returns a :class:`ProactiveTriggerResult` or ``None``.
Everything here is a plain value; nothing performs I/O.  Timestamps are Unix seconds
(``time.time()``), read through the module at call time so tests can patch the clock.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from autoplay_sdk.core.models import ActionsPayload, SlimAction
from autoplay_sdk.proactive.triggers.scope import ScopePolicy, validate_proactive_scope_fields

__all__ = [
    "DEFAULT_COOLDOWN_S",
    "DEFAULT_INTERACTION_TIMEOUT_S",
    "DEFAULT_PROACTIVE_CONTEXT_LOOKBACK_S",
    "DEFAULT_PROACTIVE_CONTEXT_MAX_ACTIONS",
    "PROACTIVE_BODY_MAX_CHARS",
    "ProactiveTrigger",
    "ProactiveTriggerContext",
    "ProactiveTriggerResult",
    "ProactiveTriggerTimings",
]

DEFAULT_INTERACTION_TIMEOUT_S = 10.0
DEFAULT_COOLDOWN_S = 30.0
PROACTIVE_BODY_MAX_CHARS = 150
DEFAULT_PROACTIVE_CONTEXT_LOOKBACK_S = 120.0
DEFAULT_PROACTIVE_CONTEXT_MAX_ACTIONS = 50


@dataclass(frozen=True)
class ProactiveTriggerTimings:
    """How long a proactive exchange waits for the user, and the cooldown after it."""

    interaction_timeout_s: float = DEFAULT_INTERACTION_TIMEOUT_S
    cooldown_s: float = DEFAULT_COOLDOWN_S


@dataclass(frozen=True)
class ProactiveTriggerResult:
    """What a trigger proposes to say: body, quick-reply labels, metadata and timings."""

    trigger_id: str
    body: str
    reply_option_labels: Sequence[str] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    interaction_timeout_s: float = DEFAULT_INTERACTION_TIMEOUT_S
    cooldown_s: float = DEFAULT_COOLDOWN_S


@runtime_checkable
class ProactiveTrigger(Protocol):
    """A detector: ``evaluate(ctx)`` returns a result when the copilot should speak, else ``None``."""

    @property
    def trigger_id(self) -> str: ...

    def evaluate(self, ctx: ProactiveTriggerContext) -> ProactiveTriggerResult | None: ...


@dataclass(frozen=True)
class ProactiveTriggerContext:
    """Everything a trigger may look at for one session.  Direct construction validates nothing."""

    canonical_urls: Sequence[str | None] = ()
    session_id: str = ""
    conversation_id: str = ""
    action_count: int = 0
    product_id: str = ""
    recent_actions: tuple[SlimAction, ...] = ()
    latest_summary_text: str = ""
    prior_session_summaries: tuple[str, ...] = ()
    context_extra: dict[str, Any] = field(default_factory=dict)

    def validate_scope(self, *, policy: ScopePolicy = ScopePolicy.STRICT, require_conversation: bool = False) -> None:
        """Check this context's ids under ``policy``; raises ``ValueError`` (after logging) if one is missing."""
        validate_proactive_scope_fields(
            product_id=self.product_id,
            session_id=self.session_id,
            conversation_id=self.conversation_id,
            require_conversation=require_conversation,
            policy=policy,
        )

    @classmethod
    def from_slim_actions(
        cls,
        actions: Sequence[SlimAction],
        *,
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
        """Build a context from actions, validating the scope first (``ValueError`` under STRICT).

        ``canonical_urls`` mirrors the actions (an empty URL becomes ``None``); ``action_count``
        is taken as given, not derived; ``context_extra`` is copied shallowly.
        """
        validate_proactive_scope_fields(
            product_id=product_id,
            session_id=session_id,
            conversation_id=conversation_id,
            require_conversation=require_conversation,
            policy=scope_policy,
        )
        recent = tuple(actions)
        return cls(
            canonical_urls=tuple(a.canonical_url or None for a in recent),
            session_id=session_id,
            conversation_id=conversation_id,
            action_count=action_count,
            product_id=product_id,
            recent_actions=recent,
            latest_summary_text=latest_summary_text,
            prior_session_summaries=prior_session_summaries,
            context_extra=dict(context_extra) if context_extra else {},
        )

    @classmethod
    def from_actions_payloads(
        cls,
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
        """Build a context from the newest payloads of a session (given in chronological order).

        Keeps payloads with ``forwarded_at >= now - lookback_seconds`` (``None``: all), then the
        newest ``max_actions`` actions (``None``: all): whole payloads from the newest backwards,
        the first one that overflows trimmed to its last actions.  Raises ``ValueError`` for
        ``max_actions < 1`` or ``lookback_seconds <= 0``, and for a scope gap under STRICT.
        """
        if max_actions is not None and max_actions < 1:
            raise ValueError(f"max_actions must be >= 1 or None, got {max_actions!r}")
        at = time.time() if now is None else float(now)
        kept: Sequence[ActionsPayload] = payloads
        if lookback_seconds is not None:
            if lookback_seconds <= 0:
                raise ValueError(f"lookback_seconds must be > 0 or None, got {lookback_seconds!r}")
            cutoff = at - lookback_seconds
            kept = [p for p in payloads if p.forwarded_at >= cutoff]
        if max_actions is not None:
            kept = _newest_actions(kept, max_actions)
        return cls.from_slim_actions(
            [a for p in kept for a in p.actions],
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


def _newest_actions(payloads: Sequence[ActionsPayload], limit: int) -> list[ActionsPayload]:
    """Whole payloads from the newest backwards while they fit; the first overflow is trimmed."""
    out: list[ActionsPayload] = []
    remaining = limit
    for p in reversed(payloads):
        n = len(p.actions)
        if n <= remaining:
            out.append(p)
            remaining -= n
            continue
        if remaining > 0:
            out.append(dataclasses.replace(p, actions=p.actions[-remaining:], count=remaining))
        break
    out.reverse()
    return out
