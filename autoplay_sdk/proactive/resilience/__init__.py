"""Resilience for proactive delivery: rate limits, a circuit breaker, and the store they share.

- :mod:`.config` - :class:`ProactiveResilienceConfig` (surface, :class:`CircuitBreakerConfig`,
  :class:`ProactiveRateLimitConfig`);
- :mod:`.keys` - :class:`ProactiveResilienceKeySpace`, the store keys one surface and product share;
- :mod:`.outcomes` - :class:`ProactiveDeliveryOutcome` and :func:`outcome_counts_toward_circuit`;
- :mod:`.protocol` - :class:`ProactiveResilienceStore`, a subset of Redis commands;
- :mod:`.circuit` - :class:`InMemoryProactiveCircuitBreaker`, per process.

Beyond these primitives, :mod:`.stores` provides ``RedisProactiveResilienceStore`` (extra
``redis``) and ``InMemoryProactiveResilienceStore``, and :mod:`.gate` provides
``ProactiveDeliveryGate``, which enforces a configuration over a store so that limits and the
circuit hold across processes.  Import those from their modules.
"""

from autoplay_sdk.proactive.resilience.resilience import (
    DEFAULT_MIN_INTERVAL_SECONDS,
    CircuitBreakerConfig,
    InMemoryProactiveCircuitBreaker,
    ProactiveDeliveryOutcome,
    ProactiveRateLimitConfig,
    ProactiveResilienceConfig,
    ProactiveResilienceKeySpace,
    ProactiveResilienceStore,
    ProactiveSurfaceId,
    outcome_counts_toward_circuit,
    proactive_key_namespace,
    proactive_key_suffixes,
)

__all__ = [
    "DEFAULT_MIN_INTERVAL_SECONDS",
    "CircuitBreakerConfig",
    "InMemoryProactiveCircuitBreaker",
    "ProactiveDeliveryOutcome",
    "ProactiveRateLimitConfig",
    "ProactiveResilienceConfig",
    "ProactiveResilienceKeySpace",
    "ProactiveResilienceStore",
    "ProactiveSurfaceId",
    "outcome_counts_toward_circuit",
    "proactive_key_namespace",
    "proactive_key_suffixes",
]
