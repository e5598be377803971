"""Throughput and memory of the proactive copilot: ``uv run python benchmarks/proactive_copilot.py``.

Builds 50,000 ``ActionsPayload`` (1-5 actions each) over 2,000 sessions of one product, each
session a random walk over 12 pages, with ``forwarded_at`` one second apart per session, then
feeds them, in order, to an ``AsyncProactiveCopilot`` with the default registry (every built-in
trigger) and ``section_playbook_extra`` (so all three triggers really run), with no judge and an
``on_proactive`` that does nothing.  A delivery gate refuses every offer, so every session stays
THINKING and every payload runs the whole pipeline (context, three triggers, gate): the worst
case.  Reports payloads/s, outcomes, and peak memory (tracemalloc, started after the payloads
were built).  A second pass times ``parse_llm_judge_json`` on fenced model replies.

Timings are the best of ``--repeat`` runs; the machine may be shared, so also compare the CPU
time of the process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import tracemalloc

from autoplay_sdk.core.models import ActionsPayload, SlimAction
from autoplay_sdk.proactive.copilot import AsyncProactiveCopilot, section_playbook_extra
from autoplay_sdk.proactive.triggers import parse_llm_judge_json

PAGES = [f"https://app.example/p{i}" for i in range(12)]
RULES = [
    {"prefix": "https://app.example/p1", "section_id": "s1"},
    {"prefix": "https://app.example/p2", "section_id": "s2"},
]
PLAYBOOK = {"s1": "Need a hand with section one?"}


def build(n_payloads: int, n_sessions: int, seed: int = 1) -> list[ActionsPayload]:
    rng = random.Random(seed)
    clock = {f"s{i}": 1_700_000_000.0 + rng.random() for i in range(n_sessions)}
    out = []
    for _ in range(n_payloads):
        sid = f"s{rng.randrange(n_sessions)}"
        t = clock[sid] = clock[sid] + 1.0
        actions = [
            SlimAction(
                title="t",
                description="d",
                canonical_url=rng.choice(PAGES),
                index=i,
                timestamp_start=t - 1 + i * 0.1,
                timestamp_end=t - 0.9 + i * 0.1,
            )
            for i in range(rng.randint(1, 5))
        ]
        out.append(ActionsPayload("prod", sid, None, None, actions, len(actions), t))
    return out


class RefuseAll:
    async def acquire(self, session_id: str, *, user_id: str | None = None) -> bool:
        return False

    async def record_outcome(self, outcome: str) -> None:
        return None


async def feed(payloads: list[ActionsPayload]) -> tuple[float, float, dict[str, int]]:
    copilot = AsyncProactiveCopilot(
        lambda session_id, result: None,
        gate=RefuseAll(),
        context_extra=section_playbook_extra(rules=RULES, playbook=PLAYBOOK),
    )
    wall, cpu = time.perf_counter(), time.process_time()
    for p in payloads:
        await copilot.on_actions(p)
    return time.perf_counter() - wall, time.process_time() - cpu, copilot.counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payloads", type=int, default=50_000)
    parser.add_argument("--sessions", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    payloads = build(args.payloads, args.sessions)
    best = None
    for _ in range(args.repeat):
        run = asyncio.run(feed(payloads))
        best = run if best is None or run[0] < best[0] else best
    assert best is not None
    wall, cpu, counts = best
    print(
        f"copilot: {args.payloads / wall:,.0f} payloads/s wall ({args.payloads / cpu:,.0f}/s per CPU-second), "
        f"outcomes {dict(sorted(counts.items()))}"
    )
    tracemalloc.start()
    asyncio.run(feed(payloads))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"copilot: peak memory {peak / 1e6:.1f} MB for {args.sessions} sessions")

    verdict = json.dumps(
        {
            "send": True,
            "proactive_valid_timing": True,
            "short_user_message": "Need help?",
            "reasoning": "x" * 200,
            "proactive_intent": "assist",
        }
    )
    replies = [f"```json\n{verdict}\n```", verdict, "not json at all"] * 20_000
    t = time.perf_counter()
    for r in replies:
        parse_llm_judge_json(r)
    print(f"parse_llm_judge_json: {len(replies) / (time.perf_counter() - t):,.0f} replies/s")


if __name__ == "__main__":
    main()
