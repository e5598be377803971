"""The bridge keeps each session's activity in arrival order: a differential test.

The same connector traffic (the local connector's sample: several users and sessions, a
failed first attempt and an abrupt mid-frame close with a ``Last-Event-ID`` resume) goes to
three places, and every user's ``/context`` text must be the same in all of them:

* the oracle — an in-process ``ContextStore`` + ``UserSessionIndex`` fed the stream one payload
  after another, with an ``AsyncSessionSummarizer`` (same LLM, same threshold) writing its summaries;
* the in-memory bridge (``build_copilot_app`` without Redis; its client runs callbacks with the
  default ``session_concurrency=4``);
* the Redis fleet (an ``ingest`` replica writing, a ``serve`` replica answering) on a real
  ``redis-server``.

The whole backlog reaches each client back to back at startup and again after the reconnect,
which is when a dispatcher that started callbacks out of order shuffled "Recent activity".
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autoplay_sdk import ActionsPayload
from autoplay_sdk.api import build_copilot_app
from autoplay_sdk.context import ContextStore, UserSessionIndex
from autoplay_sdk.context.summarizer import AsyncSessionSummarizer
from autoplay_sdk.testing import LocalConnector, local_summarizer_llm, sample_events
from tests.api._harness import POLL_S, context_of, running
from tests.buffer._helpers import RedisProcess

pytestmark = pytest.mark.timeout(60)

LOOKBACK_S = 300.0
THRESHOLD = 10  # build_copilot_app's default summary_threshold
MAX_ACTIONS = 20  # what the bridge's context store renders
CLOSE_AFTER = 30  # entries per connection before the connector drops it mid-frame


def _traffic() -> list[dict[str, Any]]:
    # Fixed timestamps (not live-stamped), so every connection sends the same bytes; the last
    # event is ten seconds old and the first well inside the lookback window.
    events = sample_events(sessions=4, seed=11, start=0.0)
    last = max(e["forwarded_at"] for e in events)
    return sample_events(sessions=4, seed=11, start=time.time() - 10.0 - last)


def _actions(events: list[dict[str, Any]]) -> list[ActionsPayload]:
    return [ActionsPayload.from_dict(e) for e in events if e["type"] == "actions"]


async def _oracle(payloads: list[ActionsPayload]) -> dict[str, str]:
    """Each user's activity text from stores fed the stream in order, one payload at a time."""
    store = ContextStore(lookback_seconds=LOOKBACK_S, max_actions=MAX_ACTIONS)
    index = UserSessionIndex(store, lookback_seconds=LOOKBACK_S)
    summarizer = AsyncSessionSummarizer(
        llm=local_summarizer_llm, threshold=THRESHOLD, on_summary=_sync(store.on_summary)
    )
    for payload in payloads:
        store.add(payload)
        index.add(payload)
        await summarizer.add(payload)
    await summarizer.flush()
    users = {str(p.user_id) for p in payloads}
    activity = {uid: index.get_user_activity(uid) for uid in users}
    assert all(activity.values()) and any("Summary: " in text for text in activity.values())
    return activity


def _sync(on_summary: Any) -> Any:
    async def forward(session_id: str, text: str) -> None:
        on_summary(session_id, text)

    return forward


def _connector(events: list[dict[str, Any]]) -> LocalConnector:
    connector = LocalConnector(events, heartbeat_s=30)
    connector.fail_next(1)  # the first attempt gets a 503
    connector.close_after(CLOSE_AFTER, abrupt=True)  # every connection drops after 30 entries
    return connector


async def _contexts(http: Any, users: set[str]) -> dict[str, str | None]:
    return {uid: await context_of(http, uid) for uid in users}


async def _settled(http: Any, expected: dict[str, str], timeout: float = 20.0) -> dict[str, str | None]:
    """Poll ``/context`` until it equals ``expected`` or ``timeout`` passes; return the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        seen = await _contexts(http, set(expected))
        if seen == expected or time.monotonic() > deadline:
            return seen
        await asyncio.sleep(POLL_S)


async def test_the_in_memory_bridge_serves_what_an_in_order_store_holds() -> None:
    events = _traffic()
    payloads = _actions(events)
    expected = await _oracle(payloads)
    with _connector(events) as connector:
        app: Any = build_copilot_app(stream_url=connector.stream_url, token=connector.token, llm=local_summarizer_llm)
        async with running(app) as http:
            pipeline = app.state.pipeline
            deadline = time.monotonic() + 20
            while sum(map(len, pipeline.context_store.actions.values())) < len(payloads):
                assert time.monotonic() < deadline, "the bridge did not receive the whole stream"
                await asyncio.sleep(POLL_S)
            await pipeline.summarizer.flush()
            assert await _contexts(http, set(expected)) == expected
            client = app.state.connector_client
            assert client.dropped_count == 0
    assert [c.status for c in connector.connections] == [503, 200, 200]  # one failure, one resume
    assert connector.connections[2].last_event_id is not None


@pytest.fixture
def fleet_redis(redis_url: str, tmp_path: Path) -> Iterator[str]:
    """A private redis-server (the bridge's Redis roles use the default key prefix)."""
    server = RedisProcess(tmp_path).start()
    try:
        yield server.url
    finally:
        server.kill()


async def test_the_redis_fleet_serves_the_same_text(fleet_redis: str) -> None:
    events = _traffic()
    expected = await _oracle(_actions(events))
    with _connector(events) as connector:
        options: dict[str, Any] = {"stream_url": connector.stream_url, "token": connector.token}
        ingest: Any = build_copilot_app(llm=local_summarizer_llm, redis_url=fleet_redis, role="ingest", **options)
        serve: Any = build_copilot_app(llm=local_summarizer_llm, redis_url=fleet_redis, role="serve", **options)
        async with running(ingest), running(serve) as http:
            assert await _settled(http, expected) == expected
    assert [c.status for c in connector.connections] == [503, 200, 200]
