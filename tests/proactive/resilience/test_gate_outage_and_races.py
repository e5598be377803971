"""The gate while Redis is down, under failures racing across processes, and the in-flight bound."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
from autoplay_sdk.proactive.resilience.stores import InMemoryProactiveResilienceStore, RedisProactiveResilienceStore
from tests.buffer._helpers import RedisProcess
from tests.proactive.resilience import _racer

D = ProactiveDeliveryDenial
LOGGER = "autoplay_sdk.proactive.resilience.gate"


@pytest.fixture
def redis_process(redis_url: str, tmp_path: Path) -> Iterator[RedisProcess]:
    """A redis-server of this test's own, which it stops mid-test (``redis_url`` first, for the skip rules)."""
    server = RedisProcess(tmp_path).start()
    try:
        yield server
    finally:
        server.kill()


def _config(threshold: int, pause: float = 600.0) -> ProactiveResilienceConfig:
    return ProactiveResilienceConfig(
        circuit=CircuitBreakerConfig(failure_threshold=threshold, pause_s=pause),
        rates=ProactiveRateLimitConfig(min_interval_seconds=0),
    )


def _gate(store: object, cfg: ProactiveResilienceConfig, product: str = "p1") -> ProactiveDeliveryGate:
    return ProactiveDeliveryGate(store, cfg, ProactiveResilienceKeySpace(cfg.surface_id, product))  # type: ignore[arg-type]


class TestOutage:
    async def test_every_public_call_follows_the_failure_policy_when_redis_stops_mid_test(
        self, redis_process: RedisProcess, caplog: pytest.LogCaptureFixture
    ) -> None:
        caplog.set_level(logging.WARNING, logger=LOGGER)
        async with RedisProactiveResilienceStore.from_url(redis_process.url) as store:
            g = _gate(store, _config(threshold=2))
            assert not await g.is_circuit_open()
            await g.record_outcome("timeout")
            assert await g.record_outcome("timeout") is True
            assert await g.is_circuit_open()
            assert await g.reset_circuit() is True
            assert not await g.is_circuit_open()
            caplog.clear()

            redis_process.kill()
            assert await g.is_circuit_open() is True  # fail closed, no raw ConnectionError
            assert await g.reset_circuit() is False
            assert await g.check("s1") == ProactiveDeliveryDecision(False, D.STORE_UNAVAILABLE)
            assert await g.acquire("s1") == ProactiveDeliveryDecision(False, D.STORE_UNAVAILABLE)
            assert await g.record_outcome("timeout") is False
            ops = [getattr(r, "operation", None) for r in caplog.records]
            assert ops == ["is_circuit_open", "reset_circuit", "check", "acquire", "record_outcome"]
            assert {getattr(r, "error_type", None) for r in caplog.records} == {"ConnectionError"}
            assert all(str(redis_process.port) not in r.getMessage() for r in caplog.records)

            redis_process.start()  # back (empty): the same gate works again
            assert await g.is_circuit_open() is False
            assert await g.acquire("s1")

    async def test_a_disabled_breaker_never_touches_the_store(self, redis_process: RedisProcess) -> None:
        async with RedisProactiveResilienceStore.from_url(redis_process.url) as store:
            g = _gate(store, _config(threshold=0))
            redis_process.kill()
            assert await g.is_circuit_open() is False


@pytest.mark.parametrize("threshold", [1, 3])
def test_sixteen_processes_failing_at_once_report_one_opening(redis_url: str, threshold: int) -> None:
    # forkserver: one clean single-threaded server imports the worker once, then forks each child
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([_racer.__name__, "redis.asyncio"])
    n = 16
    barrier = ctx.Barrier(n)
    results = ctx.Queue()
    product = f"race-{uuid.uuid4().hex}"
    procs = [
        ctx.Process(target=_racer.fail_once, args=(redis_url, product, threshold, barrier, results)) for _ in range(n)
    ]
    for p in procs:
        p.start()
    try:
        outcomes = [results.get(timeout=120) for _ in range(n)]
    finally:
        for p in procs:
            p.join(30)
    assert all(p.exitcode == 0 for p in procs)
    assert sum(opened for opened, _ in outcomes) == 1
    assert sum(logged for _, logged in outcomes) == 1

    async def still_open() -> bool:
        async with RedisProactiveResilienceStore.from_url(redis_url) as store:
            return await _gate(store, _config(threshold), product).is_circuit_open()

    assert asyncio.run(still_open())


async def test_failures_racing_in_one_process_report_one_opening(redis_url: str) -> None:
    async with RedisProactiveResilienceStore.from_url(redis_url) as store:
        gates = [_gate(store, _config(threshold=2), product=f"p-{uuid.uuid4().hex}")] * 12
        opened = await asyncio.gather(*(g.record_outcome("transport_error") for g in gates))
    assert opened.count(True) == 1


class TestInFlightBound:
    async def test_deliveries_acquired_before_the_opening_are_the_only_extra_failures(self, redis_url: str) -> None:
        """Threshold 2, three deliveries acquired at once: all three may fail, the next is refused."""
        async with RedisProactiveResilienceStore.from_url(redis_url) as store:
            g = _gate(store, _config(threshold=2), product=f"p-{uuid.uuid4().hex}")
            in_flight = await asyncio.gather(*(g.acquire(f"s{i}") for i in range(3)))
            assert all(in_flight)
            opened = [await g.record_outcome("transport_error") for _ in in_flight]
            assert opened == [False, True, False]
            assert await g.acquire("s-late") == ProactiveDeliveryDecision(False, D.CIRCUIT_OPEN)

    @settings(max_examples=150, deadline=None)
    @given(threshold=st.integers(1, 5), steps=st.lists(st.sampled_from("aaff"), min_size=1, max_size=40))
    def test_failed_deliveries_never_exceed_threshold_plus_in_flight(self, threshold: int, steps: list[str]) -> None:
        """``a`` starts a delivery (acquire), ``f`` ends the oldest in flight with a counted failure."""

        async def run() -> None:
            g = _gate(InMemoryProactiveResilienceStore(), _config(threshold))
            in_flight: list[int] = []
            failed = started = openings = 0
            bound: int | None = None
            for step in steps:
                if step == "a":
                    decision = await g.acquire(f"s{started}")
                    started += 1
                    assert bool(decision) is (bound is None)  # nothing starts once the circuit is open
                    if decision:
                        in_flight.append(started)
                elif in_flight:
                    in_flight.pop(0)
                    failed += 1
                    if await g.record_outcome("transport_error"):
                        openings += 1
                        bound = threshold + len(in_flight)
                    assert failed <= (bound if bound is not None else threshold - 1)
            assert openings == (1 if bound is not None else 0)

        asyncio.run(run())
