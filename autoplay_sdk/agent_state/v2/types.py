"""The v2 state enum and its transition error."""

from __future__ import annotations

from enum import Enum

__all__ = ["AgentStateV2", "InvalidTransitionError"]


class AgentStateV2(str, Enum):
    """The three session states.

    A plain ``str`` mix-in enum: members compare equal to their values (``AgentStateV2.THINKING ==
    "thinking"``) but ``str(member)`` is ``"AgentStateV2.THINKING"``; use ``.value`` for the text.
    """

    THINKING = "thinking"
    PROACTIVE = "proactive_assistance"
    REACTIVE = "reactive_assistance"


class InvalidTransitionError(ValueError):
    """A call that the current state does not allow (the state is left unchanged)."""
