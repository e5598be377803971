"""The v2 session state machine: THINKING, PROACTIVE and REACTIVE.

:class:`SessionState` decides, per chat session, whether a proactive message may open now, and
moves the session back to THINKING when an interaction goes idle (starting a cooldown that blocks
the next proactive message).  Sub-states carry the per-state timers.  The enum and the error live
in :mod:`.types`, the dataclasses in :mod:`.session_state`; :mod:`.states` gathers both.

Timestamps are ``time.monotonic()`` readings, read through the ``time`` module at call time.
Nothing here is locked: hosts serialise calls per session.
"""

from autoplay_sdk.agent_state.v2.states import (
    AgentStateV2,
    InvalidTransitionError,
    ProactiveState,
    ReactiveState,
    SessionState,
    ThinkingState,
)

__all__ = ["AgentStateV2", "InvalidTransitionError", "ProactiveState", "ReactiveState", "SessionState", "ThinkingState"]
