"""End an idle proactive interaction: :func:`run_proactive_idle_expiry` (both session machines).

The pipeline lives with the machines it drives, in the agent-state package; this module is its
public import path under ``proactive``.
"""

from autoplay_sdk.agent_state._idle_expiry import (
    ProactiveIdleExpiryHooks,
    ProactiveIdleExpiryPipelineResult,
    ProactiveIdleExpiryPipelineStatus,
    ProactiveIdleExpiryResult,
    run_proactive_idle_expiry,
)

__all__ = [
    "ProactiveIdleExpiryHooks",
    "ProactiveIdleExpiryPipelineResult",
    "ProactiveIdleExpiryPipelineStatus",
    "ProactiveIdleExpiryResult",
    "run_proactive_idle_expiry",
]
