"""Every public name of the v2 state machine, in one module."""

from autoplay_sdk.agent_state.v2.session_state import ProactiveState, ReactiveState, SessionState, ThinkingState
from autoplay_sdk.agent_state.v2.types import AgentStateV2, InvalidTransitionError

__all__ = ["AgentStateV2", "InvalidTransitionError", "ProactiveState", "ReactiveState", "SessionState", "ThinkingState"]
