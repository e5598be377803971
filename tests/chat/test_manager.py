"""AutoplayChatbotManager: real action payloads, injected link store, writer re-sync, per-session order."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from autoplay_sdk.agent_state.v2.async_store import AsyncInMemorySessionStateStore, MappingSessionStateStore
from autoplay_sdk.agent_state.v2.state_store import InMemorySessionStateStore
from autoplay_sdk.chat.chatbot import (
    AutoplayChatbotManager,
    BaseChatbotWriter,
    ConversationEventType,
    InMemoryConversationLinkStore,
)
from autoplay_sdk.core.models import ActionsPayload, SlimAction


class Writer:
    """A ConversationWriter that records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def write_actions(
        self,
        conversation_id: str,
        session_id: str | None,
        slim_actions: list[dict[str, Any]],
        user_id: str | None = None,
        email: str | None = None,
    ) -> str | None:
        self.calls.append(
            (
                "write",
                {
                    "conversation_id": conversation_id,
                    "session_id": session_id,
                    "slim_actions": slim_actions,
                    "user_id": user_id,
                    "email": email,
                },
            )
        )
        return None

    async def on_session_linked(self, session_id: str, conversation_id: str) -> None:
        self.calls.append(("linked", {"session_id": session_id, "conversation_id": conversation_id}))


def _payload(session_id: str | None = "s1", actions: list[Any] | None = None) -> ActionsPayload:
    if actions is None:
        actions = [SlimAction(title="Export", description="Clicked Export", canonical_url="/r", index=0, type="click")]
    return ActionsPayload("p1", session_id, "u1", "ada@example.com", actions, len(actions), 1.0)


async def test_actions_before_link_go_out_as_dicts_with_empty_conversation() -> None:
    writer = Writer()
    manager = AutoplayChatbotManager(writer)
    await manager.on_actions(_payload())
    ((kind, call),) = writer.calls
    assert kind == "write" and call["conversation_id"] == "" and call["session_id"] == "s1"
    (action,) = call["slim_actions"]
    assert set(action) == {f.name for f in dataclasses.fields(SlimAction)}
    assert action["description"] == "Clicked Export"
    assert (call["user_id"], call["email"]) == ("u1", "ada@example.com")


async def test_action_kinds() -> None:
    class Model:
        def model_dump(self) -> dict[str, Any]:
            return {"description": "m"}

    writer = Writer()
    manager = AutoplayChatbotManager(writer)
    await manager.on_actions(_payload(actions=[{"description": "d"}, Model()]))
    assert writer.calls[0][1]["slim_actions"] == [{"description": "d"}, {"description": "m"}]
    with pytest.raises(TypeError, match="unsupported action type: int"):
        await manager.on_actions(_payload(actions=[3]))


async def test_payload_without_session_touches_nothing() -> None:
    writer = Writer()
    manager = AutoplayChatbotManager(writer)
    await manager.on_actions(_payload(session_id=None))
    assert writer.calls == [] and len(manager.session_store) == 0  # type: ignore[arg-type]


async def test_chatbot_event_links_saves_and_returns_the_link() -> None:
    writer = Writer()
    links = InMemoryConversationLinkStore()
    manager = AutoplayChatbotManager(writer, link_store=links)
    assert manager.link_store is links and manager.writer is writer
    link = await manager.on_chatbot_event("s1", "c1", {"user_id": "u1"})
    assert link.event is ConversationEventType.NEW and links.get_session_id("c1") == "s1"
    state = await manager.session_store.get("s1")
    assert state is not None and state.metadata == {"user_id": "u1"} and state.conversation_id == "c1"
    # a reply in an older conversation leaves the session (and the writer) on its current one
    await manager.on_chatbot_event("s2", "c0")
    reply = await manager.on_chatbot_event("s1", "c0")
    assert reply.event is ConversationEventType.REPLY_EXISTING
    assert writer.calls[-1] == ("linked", {"session_id": "s1", "conversation_id": "c1"})
    for sid, cid in (("", "c"), ("s", "")):
        with pytest.raises(ValueError):
            await manager.on_chatbot_event(sid, cid)


async def test_writer_resynced_from_persisted_link() -> None:
    """A second replica (fresh writer) sharing the stores learns the link on its first batch."""
    sessions = MappingSessionStateStore(InMemorySessionStateStore())
    links = InMemoryConversationLinkStore()
    await AutoplayChatbotManager(Writer(), sessions, link_store=links).on_chatbot_event("s1", "c1")
    other = Writer()
    await AutoplayChatbotManager(other, sessions, link_store=links).on_actions(_payload())
    assert [k for k, _ in other.calls] == ["linked", "write"]
    assert other.calls[0][1] == {"session_id": "s1", "conversation_id": "c1"}
    assert other.calls[1][1]["conversation_id"] == "c1"


async def test_mutable_mapping_is_wrapped_and_save_state_persists() -> None:
    mapping = InMemorySessionStateStore()
    manager = AutoplayChatbotManager(Writer(), mapping)
    assert isinstance(manager.session_store, MappingSessionStateStore)
    state = await manager.session_store.get_or_create("s1")
    state.transition_to_reactive()
    await manager.save_state(state)
    assert mapping["s1"].current_state == state.current_state


class _Posting(BaseChatbotWriter):
    def __init__(self) -> None:
        super().__init__("p1", pre_link_window_s=1e12, post_link_debounce_s=0)
        self.notes: list[tuple[str, str]] = []

    async def _post_note(self, conversation_id: str, body: str) -> str | None:
        self.notes.append((conversation_id, body))
        return f"n{len(self.notes)}"


async def test_with_a_real_writer_pre_link_actions_flush_into_the_conversation() -> None:
    writer = _Posting()
    manager = AutoplayChatbotManager(writer, AsyncInMemorySessionStateStore())
    stamp = SlimAction(
        title="t",
        description="Opened board",
        canonical_url="/b",
        index=0,
        type="click",
        timestamp_start=1_700_000_000.0,
    )
    await manager.on_actions(_payload(actions=[stamp]))
    assert writer.notes == []
    await manager.on_chatbot_event("s1", "conv-7")
    assert [c for c, _ in writer.notes] == ["conv-7"] and "[1] Opened board" in writer.notes[0][1]


async def test_calls_for_one_session_are_serialised() -> None:
    order: list[str] = []
    gate = asyncio.Event()

    class Slow(Writer):
        async def on_session_linked(self, session_id: str, conversation_id: str) -> None:
            order.append("link-start")
            await gate.wait()
            order.append("link-end")

        async def write_actions(self, *a: Any, **k: Any) -> str | None:
            order.append("write")
            return None

    manager = AutoplayChatbotManager(Slow())
    linking = asyncio.create_task(manager.on_chatbot_event("s1", "c1"))
    while not order:
        await asyncio.sleep(0)
    writing = asyncio.create_task(manager.on_actions(_payload()))
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == ["link-start"]  # the batch waits for the link
    gate.set()
    await asyncio.gather(linking, writing)
    assert order == ["link-start", "link-end", "link-start", "link-end", "write"]
    assert len(manager._locks) == 0
