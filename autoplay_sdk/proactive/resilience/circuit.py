"""A per-process circuit breaker for one delivery surface."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from autoplay_sdk.proactive.resilience.config import CircuitBreakerConfig

__all__ = ["InMemoryProactiveCircuitBreaker"]


def _t(now: float | None) -> float:
    return time.monotonic() if now is None else float(now)


@dataclass
class InMemoryProactiveCircuitBreaker:
    """Counts consecutive counted failures and opens for ``config.pause_s`` at the threshold.

    Every method takes the time as ``now`` (a ``time.monotonic()`` reading), read from the clock
    when omitted.  Failures recorded while open still count and can extend the pause.  Not
    thread-safe; for several processes use
    :class:`~autoplay_sdk.proactive.resilience.gate.ProactiveDeliveryGate` over a shared store.
    """

    config: CircuitBreakerConfig = field(default_factory=CircuitBreakerConfig)
    fail_streak: int = 0
    circuit_open_until: float | None = None

    def is_open(self, now: float | None = None) -> bool:
        """True while open; once the pause is over, closes (forgetting the open time) and returns False."""
        if self.circuit_open_until is None:
            return False
        if _t(now) < self.circuit_open_until:
            return True
        self.circuit_open_until = None
        return False

    def record_success(self) -> None:
        """A delivery succeeded: reset the streak and close the circuit."""
        self.fail_streak = 0
        self.circuit_open_until = None

    def record_failure_opening_if_needed(self, now: float | None = None) -> bool:
        """Count a failure; True when it opens (or re-opens) the circuit, which also resets the streak.

        Does nothing and returns False when the breaker is disabled or its threshold is ``<= 0``.
        """
        if self.config.disabled or self.config.failure_threshold <= 0:
            return False
        self.fail_streak += 1
        if self.fail_streak < self.config.failure_threshold:
            return False
        self.circuit_open_until = _t(now) + max(0.0, float(self.config.pause_s))
        self.fail_streak = 0
        return True
