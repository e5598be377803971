"""Inbound watermarks, and delta activity across follow-up chat turns."""

from __future__ import annotations

import dataclasses
import time

import pytest

from autoplay_sdk.rag.query.pipeline import RagChatProviders, assemble_rag_chat_context
from autoplay_sdk.rag.query.watermark import (
    ChatWatermarkScope,
    InboundWatermarkStore,
    InMemoryInboundWatermarkStore,
    cutoff_for_delta_activity,
    effective_inbound_timestamp,
)

# -- ChatWatermarkScope -------------------------------------------------------------------------


def test_scope_fields_and_defaults() -> None:
    assert [f.name for f in dataclasses.fields(ChatWatermarkScope)] == ["conversation_id", "product_id", "tenant_id"]
    scope = ChatWatermarkScope("c1")
    assert (scope.product_id, scope.tenant_id) == (None, None)


def test_scope_is_frozen_and_hashable_by_value() -> None:
    a = ChatWatermarkScope("c1", "p1", "t1")
    assert a == ChatWatermarkScope("c1", "p1", "t1")
    assert {a: 1}[ChatWatermarkScope("c1", "p1", "t1")] == 1
    assert a != ChatWatermarkScope("c1", "p2", "t1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.conversation_id = "c2"  # type: ignore[misc]


# -- helpers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, 3, 2.5, 0.0])
def test_cutoff_is_the_identity(value: float | None) -> None:
    result = cutoff_for_delta_activity(value)
    assert result is value or (result == value and type(result) is type(value))


@pytest.mark.parametrize(
    ("created_at", "fallback", "expected"),
    [(0, None, 0.0), ("3", None, 3.0), (-5, 9.0, -5.0), (None, 7, 7.0), (None, "1.5", 1.5)],
)
def test_effective_inbound_timestamp(created_at: object, fallback: object, expected: float) -> None:
    result = effective_inbound_timestamp(created_at, fallback=fallback)  # type: ignore[arg-type]
    assert result == expected and type(result) is float


def test_effective_inbound_timestamp_defaults_to_now() -> None:
    before = time.time()
    result = effective_inbound_timestamp(None)
    assert before <= result <= time.time()


@pytest.mark.parametrize(("value", "error"), [("soon", ValueError), ([1], TypeError)])
def test_effective_inbound_timestamp_rejects_non_numbers(value: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        effective_inbound_timestamp(value)  # type: ignore[arg-type]


def test_fallback_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        effective_inbound_timestamp(None, 5.0)  # type: ignore[call-arg]


# -- InMemoryInboundWatermarkStore --------------------------------------------------------------


def test_in_memory_store_satisfies_the_protocol() -> None:
    assert isinstance(InMemoryInboundWatermarkStore(), InboundWatermarkStore)
    assert not isinstance(object(), InboundWatermarkStore)


async def test_store_get_set_and_overwrite_backwards() -> None:
    store = InMemoryInboundWatermarkStore()
    scope = ChatWatermarkScope("c1", "p1")
    assert await store.get_previous_inbound_at(scope) is None
    await store.set_last_inbound_at(scope, 100)
    stored = await store.get_previous_inbound_at(ChatWatermarkScope("c1", "p1"))
    assert stored == 100.0 and type(stored) is float
    await store.set_last_inbound_at(scope, "7.5")  # type: ignore[arg-type]
    assert await store.get_previous_inbound_at(scope) == 7.5  # overwritten, even backwards


async def test_store_keys_by_tenant_product_and_conversation() -> None:
    store = InMemoryInboundWatermarkStore()
    await store.set_last_inbound_at(ChatWatermarkScope("c1", "p1", "t1"), 1.0)
    await store.set_last_inbound_at(ChatWatermarkScope("c1", "p2", "t1"), 2.0)
    await store.set_last_inbound_at(ChatWatermarkScope("c1", "p1", "t2"), 3.0)
    assert await store.get_previous_inbound_at(ChatWatermarkScope("c1", "p1", "t1")) == 1.0
    assert await store.get_previous_inbound_at(ChatWatermarkScope("c1", "p2", "t1")) == 2.0
    assert await store.get_previous_inbound_at(ChatWatermarkScope("c1", "p1", "t2")) == 3.0
    assert await store.get_previous_inbound_at(ChatWatermarkScope("c1")) is None


async def test_store_rejects_none_and_keeps_the_previous_value() -> None:
    store = InMemoryInboundWatermarkStore()
    scope = ChatWatermarkScope("c1")
    await store.set_last_inbound_at(scope, 5.0)
    with pytest.raises(TypeError):
        await store.set_last_inbound_at(scope, None)  # type: ignore[arg-type]
    assert await store.get_previous_inbound_at(scope) == 5.0


# -- follow-up turns: the watermark drives the delta block --------------------------------------


class ActivityLog:
    """A session's timestamped activity, as a chatbot backend would keep it."""

    def __init__(self) -> None:
        self.entries: list[tuple[float, str]] = []

    async def recent(self, session_id: str) -> str:
        return "\n".join(text for _, text in self.entries)

    async def since(self, session_id: str, cutoff: float) -> str:
        return "\n".join(text for at, text in self.entries if at > cutoff)


async def reply_turn(
    store: InMemoryInboundWatermarkStore, activity: ActivityLog, scope: ChatWatermarkScope, message: str, at: float
) -> str:
    """One chat turn as documented: read watermark, assemble, (reply), then store this message's time."""
    previous = await store.get_previous_inbound_at(scope)
    block, _ = await assemble_rag_chat_context(
        product_id="p1",
        integration_config={},
        conversation_id=scope.conversation_id,
        user_message=message,
        email="",
        session_id="s1",
        activity_since_cutoff=cutoff_for_delta_activity(previous),
        providers=RagChatProviders(session_activity_local=activity.recent, session_activity_since=activity.since),
    )
    await store.set_last_inbound_at(scope, effective_inbound_timestamp(at))
    return block


async def test_follow_up_turns_show_only_activity_since_the_previous_message() -> None:
    store = InMemoryInboundWatermarkStore()
    activity = ActivityLog()
    scope = ChatWatermarkScope("conv-1", "p1")

    activity.entries += [(10.0, "opened Reports"), (20.0, "clicked Export")]
    first = await reply_turn(store, activity, scope, "How do I export?", at=25.0)
    assert first == (
        "[RECENT PRODUCT ACTIVITY]\nopened Reports\nclicked Export\n\n[CURRENT USER MESSAGE]\nHow do I export?"
    )

    activity.entries += [(30.0, "chose CSV"), (40.0, "clicked Download")]
    second = await reply_turn(store, activity, scope, "Where did it go?", at=45.0)
    assert second == (
        "[ACTIVITY SINCE YOUR LAST CHAT MESSAGE]\nchose CSV\nclicked Download\n\n"
        "[RECENT PRODUCT ACTIVITY]\nopened Reports\nclicked Export\nchose CSV\nclicked Download\n\n"
        "[CURRENT USER MESSAGE]\nWhere did it go?"
    )

    third = await reply_turn(store, activity, scope, "Thanks", at=50.0)  # nothing new since 45.0
    assert third.startswith("[RECENT PRODUCT ACTIVITY]\n")


async def test_another_conversation_starts_without_a_delta() -> None:
    store = InMemoryInboundWatermarkStore()
    activity = ActivityLog()
    activity.entries.append((10.0, "opened Reports"))
    await reply_turn(store, activity, ChatWatermarkScope("conv-1", "p1"), "hi", at=5.0)
    other = await reply_turn(store, activity, ChatWatermarkScope("conv-2", "p1"), "hi", at=15.0)
    assert not other.startswith("[ACTIVITY SINCE YOUR LAST CHAT MESSAGE]")
