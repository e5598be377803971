"""Resilience primitives: config defaults, exact keys, outcome classification, the in-memory breaker."""

from __future__ import annotations

import dataclasses
import time

import pytest

import autoplay_sdk.proactive.resilience as resilience
import autoplay_sdk.proactive.resilience.resilience as flat
from autoplay_sdk.proactive.resilience import (
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
from tests.agent_state.test_imports import RESILIENCE_ALL  # the published list, checked here too


def test_exports() -> None:
    assert resilience.__all__ == RESILIENCE_ALL
    assert sorted(flat.__all__) == sorted(RESILIENCE_ALL)
    for name in RESILIENCE_ALL:
        assert getattr(resilience, name) is getattr(flat, name)
    # that importing the package loads no redis is checked in a fresh process by tests/agent_state/test_imports.py


def test_config_defaults_and_frozen() -> None:
    assert DEFAULT_MIN_INTERVAL_SECONDS == 300.0
    config = ProactiveResilienceConfig()
    assert config == ProactiveResilienceConfig(
        "intercom", CircuitBreakerConfig(5, 120.0, False), ProactiveRateLimitConfig(300.0, 0, 0, 0)
    )
    for value, field in ((config, "surface_id"), (config.circuit, "pause_s"), (config.rates, "max_per_user_per_day")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, 1)
        assert not hasattr(value, "__dict__")  # slots


def test_keys() -> None:
    assert proactive_key_namespace() == "v1"
    assert ProactiveSurfaceId("intercom") == "intercom"
    keys = ProactiveResilienceKeySpace(" intercom ", "p1 ")
    assert keys.circuit_open_key() == "v1:intercom:p1:circuit_open"
    assert keys.fail_streak_key() == "v1:intercom:p1:fail_streak"
    assert keys.min_interval_key(" s1") == "v1:intercom:p1:min_interval:s1"
    assert keys.attempts_per_minute_key(29_000_000) == "v1:intercom:p1:attempts_min:29000000"
    assert keys.per_session_hour_key("s1", 1_700_000_000) == "v1:intercom:p1:sess_hour:s1:1700000000"
    assert keys.per_user_day_key(" u1 ", " 2026-12-06 ") == "v1:intercom:p1:user_day:u1:2026-12-06"
    assert ProactiveResilienceKeySpace(None, None).circuit_open_key() == "v1:::circuit_open"  # type: ignore[arg-type]
    assert proactive_key_suffixes(surface="intercom", product_id="p1", session_id="s1") == {
        "circuit_open": "v1:intercom:p1:circuit_open",
        "fail_streak": "v1:intercom:p1:fail_streak",
        "min_interval": "v1:intercom:p1:min_interval:s1",
    }


@pytest.mark.parametrize(
    ("outcome", "counts"),
    [
        (ProactiveDeliveryOutcome.SUCCESS, False),
        (ProactiveDeliveryOutcome.TRANSPORT_ERROR, True),
        (ProactiveDeliveryOutcome.RATE_LIMITED, True),
        (ProactiveDeliveryOutcome.TIMEOUT, True),
        (ProactiveDeliveryOutcome.CANCELLED, False),
        (ProactiveDeliveryOutcome.VALIDATION_ERROR, False),
        ("transport_error", True),
        ("rate_limited", True),
        ("timeout", True),
        ("TIMEOUT", False),
        ("success", False),
        (None, False),
        (["timeout"], False),
    ],
)
def test_outcome_classification(outcome: object, counts: bool) -> None:
    assert outcome_counts_toward_circuit(outcome) is counts  # type: ignore[arg-type]


def test_outcome_values() -> None:
    assert [(m.name, m.value) for m in ProactiveDeliveryOutcome] == [
        ("SUCCESS", "success"),
        ("TRANSPORT_ERROR", "transport_error"),
        ("RATE_LIMITED", "rate_limited"),
        ("TIMEOUT", "timeout"),
        ("CANCELLED", "cancelled"),
        ("VALIDATION_ERROR", "validation_error"),
    ]


class TestBreaker:
    def test_opens_at_the_threshold_and_closes_after_the_pause(self) -> None:
        breaker = InMemoryProactiveCircuitBreaker(CircuitBreakerConfig(failure_threshold=3, pause_s=10))
        assert [breaker.record_failure_opening_if_needed(now=100) for _ in range(3)] == [False, False, True]
        assert (breaker.fail_streak, breaker.circuit_open_until) == (0, 110.0)
        assert breaker.is_open(now=109.999) is True
        assert breaker.is_open(now=110) is False
        assert breaker.circuit_open_until is None

    def test_failures_while_open_count_and_extend(self) -> None:
        breaker = InMemoryProactiveCircuitBreaker(CircuitBreakerConfig(failure_threshold=2, pause_s=10))
        breaker.record_failure_opening_if_needed(now=0)
        assert breaker.record_failure_opening_if_needed(now=0) is True
        breaker.record_failure_opening_if_needed(now=5)
        assert breaker.record_failure_opening_if_needed(now=8) is True
        assert breaker.circuit_open_until == 18.0
        assert breaker.is_open(now=15)

    def test_success_resets(self) -> None:
        breaker = InMemoryProactiveCircuitBreaker(CircuitBreakerConfig(failure_threshold=2, pause_s=10))
        breaker.record_failure_opening_if_needed(now=0)
        breaker.record_success()
        assert breaker.record_failure_opening_if_needed(now=0) is False
        breaker.record_failure_opening_if_needed(now=0)
        assert breaker.is_open(now=1)
        breaker.record_success()
        assert breaker.is_open(now=1) is False and breaker.fail_streak == 0

    @pytest.mark.parametrize("config", [CircuitBreakerConfig(disabled=True), CircuitBreakerConfig(failure_threshold=0)])
    def test_off(self, config: CircuitBreakerConfig) -> None:
        breaker = InMemoryProactiveCircuitBreaker(config)
        assert not any(breaker.record_failure_opening_if_needed(now=0) for _ in range(10))
        assert breaker.fail_streak == 0 and not breaker.is_open(now=0)

    def test_negative_pause_opens_for_no_time(self) -> None:
        breaker = InMemoryProactiveCircuitBreaker(CircuitBreakerConfig(failure_threshold=1, pause_s=-5))
        assert breaker.record_failure_opening_if_needed(now=50) is True
        assert breaker.circuit_open_until == 50.0 and not breaker.is_open(now=50)

    def test_default_clock_is_monotonic_read_at_call_time(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(time, "monotonic", lambda: 500.0)
        breaker = InMemoryProactiveCircuitBreaker(CircuitBreakerConfig(failure_threshold=1, pause_s=10))
        breaker.record_failure_opening_if_needed()
        assert breaker.circuit_open_until == 510.0
        assert breaker.is_open()
        monkeypatch.setattr(time, "monotonic", lambda: 510.0)
        assert not breaker.is_open()

    def test_defaults(self) -> None:
        breaker = InMemoryProactiveCircuitBreaker()
        assert breaker == InMemoryProactiveCircuitBreaker(CircuitBreakerConfig(), 0, None)


class _Partial:
    async def exists(self, key: str) -> bool:
        return False


def test_store_protocol_is_runtime_checkable() -> None:
    assert not isinstance(_Partial(), ProactiveResilienceStore)
