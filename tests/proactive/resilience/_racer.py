"""A process that records one counted failure on a shared Redis at the same moment as its peers.

Kept apart from the test module so a spawned child imports only what it runs.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from autoplay_sdk.proactive.resilience import (
    CircuitBreakerConfig,
    ProactiveResilienceConfig,
    ProactiveResilienceKeySpace,
)
from autoplay_sdk.proactive.resilience.gate import ProactiveDeliveryGate
from autoplay_sdk.proactive.resilience.stores import RedisProactiveResilienceStore


class _Opened(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "event_type", None) == "proactive_circuit_opened":
            self.count += 1


def fail_once(url: str, product: str, threshold: int, barrier: Any, results: Any) -> None:
    """Wait for every peer, record one transport error, put ``(opened, warnings logged)`` on ``results``."""
    handler = _Opened()
    logging.getLogger("autoplay_sdk.proactive.resilience.gate").addHandler(handler)

    async def run() -> bool:
        async with RedisProactiveResilienceStore.from_url(url) as store:
            config = ProactiveResilienceConfig(circuit=CircuitBreakerConfig(failure_threshold=threshold, pause_s=600))
            gate = ProactiveDeliveryGate(store, config, ProactiveResilienceKeySpace(config.surface_id, product))
            await store.exists("warm-up")  # connect before the race, so the race is the failures
            barrier.wait(60)
            return await gate.record_outcome("transport_error")

    opened = asyncio.run(run())
    results.put((opened, handler.count))
