"""Store backends for the resilience tests: in memory (on a movable clock) and a real Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from autoplay_sdk.proactive.resilience.stores import InMemoryProactiveResilienceStore, RedisProactiveResilienceStore
from tests.agent_state.support import FakeClock, clock

__all__ = ["Backend", "backend", "clock"]


@dataclass
class Backend:
    """A store, a unique key prefix, and a way to let ``seconds`` pass for its TTLs."""

    name: str
    store: InMemoryProactiveResilienceStore | RedisProactiveResilienceStore
    prefix: str
    elapse: Callable[[float], Awaitable[None]]

    def key(self, name: str) -> str:
        return f"{self.prefix}:{name}"


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    prefix = f"test:{uuid.uuid4().hex}"
    if request.param == "memory":
        fake: FakeClock = request.getfixturevalue("clock")

        async def advance(seconds: float) -> None:
            fake.advance(seconds)

        yield Backend("memory", InMemoryProactiveResilienceStore(), prefix, advance)
        return
    store = RedisProactiveResilienceStore.from_url(request.getfixturevalue("redis_url"))

    async def wait(seconds: float) -> None:
        # Real TTLs need real time; Redis expires a key on the first access after its deadline.
        await asyncio.sleep(seconds + 0.02)

    try:
        yield Backend("redis", store, prefix, wait)
    finally:
        await store.aclose()
