"""Every public name of the v1 state machine, with the idle-expiry pipeline that drives it."""

from autoplay_sdk.agent_state._idle_expiry import (
    ProactiveIdleExpiryHooks,
    ProactiveIdleExpiryPipelineResult,
    ProactiveIdleExpiryPipelineStatus,
    run_proactive_idle_expiry,
)
from autoplay_sdk.agent_state.v1.state_machine import AgentStateMachine, proactive_idle_eligible
from autoplay_sdk.agent_state.v1.types import (
    AgentState,
    InvalidSnapshotError,
    InvalidTransitionError,
    ProactiveIdleExpiryResult,
    SessionMetrics,
    TaskProgress,
)

__all__ = [
    "AgentState",
    "AgentStateMachine",
    "InvalidSnapshotError",
    "InvalidTransitionError",
    "ProactiveIdleExpiryHooks",
    "ProactiveIdleExpiryPipelineResult",
    "ProactiveIdleExpiryPipelineStatus",
    "ProactiveIdleExpiryResult",
    "SessionMetrics",
    "TaskProgress",
    "proactive_idle_eligible",
    "run_proactive_idle_expiry",
]
