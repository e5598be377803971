"""The deprecated v1 session state machine (five states), kept for code written against it.

Use :mod:`autoplay_sdk.agent_state.v2` in new code.  :class:`AgentStateMachine` lives in
:mod:`.state_machine`, its value types in :mod:`.types`; :mod:`.states` gathers them with the
idle-expiry pipeline.  The old path ``autoplay_sdk.agent_states`` still imports, with a
``DeprecationWarning``, and gives these same objects.  Timestamps are ``time.time()`` readings.
"""

from autoplay_sdk.agent_state.v1.states import (
    AgentState,
    AgentStateMachine,
    InvalidSnapshotError,
    InvalidTransitionError,
    ProactiveIdleExpiryHooks,
    ProactiveIdleExpiryPipelineResult,
    ProactiveIdleExpiryPipelineStatus,
    ProactiveIdleExpiryResult,
    SessionMetrics,
    TaskProgress,
    proactive_idle_eligible,
    run_proactive_idle_expiry,
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
