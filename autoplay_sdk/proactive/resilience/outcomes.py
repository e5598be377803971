"""Delivery outcomes, and which of them count toward opening the circuit."""

from __future__ import annotations

from enum import Enum

__all__ = ["ProactiveDeliveryOutcome", "outcome_counts_toward_circuit"]


class ProactiveDeliveryOutcome(str, Enum):
    """How one proactive delivery attempt ended."""

    SUCCESS = "success"
    TRANSPORT_ERROR = "transport_error"
    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    VALIDATION_ERROR = "validation_error"


# A tuple, not a set: membership must use ``==`` so that equal plain strings match (an Enum member
# hashes by its name, not its value).
_COUNTED = (
    ProactiveDeliveryOutcome.TRANSPORT_ERROR,
    ProactiveDeliveryOutcome.RATE_LIMITED,
    ProactiveDeliveryOutcome.TIMEOUT,
)


def outcome_counts_toward_circuit(outcome: ProactiveDeliveryOutcome | str) -> bool:
    """True for failures of the surface itself: transport errors, rate limiting and timeouts.

    Equal plain strings (``"timeout"``) match too; anything else is False.
    """
    return outcome in _COUNTED
