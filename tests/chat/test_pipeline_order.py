"""The chat pipeline keeps a session's arrival order when its callbacks overlap.

With ``session_concurrency > 1`` the async client runs several ``pipeline.on_actions`` of one
session at once.  They start in arrival order, and the context store is written before the
first suspension, so the store follows arrival order.  ``write_actions`` may then finish the
batches in any order; the summarizer must still see them in arrival order, or its summary
describes a shuffled session.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from autoplay_sdk import AsyncConnectorClient
from autoplay_sdk.chat.chat_pipeline import compose_chat_pipeline
from autoplay_sdk.core.models import ActionsPayload, SlimAction
from autoplay_sdk.testing import LocalConnector

STEP = re.compile(r"Step (\d+)")


def _payload(session: str, k: int) -> ActionsPayload:
    action = SlimAction(title=f"Step {k}", description=f"Step {k}", canonical_url="/x", index=k, type="click")
    return ActionsPayload("prod", session, "u1", None, [action], 1, time.time())


class _Llm:
    def __init__(self) -> None:
        self.prompts: list[str] = []
        self.called = asyncio.Event()

    async def __call__(self, prompt: str) -> str:
        self.prompts.append(prompt)
        self.called.set()
        return "summary"

    def steps(self) -> list[list[int]]:
        return [[int(n) for n in STEP.findall(prompt)] for prompt in self.prompts]


async def test_overlapping_batches_reach_the_summarizer_in_arrival_order() -> None:
    gates = [asyncio.Event() for _ in range(4)]
    written: list[int] = []

    async def write_actions(session_id: str, text: str) -> None:
        k = int(STEP.findall(text)[0])
        await gates[k].wait()
        written.append(k)

    llm = _Llm()
    pipeline = compose_chat_pipeline(llm=llm, threshold=4, write_actions=write_actions)
    calls = [asyncio.create_task(pipeline.on_actions(_payload("s", k))) for k in range(4)]  # started in order
    await asyncio.sleep(0)
    for gate in reversed(gates):  # write_actions finishes them last-first
        gate.set()
        await asyncio.sleep(0)
    await asyncio.gather(*calls)
    await pipeline.summarizer.flush()
    assert written == [3, 2, 1, 0]
    assert llm.steps() == [[0, 1, 2, 3]]
    assert [int(n) for n in STEP.findall(pipeline.context_store.get("s", product_id="prod"))] == [0, 1, 2, 3]


async def test_a_batch_cancelled_while_waiting_does_not_stall_the_next() -> None:
    gates = [asyncio.Event() for _ in range(3)]

    async def write_actions(session_id: str, text: str) -> None:
        await gates[int(STEP.findall(text)[0])].wait()

    llm = _Llm()
    pipeline = compose_chat_pipeline(llm=llm, threshold=2, write_actions=write_actions)
    calls = [asyncio.create_task(pipeline.on_actions(_payload("s", k))) for k in range(3)]
    await asyncio.sleep(0)
    gates[1].set()
    gates[2].set()
    await asyncio.sleep(0)
    calls[1].cancel()  # waiting for batch 0's hand-off
    gates[0].set()
    results = await asyncio.gather(*calls, return_exceptions=True)
    assert isinstance(results[1], asyncio.CancelledError) and results[0] is None and results[2] is None
    await pipeline.summarizer.flush()
    assert llm.steps() == [[0, 2]]


def _event(session: str, k: int) -> dict[str, Any]:
    return {
        "type": "actions",
        "product_id": "demo-product",
        "session_id": session,
        "user_id": f"user-{session}",
        "email": None,
        "actions": [
            {"index": k, "type": "click", "title": f"Step {k}", "description": f"Step {k}", "canonical_url": "/x"}
        ],
        "count": 1,
        "forwarded_at": time.time(),
    }


async def test_the_client_and_pipeline_keep_each_sessions_order_end_to_end() -> None:
    """Default ``session_concurrency=4``; ``write_actions`` takes longest for the earliest batch."""
    sessions = ["s1", "s2"]
    events = [_event(s, k) for k in range(8) for s in sessions]

    async def write_actions(session_id: str, text: str) -> None:
        for _ in range(3 - int(STEP.findall(text)[0]) % 4):
            await asyncio.sleep(0)

    llm = _Llm()
    pipeline = compose_chat_pipeline(llm=llm, threshold=8, write_actions=write_actions)
    with LocalConnector(events, heartbeat_s=30) as connector:
        client = AsyncConnectorClient(connector.stream_url, token=connector.token)
        client.on_actions(pipeline.on_actions)
        task = client.run_in_background()
        while len(llm.prompts) < len(sessions):
            llm.called.clear()
            await asyncio.wait_for(llm.called.wait(), 10)
        client.stop()
        await task
    assert llm.steps() == [list(range(8))] * len(sessions)
    for session in sessions:
        text = pipeline.context_store.get(session, product_id="demo-product")
        assert [int(n) for n in STEP.findall(text)] == list(range(8))
