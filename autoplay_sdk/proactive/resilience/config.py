"""Resilience settings for proactive delivery: circuit breaker and rate limits (frozen values)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_MIN_INTERVAL_SECONDS",
    "CircuitBreakerConfig",
    "ProactiveRateLimitConfig",
    "ProactiveResilienceConfig",
]

DEFAULT_MIN_INTERVAL_SECONDS = 300.0
"""Default minimum time between two proactive messages to one session (5 minutes)."""


@dataclass(frozen=True, slots=True)
class CircuitBreakerConfig:
    """Open the circuit after ``failure_threshold`` consecutive counted failures, for ``pause_s`` seconds.

    ``disabled=True`` or a threshold ``<= 0`` turns the breaker off.
    """

    failure_threshold: int = 5
    pause_s: float = 120.0
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class ProactiveRateLimitConfig:
    """Proactive delivery limits; ``0`` turns a limit off.

    The values are plain settings: :class:`~autoplay_sdk.proactive.resilience.gate.ProactiveDeliveryGate`
    enforces them over a shared store, or a host may enforce them itself.
    """

    min_interval_seconds: float = DEFAULT_MIN_INTERVAL_SECONDS
    max_attempts_per_product_per_minute: int = 0
    max_per_session_per_hour: int = 0
    max_per_user_per_day: int = 0


@dataclass(frozen=True, slots=True)
class ProactiveResilienceConfig:
    """Everything about one delivery surface (e.g. ``"intercom"``): its circuit and its rates."""

    surface_id: str = "intercom"
    circuit: CircuitBreakerConfig = field(default_factory=CircuitBreakerConfig)
    rates: ProactiveRateLimitConfig = field(default_factory=ProactiveRateLimitConfig)
