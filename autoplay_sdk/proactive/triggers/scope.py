"""Scope checks for trigger contexts: which product, session and conversation a context is about.

Under :attr:`ScopePolicy.STRICT` a context must name its product and session (and, when asked,
its conversation); a violation logs one WARNING record (``extra["event"] ==
SCOPE_INVALID_EVENT``, ``extra["scope_error"]`` and presence flags, never the ids themselves)
and raises ``ValueError``.  :attr:`ScopePolicy.LENIENT` checks nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any

from autoplay_sdk._logging import get_logger

__all__ = [
    "SCOPE_INVALID_EVENT",
    "ProactiveScope",
    "ScopePolicy",
    "log_scope_violation",
    "scope_presence_flags",
    "validate_proactive_scope_fields",
]

logger = get_logger("autoplay_sdk.proactive.triggers.scope")

SCOPE_INVALID_EVENT = "proactive_trigger_scope_invalid"


class ScopePolicy(Enum):
    """How strictly a trigger context's ids are checked."""

    STRICT = "strict"
    LENIENT = "lenient"


@dataclass(frozen=True)
class ProactiveScope:
    """The ids a proactive decision is scoped to."""

    product_id: str
    session_id: str
    conversation_id: str = ""

    def has_chat_surface(self) -> bool:
        """True when there is a conversation to speak into (non-blank ``conversation_id``)."""
        return bool(self.conversation_id.strip())


def scope_presence_flags(
    *, product_id: str | None = None, session_id: str | None = None, conversation_id: str | None = None
) -> dict[str, bool]:
    """``{"product_id_set", "session_id_set", "conversation_id_set"}``: which ids are non-blank."""
    return {
        "product_id_set": bool((product_id or "").strip()),
        "session_id_set": bool((session_id or "").strip()),
        "conversation_id_set": bool((conversation_id or "").strip()),
    }


def log_scope_violation(*, scope_error: str, extra: dict[str, Any] | None = None, level: int = logging.WARNING) -> None:
    """Log one ``"proactive trigger scope invalid"`` record with ``event`` and ``scope_error`` extras."""
    logger.log(
        level,
        "proactive trigger scope invalid",
        extra={"event": SCOPE_INVALID_EVENT, "scope_error": scope_error, **(extra or {})},
    )


def validate_proactive_scope_fields(
    *,
    product_id: str,
    session_id: str,
    conversation_id: str = "",
    require_conversation: bool = False,
    policy: ScopePolicy = ScopePolicy.STRICT,
) -> None:
    """Check the ids under ``policy``; raises ``ValueError`` (after logging) on the first gap.

    Order: product, session, then conversation when ``require_conversation``.  ``LENIENT``
    returns at once.
    """
    if policy is not ScopePolicy.STRICT:
        return
    flags = scope_presence_flags(product_id=product_id, session_id=session_id, conversation_id=conversation_id)
    for field, error in (("product_id", "missing_product_id"), ("session_id", "missing_session_id")):
        if not flags[f"{field}_set"]:
            log_scope_violation(scope_error=error, extra=dict(flags))
            raise ValueError(f"ProactiveTriggerContext requires non-empty {field} (ScopePolicy.STRICT)")
    if require_conversation and not flags["conversation_id_set"]:
        log_scope_violation(scope_error="missing_conversation_id", extra=dict(flags))
        raise ValueError("ProactiveTriggerContext requires non-empty conversation_id when require_conversation=True")
