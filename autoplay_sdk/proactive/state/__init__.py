"""Proactive state orchestration: ending an idle proactive interaction, with its chat thread.

:func:`run_proactive_idle_expiry` works with both session machines (v2 ``SessionState`` and the
deprecated v1 ``AgentStateMachine``).
"""

from autoplay_sdk.proactive.state.idle_expiry import (
    ProactiveIdleExpiryHooks,
    ProactiveIdleExpiryPipelineResult,
    ProactiveIdleExpiryPipelineStatus,
    ProactiveIdleExpiryResult,
    run_proactive_idle_expiry,
)

__all__ = [  # noqa: RUF022 — the published order
    "ProactiveIdleExpiryHooks",
    "ProactiveIdleExpiryResult",
    "ProactiveIdleExpiryPipelineResult",
    "ProactiveIdleExpiryPipelineStatus",
    "run_proactive_idle_expiry",
]
