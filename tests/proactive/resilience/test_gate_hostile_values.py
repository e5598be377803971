"""The gate over a real redis-server whose keys hold hostile values: it fails closed, never raises."""

from __future__ import annotations

import logging
import uuid

import pytest
import redis.asyncio as aioredis

from autoplay_sdk.proactive.resilience import (
    CircuitBreakerConfig,
    ProactiveRateLimitConfig,
    ProactiveResilienceConfig,
    ProactiveResilienceKeySpace,
)
from autoplay_sdk.proactive.resilience.gate import (
    ProactiveDeliveryDecision,
    ProactiveDeliveryDenial,
    ProactiveDeliveryGate,
)
from autoplay_sdk.proactive.resilience.stores import RedisProactiveResilienceStore
from tests._hostile import HOSTILE, MARKER

T = 1_764_979_200.0
TABLE = {**HOSTILE, "a negative float": b"-1.5", "text": MARKER.encode()}


@pytest.mark.parametrize("value", list(TABLE.values()), ids=list(TABLE))
async def test_hostile_counters_fail_closed_and_log_no_content(
    redis_url: str, value: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    cfg = ProactiveResilienceConfig(
        circuit=CircuitBreakerConfig(failure_threshold=2, pause_s=60),
        rates=ProactiveRateLimitConfig(min_interval_seconds=0, max_attempts_per_product_per_minute=5),
    )
    keys = ProactiveResilienceKeySpace(cfg.surface_id, f"p-{uuid.uuid4().hex}")
    raw = aioredis.Redis.from_url(redis_url)
    async with RedisProactiveResilienceStore.from_url(redis_url) as store:
        gate = ProactiveDeliveryGate(store, cfg, keys)
        await raw.set(keys.attempts_per_minute_key(int(T // 60)), value)
        await raw.set(keys.fail_streak_key(), value)
        with caplog.at_level(logging.WARNING, logger="autoplay_sdk"):
            refused = ProactiveDeliveryDecision(False, ProactiveDeliveryDenial.STORE_UNAVAILABLE)
            assert await gate.check("s1", now=T) == refused
            assert await gate.acquire("s1", now=T) == refused
            assert await gate.record_outcome("timeout") is False
            assert await gate.is_circuit_open() is False  # the circuit key itself is untouched
        assert {getattr(r, "operation", None) for r in caplog.records} == {"check", "acquire", "record_outcome"}
        assert MARKER not in caplog.text
        assert await gate.reset_circuit() is True  # the operator's way out: the streak is forgotten
        assert await gate.record_outcome("timeout") is False
        assert await gate.record_outcome("timeout") is True
    await raw.delete(*(await raw.keys(f"v1:*:{keys.product_id}:*")))
    await raw.aclose()
