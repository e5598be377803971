"""What the v1 machine and the idle-expiry pipeline share: the result, and v1's eligibility rule.

Kept out of the ``v1`` package so the pipeline (which ``v1`` re-exports) can use the rule
without importing ``v1`` back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

_PROACTIVE = "proactive_assistance"  # the value of v1's AgentState.PROACTIVE_ASSISTANCE


class _V1Machine(Protocol):
    @property
    def state(self) -> str: ...

    @property
    def state_entered_at(self) -> float: ...


def proactive_idle_eligible(sm: _V1Machine, now: float, interaction_timeout_s: float) -> bool:
    """True when ``sm`` is PROACTIVE and has been for at least ``interaction_timeout_s`` at wall time ``now``.

    Never changes ``sm``.
    """
    return sm.state == _PROACTIVE and now - sm.state_entered_at >= interaction_timeout_s


@dataclass(frozen=True)
class ProactiveIdleExpiryResult:
    """Outcome of an idle-expiry check; truthy when the machine moved to THINKING.

    ``reset_chat_thread_binding`` tells the host to forget the chat thread bound to the proactive
    interaction that just expired.
    """

    transitioned: bool
    reset_chat_thread_binding: bool = False

    def __bool__(self) -> bool:
        return self.transitioned
