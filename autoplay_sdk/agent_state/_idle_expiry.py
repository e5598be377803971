"""End an idle proactive interaction: delete its chat thread, move the session to THINKING.

:func:`run_proactive_idle_expiry` is the host's periodic check for one session.  It works with both
session machines:

* v2 :class:`~autoplay_sdk.agent_state.v2.SessionState` - eligible when PROACTIVE and
  ``now - last_interaction_at >= interaction_timeout_s`` (``now`` is a ``time.monotonic()``
  reading).  The move itself is made by ``SessionState.tick()``, which reads the real monotonic
  clock and needs strictly more than the timeout.  So when ``now`` is not the current monotonic
  time, or sits exactly on the boundary, the thread is deleted but the session stays PROACTIVE: an
  ERROR is logged and the result is still ``COMPLETED``, with ``transitioned=False``.  Pass
  ``now=time.monotonic()``.
* v1 :class:`~autoplay_sdk.agent_state.v1.AgentStateMachine` (recognised by its
  ``expire_proactive_to_thinking_if_idle`` method) - eligible when PROACTIVE for at least the
  timeout since entering it (``now`` is a ``time.time()`` reading); the machine moves with that
  same ``now``.

Any other object raises ``TypeError``.  Exceptions from the hooks propagate.

It lives with the machines it drives (the agent-state package), so that package never imports
the proactive one; ``autoplay_sdk.proactive.state.idle_expiry`` and
``autoplay_sdk.agent_state.v1`` are its public import paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol, runtime_checkable

from autoplay_sdk._logging import get_logger
from autoplay_sdk.agent_state._idle import ProactiveIdleExpiryResult, proactive_idle_eligible
from autoplay_sdk.agent_state.v2.session_state import SessionState
from autoplay_sdk.agent_state.v2.types import AgentStateV2

__all__ = [
    "ProactiveIdleExpiryHooks",
    "ProactiveIdleExpiryPipelineResult",
    "ProactiveIdleExpiryPipelineStatus",
    "ProactiveIdleExpiryResult",
    "run_proactive_idle_expiry",
]

# The published logger name of the pipeline's records.
logger = get_logger("autoplay_sdk.proactive.state.idle_expiry")


class ProactiveIdleExpiryPipelineStatus(str, Enum):
    """How far :func:`run_proactive_idle_expiry` got."""

    SKIPPED_NOT_ELIGIBLE = "skipped_not_eligible"
    REMOTE_DELETE_FAILED = "remote_delete_failed"
    COMPLETED = "completed"


@dataclass(frozen=True)
class ProactiveIdleExpiryPipelineResult:
    """The pipeline's status, and the machine's result when it got that far (``COMPLETED``)."""

    status: ProactiveIdleExpiryPipelineStatus
    fsm_result: ProactiveIdleExpiryResult | None = None


@runtime_checkable
class ProactiveIdleExpiryHooks(Protocol):
    """The host's chat-thread operations for one session."""

    async def delete_remote_chat_thread(self) -> bool:
        """Delete the proactive chat thread at the chat provider; True on success."""
        ...

    async def clear_local_chat_thread_state(self) -> None:
        """Forget the local binding between the session and that thread."""
        ...


async def run_proactive_idle_expiry(
    sm: Any,
    *,
    now: float,
    interaction_timeout_s: float,
    hooks: ProactiveIdleExpiryHooks,
) -> ProactiveIdleExpiryPipelineResult:
    """Expire ``sm``'s proactive interaction if it has been idle for ``interaction_timeout_s``.

    Steps: not eligible -> ``SKIPPED_NOT_ELIGIBLE`` (no hook called, nothing changed);
    ``await hooks.delete_remote_chat_thread()`` returns falsy -> ``REMOTE_DELETE_FAILED`` (machine
    untouched); otherwise move the machine to THINKING, ``await
    hooks.clear_local_chat_thread_state()`` and return ``COMPLETED`` with the machine's
    :class:`ProactiveIdleExpiryResult`.  See the module docstring for each machine's clock.
    """
    if isinstance(sm, SessionState):
        eligible = sm.current_state == AgentStateV2.PROACTIVE and now - sm.last_interaction_at >= interaction_timeout_s
    elif callable(getattr(sm, "expire_proactive_to_thinking_if_idle", None)):
        eligible = proactive_idle_eligible(sm, now, interaction_timeout_s)
    else:
        raise TypeError(
            "run_proactive_idle_expiry() needs a SessionState or an AgentStateMachine for 'sm', "
            f"got {type(sm).__name__}"
        )
    if not eligible:
        return ProactiveIdleExpiryPipelineResult(ProactiveIdleExpiryPipelineStatus.SKIPPED_NOT_ELIGIBLE)
    if not await hooks.delete_remote_chat_thread():
        return ProactiveIdleExpiryPipelineResult(ProactiveIdleExpiryPipelineStatus.REMOTE_DELETE_FAILED)

    if isinstance(sm, SessionState):
        fsm_result = _expire_v2(sm, interaction_timeout_s)
    else:
        fsm_result = sm.expire_proactive_to_thinking_if_idle(now, interaction_timeout_s)
        if not fsm_result.transitioned:
            _log_invariant(sm.state.value)
    await hooks.clear_local_chat_thread_state()
    return ProactiveIdleExpiryPipelineResult(ProactiveIdleExpiryPipelineStatus.COMPLETED, fsm_result)


def _expire_v2(sm: SessionState, interaction_timeout_s: float) -> ProactiveIdleExpiryResult:
    before = sm.current_state
    saved = sm.interaction_timeout_s
    sm.interaction_timeout_s = interaction_timeout_s
    try:
        sm.tick()
    finally:
        sm.interaction_timeout_s = saved
    transitioned = before == AgentStateV2.PROACTIVE and sm.current_state == AgentStateV2.THINKING
    if not transitioned:
        _log_invariant(AgentStateV2(sm.current_state).value)
    return ProactiveIdleExpiryResult(transitioned, reset_chat_thread_binding=transitioned)


def _log_invariant(state: str) -> None:
    logger.error(
        "proactive idle expiry deleted the chat thread but the session did not move to thinking",
        extra={"event_type": "proactive_idle_expiry_fsm_invariant", "from_state": state},
    )
