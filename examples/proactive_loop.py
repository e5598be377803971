"""A proactive copilot loop: one v2 SessionState per session, guarded by a ProactiveDeliveryGate.

For each live ``actions`` payload the loop ticks the session's state machine.  Once a session has
done ``--actions`` things, it asks the machine (is the session THINKING, with no cooldown?) and
the gate (circuit, min interval, rate limits) whether a proactive message may open, and "sends"
one through a stand-in chat surface.  Some users answer; the others stay silent, and after the
idle timeout ``run_proactive_idle_expiry`` deletes their chat thread and moves them back to
THINKING, where a cooldown blocks the next proactive message.  Payloads of one session are
handled one at a time (``session_concurrency=1``): the state machine is not locked.

Run it with no arguments: it starts a local connector (``autoplay_sdk.testing``, extra ``serve``)
serving sample traffic, and an in-memory store.  Pass ``--url``/``--token`` for a real connector
(it then runs for ``--seconds``), and ``--redis-url`` to share the gate's limits with every other
process using the same Redis (extra ``redis``).

    python examples/proactive_loop.py
    python examples/proactive_loop.py --redis-url redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter

from autoplay_sdk import AsyncConnectorClient
from autoplay_sdk.agent_state.v2 import AgentStateV2, SessionState
from autoplay_sdk.core.models import ActionsPayload
from autoplay_sdk.proactive.resilience import (
    ProactiveDeliveryOutcome,
    ProactiveRateLimitConfig,
    ProactiveResilienceConfig,
    ProactiveResilienceKeySpace,
)
from autoplay_sdk.proactive.resilience.gate import ProactiveDeliveryGate
from autoplay_sdk.proactive.resilience.stores import InMemoryProactiveResilienceStore, RedisProactiveResilienceStore
from autoplay_sdk.proactive.state import ProactiveIdleExpiryPipelineStatus, run_proactive_idle_expiry

IDLE_TIMEOUT_S = 0.5  # short, so that the demo ends quickly; 20 s is the SessionState default
COOLDOWN_S = 60.0


class ChatSurface:
    """Stands in for Intercom or another chat provider."""

    def __init__(self) -> None:
        self.threads: dict[str, str] = {}

    async def send(self, session_id: str, body: str) -> ProactiveDeliveryOutcome:
        self.threads[session_id] = f"thread-{len(self.threads) + 1}"
        print(f"  -> {session_id}: {body!r} (thread {self.threads[session_id]})")
        return ProactiveDeliveryOutcome.SUCCESS


class ThreadHooks:
    """The idle-expiry hooks for one session: delete its remote thread, forget it locally."""

    def __init__(self, surface: ChatSurface, session_id: str) -> None:
        self.surface, self.session_id = surface, session_id

    async def delete_remote_chat_thread(self) -> bool:
        return self.surface.threads.get(self.session_id) is not None

    async def clear_local_chat_thread_state(self) -> None:
        self.surface.threads.pop(self.session_id, None)


class ProactiveLoop:
    def __init__(self, gate: ProactiveDeliveryGate, surface: ChatSurface, actions_before_offer: int) -> None:
        self.gate, self.surface = gate, surface
        self.actions_before_offer = actions_before_offer
        self.sessions: dict[str, SessionState] = {}
        self.activity: Counter[str] = Counter()
        self.tally: Counter[str] = Counter()

    def session(self, session_id: str) -> SessionState:
        if session_id not in self.sessions:
            self.sessions[session_id] = SessionState(interaction_timeout_s=IDLE_TIMEOUT_S, cooldown_period_s=COOLDOWN_S)
        return self.sessions[session_id]

    async def on_actions(self, payload: ActionsPayload) -> None:
        sid = payload.session_id or ""
        sm = self.session(sid)
        sm.tick()
        self.activity[sid] += payload.count
        if self.activity[sid] < self.actions_before_offer or sm.current_state != AgentStateV2.THINKING:
            return
        if not sm.thinking.can_go_proactive:
            self.tally["cooling down"] += 1
            return
        decision = await self.gate.acquire(sid, user_id=payload.user_id)
        if not decision:
            self.tally[f"refused: {decision.reason.value if decision.reason else '?'}"] += 1
            return
        if not sm.transition_to_proactive("activity_threshold"):
            return
        last = payload.actions[-1].title if payload.actions else "this page"
        outcome = await self.surface.send(sid, f"Need a hand with {last}?")
        await self.gate.record_outcome(outcome)
        self.tally["offered"] += 1

    async def expire_idle(self) -> None:
        offered = [sid for sid, sm in self.sessions.items() if sm.current_state == AgentStateV2.PROACTIVE]
        for sid in offered[::2]:  # every other user has just answered the offer
            self.sessions[sid].record_user_interaction()
            print(f"  <> {sid}: answered, stays {self.sessions[sid].current_state.value}")
            self.tally["answered"] += 1
        for sid, sm in self.sessions.items():
            result = await run_proactive_idle_expiry(
                sm, now=time.monotonic(), interaction_timeout_s=IDLE_TIMEOUT_S, hooks=ThreadHooks(self.surface, sid)
            )
            if result.status is ProactiveIdleExpiryPipelineStatus.COMPLETED and result.fsm_result:
                print(f"  <- {sid}: idle, thread deleted, back to {sm.current_state.value} (cooldown)")
                self.tally["expired"] += 1


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="connector stream URL (default: a local connector with sample traffic)")
    parser.add_argument("--token", default="", help="bearer token for --url")
    parser.add_argument("--redis-url", help="share the gate's state through this Redis")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to listen to --url")
    parser.add_argument("--actions", type=int, default=6, help="actions before a session gets an offer")
    args = parser.parse_args()

    server = None
    if args.url is None:
        from autoplay_sdk.testing import LocalConnector, sample_events

        events = sample_events(sessions=4, seed=7)
        server = LocalConnector(events).start()
        url, token, product_id = server.stream_url, server.token, server.product_id
    else:
        url, token, product_id = args.url, args.token, args.url.rstrip("/").rsplit("/", 1)[-1]

    store = RedisProactiveResilienceStore.from_url(args.redis_url) if args.redis_url else None
    config = ProactiveResilienceConfig(rates=ProactiveRateLimitConfig(max_attempts_per_product_per_minute=3))
    gate = ProactiveDeliveryGate(
        store or InMemoryProactiveResilienceStore(), config, ProactiveResilienceKeySpace("intercom", product_id)
    )
    loop = ProactiveLoop(gate, ChatSurface(), args.actions)

    received = 0
    all_received = asyncio.Event()

    async def on_payload(payload: object) -> None:
        nonlocal received
        if isinstance(payload, ActionsPayload):
            await loop.on_actions(payload)
        received += 1
        if server is not None and received == len(events):
            all_received.set()

    client = AsyncConnectorClient(url, token=token, session_concurrency=1)  # one payload per session at a time
    client.on_actions(on_payload).on_summary(on_payload)
    task = client.run_in_background()
    try:
        print(f"listening to {product_id} ...")
        if server is not None:
            await asyncio.wait_for(all_received.wait(), timeout=30)
        else:
            await asyncio.sleep(args.seconds)
        await asyncio.sleep(IDLE_TIMEOUT_S + 0.1)  # let unanswered offers go idle
        await loop.expire_idle()
    finally:
        client.stop()
        await task
        if store is not None:
            await store.aclose()
        if server is not None:
            server.stop()
    print("summary:", ", ".join(f"{k}={v}" for k, v in sorted(loop.tally.items())))


if __name__ == "__main__":
    asyncio.run(main())
