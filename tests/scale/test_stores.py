"""Watermarks, session states and the write/read fault paths of the Redis stores."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import fakeredis
import pytest

from autoplay_sdk.agent_state.v2 import SessionState
from autoplay_sdk.agent_state.v2.state_store import (
    InMemorySessionStateStore,
    RedisSessionStateStore,
    from_portable,
    to_portable,
)
from autoplay_sdk.context.redis_store import AsyncRedisContextStore, RedisContextStore
from autoplay_sdk.core.exceptions import SdkUpstreamError
from autoplay_sdk.core.models import ActionsPayload, SlimAction
from autoplay_sdk.rag.query import ChatWatermarkScope, InboundWatermarkStore
from autoplay_sdk.rag.query.redis_watermark import RedisInboundWatermarkStore
from tests.buffer._helpers import RedisProcess


def _payload(sid: str = "s", n: int = 1) -> ActionsPayload:
    actions = [SlimAction(f"t{i}", f"Clicked {i}", "/x") for i in range(n)]
    return ActionsPayload("p", sid, "u", None, actions, n, time.time())


# --------------------------------------------------------------------------- watermarks


async def test_watermarks_are_shared_between_stores_and_keep_scopes_apart() -> None:
    server = fakeredis.FakeServer()
    a = RedisInboundWatermarkStore(fakeredis.aioredis.FakeRedis(server=server))
    b = RedisInboundWatermarkStore(fakeredis.aioredis.FakeRedis(server=server))
    assert isinstance(a, InboundWatermarkStore)
    scope = ChatWatermarkScope("c1", product_id="p")
    assert await b.get_previous_inbound_at(scope) is None
    await a.set_last_inbound_at(scope, 1_700_000_000.123456)
    assert await b.get_previous_inbound_at(scope) == 1_700_000_000.123456  # exact round trip
    assert await b.get_previous_inbound_at(ChatWatermarkScope("c1", product_id="")) is None
    assert await b.get_previous_inbound_at(ChatWatermarkScope("c1")) is None
    await a.set_last_inbound_at(scope, 5)  # may go backwards, like the in-memory store
    assert await b.get_previous_inbound_at(scope) == 5.0
    with pytest.raises(TypeError):
        await a.set_last_inbound_at(scope, None)  # type: ignore[arg-type]
    assert await b.get_previous_inbound_at(scope) == 5.0


async def test_watermark_ttl_and_outage(own_redis: RedisProcess) -> None:
    import redis

    store = RedisInboundWatermarkStore(own_redis.url, key_prefix="w:", ttl_s=30, retry_s=0.2)
    scope = ChatWatermarkScope("c")
    await store.set_last_inbound_at(scope, 1.5)
    assert 0 < redis.Redis.from_url(own_redis.url).pttl("w:wm:\x00\x1f\x00\x1fc") <= 30_000
    own_redis.stop()
    with pytest.raises(SdkUpstreamError):
        await store.get_previous_inbound_at(scope)
    own_redis.start()
    assert await store.get_previous_inbound_at(scope) is None  # a restarted, empty Redis
    await store.aclose()
    with pytest.raises(ValueError, match="ttl_s"):
        RedisInboundWatermarkStore(own_redis.url, ttl_s=0)


# --------------------------------------------------------------------------- session states


def test_portable_form_uses_wall_clock_and_round_trips() -> None:
    state = SessionState()
    state.transition_to_proactive("trigger-1")
    snapshot = to_portable(state)
    assert snapshot["clock"] == "wall"
    assert abs(snapshot["last_interaction_at"] - time.time()) < 5  # wall-clock, not monotonic
    json.dumps(snapshot)
    back = from_portable(json.loads(json.dumps(snapshot)))
    assert back.current_state == state.current_state
    assert abs(back.last_interaction_at - state.last_interaction_at) < 0.01
    assert state.to_dict()["last_interaction_at"] == state.last_interaction_at  # to_dict is unchanged
    with pytest.raises(ValueError, match="portable"):
        from_portable(state.to_dict())


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_state_set_on_one_replica_is_seen_by_another(kind: str) -> None:
    stores: list[Any]
    if kind == "memory":
        one = InMemorySessionStateStore(ttl_s=60)
        stores = [one, one]
    else:
        server = fakeredis.FakeServer()
        stores = [RedisSessionStateStore(fakeredis.FakeRedis(server=server), ttl_s=60) for _ in range(2)]
    a, b = stores
    assert "u1" not in b
    assert a.add_if_absent("u0", SessionState()) is True
    assert b.add_if_absent("u0", SessionState()) is False
    del b["u0"]
    state = SessionState()
    state.transition_to_proactive("t")
    a["u1"] = state
    seen = b["u1"]
    assert seen.current_state == state.current_state and "u1" in b
    seen.record_option_click()  # copy semantics: nothing changes until written back
    assert a["u1"].proactive.user_clicked_option is False
    b.update_state("u1", lambda s: s.record_option_click(), default=SessionState)
    assert a["u1"].proactive.user_clicked_option is True
    assert list(a) == ["u1"] and len(b) == 1
    assert b.pop("u1").proactive.user_clicked_option is True
    assert "u1" not in a and a.pop("u1", None) is None


def test_in_memory_states_expire_after_ttl() -> None:
    store = InMemorySessionStateStore(ttl_s=10)
    now = [100.0]
    store._clock = lambda: now[0]
    store["u"] = SessionState()
    now[0] += 9.9
    assert "u" in store
    now[0] += 0.2
    assert "u" not in store and len(store) == 0
    with pytest.raises(ValueError, match="ttl_s"):
        InMemorySessionStateStore(ttl_s=-1)


# --------------------------------------------------------------------------- faults


class _Metrics:
    def __init__(self) -> None:
        self.dropped: list[dict[str, Any]] = []

    def record_event_dropped(self, **kwargs: Any) -> None:
        self.dropped.append(kwargs)


def test_writes_during_an_outage_are_reported_and_reads_raise(
    own_redis: RedisProcess, caplog: pytest.LogCaptureFixture
) -> None:
    drops: list[tuple[dict[str, Any], int]] = []
    metrics = _Metrics()
    store = RedisContextStore(
        own_redis.url, write_retry_s=0.2, on_drop=lambda p, n: drops.append((p, n)), metrics=metrics
    )
    assert store.add(_payload("before"))
    own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk.context.redis_store"):
        assert store.add(_payload("during")) is False
    assert store.dropped_count == 1 and drops[0][1] == 1 and drops[0][0]["session_id"] == "during"
    assert metrics.dropped == [
        {"reason": "redis_unavailable", "event_type": "actions", "session_id": "during", "product_id": "p"}
    ]
    assert any("dropped" in r.getMessage() and "Clicked" not in r.getMessage() for r in caplog.records)
    with pytest.raises(SdkUpstreamError):
        store.get("before", product_id="p")
    own_redis.start()
    assert store.add(_payload("after"))  # recovers on its own
    assert "Clicked 0" in store.get("after", product_id="p")


async def test_async_store_writes_survive_a_short_restart(own_redis: RedisProcess) -> None:
    store = AsyncRedisContextStore(own_redis.url, write_retry_s=5.0)
    assert await store.add(_payload("a"))
    own_redis.stop()
    own_redis.start()  # an immediate restart is bridged by the client's retries
    assert await store.add(_payload("b"))
    assert "Clicked 0" in store.get("b", product_id="p")
    assert store.dropped_count == 0
    await store.aclose()


def test_without_the_redis_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from autoplay_sdk.context.redis_ingest import RedisIngester

    monkeypatch.setitem(sys.modules, "redis", None)  # as if the package were not installed
    for build in (
        lambda: RedisContextStore("redis://127.0.0.1:1/0"),
        lambda: RedisSessionStateStore("redis://127.0.0.1:1/0"),
        lambda: RedisInboundWatermarkStore("redis://127.0.0.1:1/0"),
        lambda: RedisIngester(stream_url="", redis="redis://127.0.0.1:1/0"),
    ):
        with pytest.raises(ModuleNotFoundError, match=r"pip install 'autoplay-sdk\[redis\]'"):
            build()
