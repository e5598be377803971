"""``ProactiveDeliveryGate``: every limit, the circuit, store failures, and two gates on one Redis."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.proactive.resilience import (
    CircuitBreakerConfig,
    ProactiveDeliveryOutcome,
    ProactiveRateLimitConfig,
    ProactiveResilienceConfig,
    ProactiveResilienceKeySpace,
)
from autoplay_sdk.proactive.resilience.gate import (
    ProactiveDeliveryDecision,
    ProactiveDeliveryDenial,
    ProactiveDeliveryGate,
)
from autoplay_sdk.proactive.resilience.stores import InMemoryProactiveResilienceStore, RedisProactiveResilienceStore
from tests.agent_state.support import FakeClock
from tests.conftest import _free_port

D = ProactiveDeliveryDenial
T = 1_764_979_200.0  # 2025-12-06T00:00:00Z, the start of a UTC day, hour and minute
LOGGER = "autoplay_sdk.proactive.resilience.gate"


def config(
    *,
    interval: float = 0,
    per_minute: int = 0,
    per_hour: int = 0,
    per_day: int = 0,
    threshold: int = 3,
    pause: float = 30,
) -> ProactiveResilienceConfig:
    return ProactiveResilienceConfig(
        circuit=CircuitBreakerConfig(failure_threshold=threshold, pause_s=pause),
        rates=ProactiveRateLimitConfig(interval, per_minute, per_hour, per_day),
    )


def gate(cfg: ProactiveResilienceConfig, store: object | None = None, product: str = "p1") -> ProactiveDeliveryGate:
    return ProactiveDeliveryGate(
        store or InMemoryProactiveResilienceStore(),  # type: ignore[arg-type]
        cfg,
        ProactiveResilienceKeySpace(cfg.surface_id, product),
    )


async def test_defaults_allow_one_message_per_session_per_five_minutes(clock: FakeClock) -> None:
    g = gate(ProactiveResilienceConfig())
    assert await g.check("s1") == ProactiveDeliveryDecision(True)
    assert await g.acquire("s1")
    assert await g.acquire("s1") == ProactiveDeliveryDecision(False, D.MIN_INTERVAL)
    assert await g.acquire("s2")
    clock.advance(299.9)
    assert not await g.check("s1")
    clock.advance(0.1)
    assert await g.acquire("s1")


async def test_check_claims_nothing() -> None:
    g = gate(config(interval=60, per_minute=1))
    for _ in range(3):
        assert await g.check("s1", now=T)
    assert await g.acquire("s1", now=T)


async def test_product_attempts_per_minute() -> None:
    g = gate(config(per_minute=2))
    assert [bool(await g.acquire(f"s{i}", now=T + i)) for i in range(3)] == [True, True, False]
    refused = await g.check("s9", now=T + 20)
    assert refused == ProactiveDeliveryDecision(False, D.PRODUCT_PER_MINUTE, 40.0)
    assert await g.acquire("s9", now=T + 60)  # the next minute


async def test_session_per_hour_and_user_per_day() -> None:
    g = gate(config(per_hour=2, per_day=3))
    assert await g.acquire("s1", user_id="u1", now=T)
    assert await g.acquire("s1", user_id="u1", now=T + 10)
    assert await g.acquire("s1", user_id="u1", now=T + 20) == ProactiveDeliveryDecision(
        False, D.SESSION_PER_HOUR, 3580.0
    )
    assert await g.acquire("s2", user_id="u1", now=T + 30)
    assert await g.acquire("s3", user_id="u1", now=T + 40) == ProactiveDeliveryDecision(False, D.USER_PER_DAY, 86360.0)
    assert await g.acquire("s3", user_id="u2", now=T + 40)
    assert await g.acquire("s3", now=T + 50)  # no user id: the daily limit does not apply
    assert await g.acquire("s1", user_id="u9", now=T + 3600)  # the next hour
    assert await g.acquire("s4", user_id="u1", now=T + 86400)  # the next day


async def test_a_refused_claim_releases_the_sessions_interval() -> None:
    g = gate(config(interval=600, per_minute=1))
    assert await g.acquire("s1", now=T)
    assert await g.acquire("s2", now=T + 1) == ProactiveDeliveryDecision(False, D.PRODUCT_PER_MINUTE, 59.0)
    assert await g.acquire("s2", now=T + 61)  # s2's interval was not started by the refusal


async def test_checks_in_order_circuit_first() -> None:
    g = gate(config(interval=600, per_minute=1, threshold=1))
    assert await g.acquire("s1", now=T)
    assert await g.record_outcome(ProactiveDeliveryOutcome.TIMEOUT) is True
    assert await g.check("s1", now=T) == ProactiveDeliveryDecision(False, D.CIRCUIT_OPEN)
    await g.reset_circuit()
    assert await g.check("s1", now=T) == ProactiveDeliveryDecision(False, D.MIN_INTERVAL)
    assert await g.check("s2", now=T) == ProactiveDeliveryDecision(False, D.PRODUCT_PER_MINUTE, 60.0)


class TestCircuit:
    async def test_consecutive_counted_failures_open_it_for_the_pause(
        self, clock: FakeClock, caplog: pytest.LogCaptureFixture
    ) -> None:
        g = gate(config(threshold=3, pause=30))
        caplog.set_level(logging.WARNING, logger=LOGGER)
        assert await g.record_outcome("transport_error") is False
        assert await g.record_outcome(ProactiveDeliveryOutcome.RATE_LIMITED) is False
        assert await g.record_outcome(ProactiveDeliveryOutcome.TIMEOUT) is True
        assert await g.is_circuit_open()
        assert await g.acquire("s1") == ProactiveDeliveryDecision(False, D.CIRCUIT_OPEN)
        [record] = caplog.records
        assert record.event_type == "proactive_circuit_opened" and record.pause_s == 30.0  # type: ignore[attr-defined]
        clock.advance(30)
        assert not await g.is_circuit_open()
        assert await g.acquire("s1")

    async def test_success_resets_and_other_outcomes_do_not_count(self) -> None:
        g = gate(config(threshold=2))
        await g.record_outcome("timeout")
        await g.record_outcome(ProactiveDeliveryOutcome.SUCCESS)
        assert await g.record_outcome("timeout") is False
        for outcome in (ProactiveDeliveryOutcome.CANCELLED, ProactiveDeliveryOutcome.VALIDATION_ERROR, "odd"):
            assert await g.record_outcome(outcome) is False
        assert await g.record_outcome("timeout") is True

    async def test_failures_while_open_extend_it(self, clock: FakeClock) -> None:
        g = gate(config(threshold=1, pause=30))
        assert await g.record_outcome("timeout") is True
        clock.advance(20)
        assert await g.record_outcome("timeout") is False  # restarts the pause; not a new opening
        clock.advance(20)
        assert await g.is_circuit_open()
        clock.advance(10)
        assert not await g.is_circuit_open()

    @pytest.mark.parametrize(
        "breaker", [CircuitBreakerConfig(disabled=True), CircuitBreakerConfig(failure_threshold=0)]
    )
    async def test_off(self, breaker: CircuitBreakerConfig) -> None:
        g = gate(ProactiveResilienceConfig(circuit=breaker, rates=ProactiveRateLimitConfig(0)))
        assert not any([await g.record_outcome("timeout") for _ in range(10)])
        assert await g.acquire("s1")


class TestFaults:
    async def test_unreachable_redis_fails_closed(self, caplog: pytest.LogCaptureFixture) -> None:
        caplog.set_level(logging.WARNING, logger=LOGGER)
        async with RedisProactiveResilienceStore.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1) as store:
            g = gate(ProactiveResilienceConfig(), store)
            assert await g.acquire("s1") == ProactiveDeliveryDecision(False, D.STORE_UNAVAILABLE)
            assert await g.check("s1") == ProactiveDeliveryDecision(False, D.STORE_UNAVAILABLE)
            assert await g.record_outcome("timeout") is False
        assert [r.operation for r in caplog.records] == ["acquire", "check", "record_outcome"]  # type: ignore[attr-defined]
        assert all(r.error_type == "ConnectionError" for r in caplog.records)  # type: ignore[attr-defined]
        assert all("127.0.0.1" not in r.getMessage() for r in caplog.records)

    async def test_redis_going_away_mid_use_fails_closed_then_recovers(self, tmp_path: Path, redis_server: str) -> None:
        binary = redis_server
        port = _free_port()
        command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)]

        def start() -> subprocess.Popen[bytes]:
            proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(500):  # a process start has no event to wait on: poll, bounded
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                    return proc
                time.sleep(0.01)
            proc.kill()
            pytest.fail("redis-server did not start")

        proc = start()
        try:
            async with RedisProactiveResilienceStore.from_url(f"redis://127.0.0.1:{port}/0") as store:
                g = gate(ProactiveResilienceConfig(), store)
                assert await g.acquire("s1")
                proc.terminate()
                proc.wait(10)
                assert await g.acquire("s2") == ProactiveDeliveryDecision(False, D.STORE_UNAVAILABLE)
                proc = start()  # back, empty: the gate works again without being rebuilt
                assert await g.acquire("s2")
        finally:
            proc.terminate()
            proc.wait(10)

    async def test_garbage_in_a_counter_fails_closed(self) -> None:
        store = InMemoryProactiveResilienceStore()
        g = gate(config(per_minute=5), store)
        await store.setex(g.keys.attempts_per_minute_key(int(T // 60)), 60, "garbage")
        assert await g.acquire("s1", now=T) == ProactiveDeliveryDecision(False, D.STORE_UNAVAILABLE)

    async def test_a_minimal_store_without_the_atomic_counter_works(self) -> None:
        class Minimal:
            def __init__(self) -> None:
                self.inner = InMemoryProactiveResilienceStore()
                self.exists, self.get, self.setex = self.inner.exists, self.inner.get, self.inner.setex
                self.incr, self.delete, self.expire = self.inner.incr, self.inner.delete, self.inner.expire

        store = Minimal()
        g = gate(config(interval=60, per_minute=1), store)
        assert await g.acquire("s1", now=T)
        assert not await g.acquire("s1", now=T)
        assert await store.inner.exists(g.keys.attempts_per_minute_key(int(T // 60)))

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"keys": ProactiveResilienceKeySpace("intercom", " ")}, "keys: ProactiveResilienceKeySpace.product_id"),
            ({"keys": ProactiveResilienceKeySpace("slack", "p1")}, "keys: surface 'slack' does not match"),
            (
                {"config": ProactiveResilienceConfig(rates=ProactiveRateLimitConfig(max_per_user_per_day=-1))},
                "config.rates.max_per_user_per_day must be >= 0",
            ),
        ],
    )
    def test_bad_configuration_names_the_parameter(self, kwargs: dict[str, object], message: str) -> None:
        args: dict[str, object] = {
            "store": InMemoryProactiveResilienceStore(),
            "config": ProactiveResilienceConfig(),
            "keys": ProactiveResilienceKeySpace("intercom", "p1"),
            **kwargs,
        }
        with pytest.raises(SdkConfigError, match=message):
            ProactiveDeliveryGate(**args)  # type: ignore[arg-type]


class TestTwoGatesOneRedis:
    """Two gates (as two processes would) over one real Redis: the limits hold across both."""

    @pytest.fixture
    async def pair(self, redis_url: str) -> tuple[ProactiveDeliveryGate, ProactiveDeliveryGate]:
        return (
            gate(config(interval=300, per_minute=5, per_hour=2, threshold=3), product=self.product, store=self.a),
            gate(config(interval=300, per_minute=5, per_hour=2, threshold=3), product=self.product, store=self.b),
        )

    @pytest.fixture(autouse=True)
    async def stores(self, redis_url: str):  # type: ignore[no-untyped-def]
        self.product = f"p-{uuid.uuid4().hex}"
        self.a = RedisProactiveResilienceStore.from_url(redis_url)
        self.b = RedisProactiveResilienceStore.from_url(redis_url)
        yield
        await self.a.aclose()
        await self.b.aclose()

    async def test_one_message_per_session_under_concurrency(
        self, pair: tuple[ProactiveDeliveryGate, ProactiveDeliveryGate]
    ) -> None:
        a, b = pair
        results = await asyncio.gather(*[(a if i % 2 else b).acquire("s1", now=T) for i in range(20)])
        assert sum(map(bool, results)) == 1
        assert {r.reason for r in results if not r} == {D.MIN_INTERVAL}

    async def test_product_minute_limit_across_gates(
        self, pair: tuple[ProactiveDeliveryGate, ProactiveDeliveryGate]
    ) -> None:
        a, b = pair
        results = await asyncio.gather(*[(a if i % 2 else b).acquire(f"s{i}", now=T) for i in range(16)])
        assert sum(map(bool, results)) == 5
        assert {r.reason for r in results if not r} == {D.PRODUCT_PER_MINUTE}
        # refused sessions were not blocked by the min interval they never used
        assert await a.acquire(next(f"s{i}" for i, r in enumerate(results) if not r), now=T + 60)

    async def test_session_hour_limit_across_gates(self) -> None:
        # no min interval here: it is a store TTL in real time, while `now` moves only the windows
        a = gate(config(per_hour=2), product=self.product, store=self.a)
        b = gate(config(per_hour=2), product=self.product, store=self.b)
        assert await a.acquire("s1", now=T)
        assert await b.acquire("s1", now=T + 300)
        assert await a.acquire("s1", now=T + 600) == ProactiveDeliveryDecision(False, D.SESSION_PER_HOUR, 3000.0)

    async def test_failures_in_one_process_open_the_circuit_for_both(
        self, pair: tuple[ProactiveDeliveryGate, ProactiveDeliveryGate]
    ) -> None:
        a, b = pair
        await a.record_outcome("timeout")
        await b.record_outcome("transport_error")
        assert await a.record_outcome("rate_limited") is True
        assert await b.check("s1", now=T) == ProactiveDeliveryDecision(False, D.CIRCUIT_OPEN)
        await b.reset_circuit()
        assert await a.check("s1", now=T)
