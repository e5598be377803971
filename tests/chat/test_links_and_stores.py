"""Conversation links and the async session stores: in memory and on a real redis-server, compared."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autoplay_sdk.agent_state.v2 import AgentStateV2, SessionState
from autoplay_sdk.agent_state.v2.async_store import (
    AsyncInMemorySessionStateStore,
    AsyncRedisSessionStateStore,
    AsyncSessionStateStore,
    MappingSessionStateStore,
)
from autoplay_sdk.agent_state.v2.state_store import InMemorySessionStateStore, RedisSessionStateStore
from autoplay_sdk.chat.chatbot import (
    ConversationEventType,
    ConversationLink,
    ConversationLinkStore,
    InMemoryConversationLinkStore,
    RedisConversationLinkStore,
    link_conversation,
    resolve_linked_conversation_id,
)
from autoplay_sdk.core.exceptions import SdkUpstreamError
from autoplay_sdk.observability import set_error_reporter
from tests.buffer._helpers import RedisProcess

# -- links -------------------------------------------------------------------------------------


def test_event_type_and_link_values() -> None:
    assert ConversationEventType.NEW == "NEW" and str(ConversationEventType.NEW) == "ConversationEventType.NEW"
    link = ConversationLink("s", "c")
    assert link.event is ConversationEventType.NEW and not link.is_reply_existing
    assert ConversationLink("s", "c", ConversationEventType.REPLY_EXISTING).is_reply_existing
    assert {link, ConversationLink("s", "c")} == {link}
    with pytest.raises(AttributeError):
        link.session_id = "x"  # type: ignore[misc]


def test_link_conversation_detects_new_then_reply() -> None:
    store = InMemoryConversationLinkStore()
    assert isinstance(store, ConversationLinkStore)
    a, b = SessionState(session_id="a"), SessionState(session_id="b")
    first = link_conversation(state=a, store=store, conversation_id="c1")
    assert first == ConversationLink("a", "c1", ConversationEventType.NEW)
    assert resolve_linked_conversation_id(a) == "c1"
    # another session replying in c1: REPLY_EXISTING, and the store is written anyway
    second = link_conversation(state=b, store=store, conversation_id="c1")
    assert second.event is ConversationEventType.REPLY_EXISTING
    assert store.get_session_id("c1") == "b"
    assert resolve_linked_conversation_id(b) == "c1"  # b was unlinked, so the reply links it
    link_conversation(state=a, store=store, conversation_id="c0", event=ConversationEventType.REPLY_EXISTING)
    assert resolve_linked_conversation_id(a) == "c1"  # a reply never moves a linked session


def test_link_conversation_validation_and_store_first() -> None:
    store = InMemoryConversationLinkStore()
    with pytest.raises(ValueError, match="link_conversation: session_id is required"):
        link_conversation(state=SessionState(), store=store, conversation_id="c")
    with pytest.raises(ValueError, match=r"^link_conversation: conversation_id is required\.$"):
        link_conversation(state=SessionState(session_id="s"), store=store, conversation_id="")
    assert len(store) == 0
    state = SessionState()
    link = link_conversation(state=state, store=store, conversation_id="c", session_id="given")
    assert link.session_id == "given" and state.session_id == ""

    class Broken:
        def save(self, link: ConversationLink) -> None:
            raise RuntimeError("down")

        def get_session_id(self, conversation_id: str) -> str | None:
            return None

    s = SessionState(session_id="s")
    with pytest.raises(RuntimeError):
        link_conversation(state=s, store=Broken(), conversation_id="c")
    assert resolve_linked_conversation_id(s) is None


def test_resolve_needs_both_flags() -> None:
    assert resolve_linked_conversation_id(SessionState(conversation_id="c")) is None
    assert resolve_linked_conversation_id(SessionState(conversation_linked=True, conversation_id="")) is None


def test_redis_link_store(redis_url: str, redis_prefix: str) -> None:
    store = RedisConversationLinkStore(redis_url, key_prefix=redis_prefix, ttl_s=60)
    assert isinstance(store, ConversationLinkStore)
    assert store.get_session_id("c1") is None
    store.save(ConversationLink("s1", "c1"))
    raw = redis.Redis.from_url(redis_url)
    assert raw.get(f"{redis_prefix}conversation_link:c1") == b"s1"
    assert 0 < raw.pttl(f"{redis_prefix}conversation_link:c1") <= 60_000
    assert store.get_session_id("c1") == "s1"
    with pytest.raises(ValueError):
        RedisConversationLinkStore(redis_url, ttl_s=0)


_LINK_OPS = st.lists(
    st.tuples(
        st.sampled_from(["s1", "s2", "s3"]),
        st.sampled_from(["c1", "c2", "c3"]),
        st.sampled_from([None, *ConversationEventType]),
    ),
    max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_LINK_OPS)
def test_link_stores_differential(ops: list[tuple[str, str, Any]], redis_url: str) -> None:
    """The same link sequence gives the same links, states and index in memory and on Redis."""
    import uuid

    memory: ConversationLinkStore = InMemoryConversationLinkStore()
    shared: ConversationLinkStore = RedisConversationLinkStore(redis_url, key_prefix=f"d{uuid.uuid4().hex[:8]}:")
    outcomes = []
    for store in (memory, shared):
        states = {sid: SessionState(session_id=sid) for sid in ("s1", "s2", "s3")}
        links = [link_conversation(state=states[s], store=store, conversation_id=c, event=e) for s, c, e in ops]
        index = {c: store.get_session_id(c) for c in ("c1", "c2", "c3")}
        outcomes.append((links, {k: v.to_dict() for k, v in states.items()}, index))
    assert outcomes[0][0] == outcomes[1][0]
    assert outcomes[0][2] == outcomes[1][2]
    for a, b in zip(outcomes[0][1].values(), outcomes[1][1].values(), strict=True):
        assert (a.get("conversation_linked"), a.get("conversation_id")) == (
            b.get("conversation_linked"),
            b.get("conversation_id"),
        )


_LINK_CHILD = """
import sys
from autoplay_sdk.agent_state.v2 import SessionState
from autoplay_sdk.chat.chatbot import RedisConversationLinkStore, link_conversation
store = RedisConversationLinkStore(sys.argv[1], key_prefix=sys.argv[2])
link = link_conversation(state=SessionState(session_id=sys.argv[3]), store=store, conversation_id="conv-shared")
print(link.event.value)
"""


def test_redis_link_store_across_two_processes(redis_url: str, redis_prefix: str) -> None:
    """A link made by one process is seen by another: the second is a reply, not a new conversation."""
    events = [
        subprocess.run(
            [sys.executable, "-W", "error", "-c", _LINK_CHILD, redis_url, redis_prefix, sid],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
        for sid in ("replica-a-session", "replica-b-session")
    ]
    assert events == ["NEW", "REPLY_EXISTING"]
    assert (
        RedisConversationLinkStore(redis_url, key_prefix=redis_prefix).get_session_id("conv-shared")
        == "replica-b-session"
    )


# -- async session stores ----------------------------------------------------------------------


async def test_in_memory_store_live_references_and_save() -> None:
    store = AsyncInMemorySessionStateStore()
    assert isinstance(store, AsyncSessionStateStore)
    meta = {"user_id": "u1"}
    state = await store.get_or_create("s1", meta)
    meta["user_id"] = "changed"
    assert state.metadata == {"user_id": "u1"} and state.session_id == "s1"
    assert await store.get_or_create("s1", {"ignored": True}) is state
    state.conversation_id = "c"
    assert (await store.get("s1")) is state
    outside = SessionState(session_id="s2")
    await store.save(outside)
    assert await store.get("s2") is outside
    assert await store.get("nope") is None and await store.get("") is None
    for bad in (store.get_or_create(""), store.save(SessionState())):
        with pytest.raises(ValueError, match=r"^session_id must be a non-empty string$"):
            await bad


async def test_in_memory_store_idle_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    store = AsyncInMemorySessionStateStore(ttl_s=10)
    first = await store.get_or_create("s")
    now[0] += 9
    assert await store.get("s") is first  # touching refreshes
    now[0] += 9
    assert await store.get("s") is first
    now[0] += 10
    assert await store.get("s") is None
    with pytest.raises(ValueError):
        AsyncInMemorySessionStateStore(ttl_s=0)


async def test_redis_store_wall_clock_nx_and_ttl(redis_url: str, redis_prefix: str) -> None:
    store = AsyncRedisSessionStateStore(redis_url, 60, key_prefix=redis_prefix)
    try:
        state = await store.get_or_create("s1", {"email": "a@example.com"})
        raw = redis.Redis.from_url(redis_url, decode_responses=True)
        key = f"{redis_prefix}session_state:s1"
        stored = json.loads(raw.get(key))
        assert stored["clock"] == "wall" and abs(stored["last_interaction_at"] - time.time()) < 60
        assert 0 < raw.pttl(key) <= 60_000
        again = await store.get_or_create("s1", {"ignored": 1})
        assert _observable(again) == _observable(state) and again is not state
        state.transition_to_reactive()
        state.conversation_linked, state.conversation_id = True, "c1"
        await store.save(state)
        loaded = await store.get("s1")
        assert loaded is not None and loaded.current_state is AgentStateV2.REACTIVE
        assert resolve_linked_conversation_id(loaded) == "c1"
        # a value written by another SDK version (raw monotonic, no clock marker) is still read
        legacy = SessionState(session_id="other", conversation_linked=True, conversation_id="c9").to_dict()
        raw.set(f"{redis_prefix}session_state:s2", json.dumps(legacy))
        read = await store.get("s2")
        assert read is not None and read.session_id == "s2" and read.conversation_id == "c9"
        assert store.key("x") == f"{redis_prefix}session_state:x"
        with pytest.raises(ValueError):
            AsyncRedisSessionStateStore(redis_url, 0)
    finally:
        await store.aclose()


async def test_redis_store_default_key_is_the_upstream_one(redis_url: str) -> None:
    store = AsyncRedisSessionStateStore(redis_url)
    assert store.key("abc") == "autoplay:session_state:abc"
    await store.aclose()


async def test_redis_store_corrupt_value_replaced(
    redis_url: str, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = AsyncRedisSessionStateStore(redis_url, key_prefix=redis_prefix)
    raw = redis.Redis.from_url(redis_url, decode_responses=True)
    raw.set(f"{redis_prefix}session_state:s", "{not json")
    with caplog.at_level(logging.WARNING, logger="autoplay_sdk"):
        state = await store.get_or_create("s")
    assert state.current_state is AgentStateV2.THINKING
    assert json.loads(raw.get(f"{redis_prefix}session_state:s"))["session_id"] == "s"
    (record,) = caplog.records
    assert record.event_type == "session_state_reset" and "JSONDecodeError" in record.getMessage()  # type: ignore[attr-defined]
    await store.aclose()


async def test_redis_store_nx_race_two_stores_agree(redis_url: str, redis_prefix: str) -> None:
    a = AsyncRedisSessionStateStore(redis_url, key_prefix=redis_prefix)
    b = AsyncRedisSessionStateStore(redis_url, key_prefix=redis_prefix)
    states = await asyncio.gather(*(s.get_or_create("race", {"by": i}) for i, s in enumerate((a, b, a, b))))
    assert len({json.dumps(s.metadata) for s in states}) == 1
    await a.aclose()
    await b.aclose()


async def test_redis_store_outage_degrades_and_recovers(
    tmp_path: Path, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis killed mid-run: reads give fresh unsaved states, writes are reported, nothing raises;
    after a restart the store works again and the fresh state was never written over a live one."""
    server = RedisProcess(tmp_path, durable=True).start()
    reports: list[tuple[str, Any, dict[str, Any]]] = []
    set_error_reporter(lambda event, *, exc=None, **ctx: reports.append((event, exc, ctx)))
    store = AsyncRedisSessionStateStore(server.url)
    try:
        live = await store.get_or_create("s1")
        live.conversation_linked, live.conversation_id = True, "c1"
        await store.save(live)
        server.kill()
        with caplog.at_level(logging.WARNING, logger="autoplay_sdk"):
            fresh = await store.get_or_create("s1")
            assert resolve_linked_conversation_id(fresh) is None
            assert await store.get("s1") is None
            await store.save(fresh)
        assert [r.getMessage().split(" session")[0] for r in caplog.records] == [
            "autoplay_sdk: RedisSessionStateStore get failed —",
            "autoplay_sdk: RedisSessionStateStore get failed",
            "autoplay_sdk: RedisSessionStateStore save failed",
        ]
        assert "redis://" not in caplog.text
        assert [(e, c) for e, _, c in reports] == [("Session state write failed", {"session_id": "s1"})]
        server.start()
        back = await store.get_or_create("s1")
        assert resolve_linked_conversation_id(back) == "c1"  # the unsaved fresh state overwrote nothing
    finally:
        set_error_reporter(None)
        await store.aclose()
        server.kill()


async def test_mapping_adapter_over_the_sync_stores(redis_url: str, redis_prefix: str) -> None:
    for mapping in (InMemorySessionStateStore(), RedisSessionStateStore(redis_url, key_prefix=redis_prefix)):
        store = MappingSessionStateStore(mapping)
        assert isinstance(store, AsyncSessionStateStore)
        state = await store.get_or_create("s1", {"a": 1})
        assert state.metadata == {"a": 1}
        state.conversation_linked, state.conversation_id = True, "c"
        assert resolve_linked_conversation_id(await store.get_or_create("s1")) is None  # copies: not saved yet
        await store.save(state)
        assert resolve_linked_conversation_id(await store.get_or_create("s1", {"b": 2})) == "c"
        got = await store.get("s1")
        assert got is not None and _observable(got) == _observable(state)
        assert store.mapping is mapping


async def test_mapping_adapter_propagates_store_errors(tmp_path: Path, redis_url: str) -> None:
    server = RedisProcess(tmp_path).start()
    store = MappingSessionStateStore(RedisSessionStateStore(server.url))
    server.kill()
    with pytest.raises(SdkUpstreamError):
        await store.get("s")


_STORE_OPS = st.lists(
    st.tuples(
        st.sampled_from(["get_or_create", "get", "save_linked", "reactive"]),
        st.sampled_from(["s1", "s2"]),
        st.sampled_from(["c1", "c2"]),
    ),
    max_size=10,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_STORE_OPS)
def test_session_stores_differential(ops: list[tuple[str, str, str]], redis_url: str) -> None:
    """Every store answers the same sequence of calls with the same states (saving after each change)."""
    import uuid

    async def run(store: Any) -> list[Any]:
        seen: list[Any] = []
        for op, sid, conv in ops:
            if op == "get":
                got = await store.get(sid)
                seen.append(None if got is None else _observable(got))
                continue
            state = await store.get_or_create(sid, {"sid": sid})
            if op == "save_linked":
                state.on_conversation_linked(ConversationLink(sid, conv))
                await store.save(state)
            elif op == "reactive" and state.current_state is AgentStateV2.THINKING:
                state.transition_to_reactive()
                await store.save(state)
            seen.append(_observable(state))
        return seen

    async def main() -> list[list[Any]]:
        redis_store = AsyncRedisSessionStateStore(redis_url, key_prefix=f"h{uuid.uuid4().hex[:8]}:")
        stores = [AsyncInMemorySessionStateStore(), redis_store, MappingSessionStateStore(InMemorySessionStateStore())]
        try:
            return [await run(s) for s in stores]
        finally:
            await redis_store.aclose()

    results = asyncio.run(main())
    assert results[0] == results[1] == results[2]


def _observable(state: SessionState) -> tuple[Any, ...]:
    return (state.session_id, state.metadata, state.current_state, state.conversation_linked, state.conversation_id)


def test_redis_link_store_outage_leaves_state_untouched_then_recovers(tmp_path: Path, redis_url: str) -> None:
    server = RedisProcess(tmp_path).start()
    try:
        store = RedisConversationLinkStore(server.url)
        first = SessionState(session_id="s1")
        link_conversation(state=first, store=store, conversation_id="c1")
        server.kill()
        second = SessionState(session_id="s2")
        with pytest.raises(SdkUpstreamError):
            link_conversation(state=second, store=store, conversation_id="c2")
        assert resolve_linked_conversation_id(second) is None
        server.start()  # an empty server: the index is lost, and links are recorded again
        assert link_conversation(state=second, store=store, conversation_id="c2").event is ConversationEventType.NEW
        assert store.get_session_id("c2") == "s2"
    finally:
        server.kill()


_STATE_CHILD = """
import asyncio, sys, json
from autoplay_sdk.chat.chatbot import InMemoryConversationLinkStore, RedisSessionStateStore, link_conversation

async def main():
    store = RedisSessionStateStore(sys.argv[1], key_prefix=sys.argv[2])
    state = await store.get_or_create("shared-session", {"by": sys.argv[3]})
    if sys.argv[3] == "writer":
        state.transition_to_reactive()
        link_conversation(state=state, store=InMemoryConversationLinkStore(), conversation_id="conv-x")
        await store.save(state)
    print(json.dumps([state.metadata, state.current_state.value, state.conversation_id]))
    await store.aclose()

asyncio.run(main())
"""


def test_redis_session_store_across_two_processes(redis_url: str, redis_prefix: str) -> None:
    """A state created and linked in one process is read, link and FSM state included, by another."""

    def run(role: str) -> list[Any]:
        out = subprocess.run(
            [sys.executable, "-W", "error", "-c", _STATE_CHILD, redis_url, redis_prefix, role],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        result: list[Any] = json.loads(out.stdout)
        return result

    assert run("writer") == [{"by": "writer"}, "reactive_assistance", "conv-x"]
    assert run("reader") == [{"by": "writer"}, "reactive_assistance", "conv-x"]  # metadata of the creator
