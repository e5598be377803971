"""Every public name of the resilience primitives, in one module."""

from autoplay_sdk.proactive.resilience.circuit import InMemoryProactiveCircuitBreaker
from autoplay_sdk.proactive.resilience.config import (
    DEFAULT_MIN_INTERVAL_SECONDS,
    CircuitBreakerConfig,
    ProactiveRateLimitConfig,
    ProactiveResilienceConfig,
)
from autoplay_sdk.proactive.resilience.keys import (
    ProactiveResilienceKeySpace,
    ProactiveSurfaceId,
    proactive_key_namespace,
    proactive_key_suffixes,
)
from autoplay_sdk.proactive.resilience.outcomes import ProactiveDeliveryOutcome, outcome_counts_toward_circuit
from autoplay_sdk.proactive.resilience.protocol import ProactiveResilienceStore

__all__ = [  # noqa: RUF022 — grouped by module
    "CircuitBreakerConfig",
    "DEFAULT_MIN_INTERVAL_SECONDS",
    "ProactiveRateLimitConfig",
    "ProactiveResilienceConfig",
    "ProactiveResilienceKeySpace",
    "ProactiveSurfaceId",
    "proactive_key_namespace",
    "proactive_key_suffixes",
    "ProactiveDeliveryOutcome",
    "outcome_counts_toward_circuit",
    "ProactiveResilienceStore",
    "InMemoryProactiveCircuitBreaker",
]
