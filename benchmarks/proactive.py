"""Cost of the session state machines and the delivery gate: ``uv run python benchmarks/proactive.py``.

Measures, best of ``--repeat`` runs (other processes share the machine):

- v2 ``SessionState``: one inbound message (``record_user_interaction`` + ``tick``), one full
  cycle (THINKING -> PROACTIVE -> idle timeout -> cooldown over), and a ``to_dict``/``from_dict``
  round trip;
- v1 ``AgentStateMachine``: one cycle (PROACTIVE -> CONSERVATIVE -> THINKING) and a
  ``to_snapshot``/``from_snapshot`` round trip;
- ``ProactiveDeliveryGate.acquire`` with every limit on, over the in-memory store, and over Redis
  when ``--redis-url`` is given (one at a time, and 100 concurrent calls at once).

Prints operations per second; there are no targets.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable

from autoplay_sdk.agent_state.v1 import AgentState, AgentStateMachine
from autoplay_sdk.agent_state.v2 import SessionState
from autoplay_sdk.proactive.resilience import (
    ProactiveRateLimitConfig,
    ProactiveResilienceConfig,
    ProactiveResilienceKeySpace,
)
from autoplay_sdk.proactive.resilience.gate import ProactiveDeliveryGate
from autoplay_sdk.proactive.resilience.stores import InMemoryProactiveResilienceStore, RedisProactiveResilienceStore


def best_rate(fn: Callable[[], None], n: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, time.perf_counter() - start)
    return n / best


async def best_rate_async(fn: Callable[[int], Awaitable[object]], n: int, repeat: int, batch: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for i in range(0, n, batch):
            if batch == 1:
                await fn(i)
            else:
                await asyncio.gather(*(fn(i + j) for j in range(batch)))
        best = min(best, time.perf_counter() - start)
    return n / best


def v2_cycle() -> None:
    session = SessionState(interaction_timeout_s=0.0, cooldown_period_s=0.0)
    session.transition_to_proactive("t")
    session.last_interaction_at -= 1.0
    session.tick()
    session.transition_to_proactive("t")


def v1_cycle() -> None:
    sm = AgentStateMachine()
    sm.transition_to(AgentState.PROACTIVE_ASSISTANCE)
    sm.transition_to(AgentState.CONSERVATIVE_ASSISTANCE)
    sm.transition_to(AgentState.THINKING)


def gate_for(store: object) -> ProactiveDeliveryGate:
    rates = ProactiveRateLimitConfig(60.0, 10**9, 10**9, 10**9)
    return ProactiveDeliveryGate(
        store,  # type: ignore[arg-type]
        ProactiveResilienceConfig(rates=rates),
        ProactiveResilienceKeySpace("intercom", f"bench-{uuid.uuid4().hex[:8]}"),
    )


async def gates(args: argparse.Namespace) -> list[tuple[str, float]]:
    rows = []
    memory = gate_for(InMemoryProactiveResilienceStore())
    rows.append(
        (
            "gate.acquire, in-memory store",
            await best_rate_async(lambda i: memory.acquire(f"s{i}", user_id=f"u{i % 50}"), args.n_gate, args.repeat),
        )
    )
    if args.redis_url:
        async with RedisProactiveResilienceStore.from_url(args.redis_url) as store:
            for batch in (1, 100):
                gate = gate_for(store)
                rate = await best_rate_async(
                    lambda i, g=gate: g.acquire(f"s{i}", user_id=f"u{i % 50}"), args.n_redis, args.repeat, batch
                )
                rows.append((f"gate.acquire, Redis, {batch} concurrent", rate))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--n", type=int, default=50_000, help="state-machine operations per run")
    parser.add_argument("--n-gate", type=int, default=20_000, help="in-memory gate calls per run")
    parser.add_argument("--n-redis", type=int, default=2_000, help="Redis gate calls per run")
    parser.add_argument("--redis-url", help="also measure the gate over this Redis")
    args = parser.parse_args()

    session = SessionState(interaction_timeout_s=3600.0)
    session.transition_to_reactive()
    sm = AgentStateMachine()
    sm.start_task("f1", "Flow", 5)
    assert SessionState.from_dict(session.to_dict()) == session
    assert AgentStateMachine.from_snapshot(sm.to_snapshot()).to_snapshot() == sm.to_snapshot()

    def on_message() -> None:
        session.record_user_interaction()
        session.tick()

    rows = [
        ("v2 message (record_user_interaction + tick)", best_rate(on_message, args.n, args.repeat)),
        ("v2 cycle (proactive, timeout, cooldown over)", best_rate(v2_cycle, args.n, args.repeat)),
        ("v2 to_dict + from_dict", best_rate(lambda: SessionState.from_dict(session.to_dict()), args.n, args.repeat)),
        ("v1 cycle (proactive, conservative, thinking)", best_rate(v1_cycle, args.n, args.repeat)),
        (
            "v1 to_snapshot + from_snapshot",
            best_rate(lambda: AgentStateMachine.from_snapshot(sm.to_snapshot()), args.n // 5, args.repeat),
        ),
    ]
    rows += asyncio.run(gates(args))
    width = max(len(name) for name, _ in rows)
    for name, rate in rows:
        print(f"{name:<{width}}  {rate:>12,.0f} ops/s")


if __name__ == "__main__":
    main()
