"""The proactive loop and conversation links: an offer goes to the linked conversation when there is one."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from autoplay_sdk.chat.chatbot import ConversationEventType, InMemoryConversationLinkStore
from autoplay_sdk.proactive.copilot import AsyncProactiveCopilot, ProactiveCopilot
from autoplay_sdk.proactive.triggers import PredicateProactiveTrigger, ProactiveTriggerContext, ProactiveTriggerEntity
from tests.proactive.loop._helpers import payload, registry


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def _call(result: Any) -> Any:
    return await result if inspect.isawaitable(result) else result


async def test_offer_is_addressed_to_the_linked_conversation(kind: str) -> None:
    seen_contexts: list[str] = []
    sent: list[tuple[str, str | None, str]] = []

    def predicate(ctx: ProactiveTriggerContext) -> bool:
        seen_contexts.append(ctx.conversation_id)
        return ctx.recent_actions[-1].canonical_url.endswith("/help")

    trigger = ProactiveTriggerEntity(
        PredicateProactiveTrigger(trigger_id="help", body="Need a hand?", predicate=predicate),
        None,
        triggering_type="instant_trigger",
    )
    links = InMemoryConversationLinkStore()
    cls = ProactiveCopilot if kind == "sync" else AsyncProactiveCopilot
    copilot: Any = None

    def on_proactive(session_id: str, result: Any) -> None:
        sent.append((session_id, copilot.conversation_for(session_id), result.body))

    copilot = cls(on_proactive, registry=registry(trigger), link_store=links)
    assert copilot.link_store is links
    await _call(copilot.on_actions(payload("unlinked", 100, "/help")))
    assert copilot.conversation_for("nobody") is None

    link = await _call(copilot.link_conversation("s1", "conv-42"))
    assert link.event is ConversationEventType.NEW and links.get_session_id("conv-42") == "s1"
    reply = await _call(copilot.link_conversation("s2", "conv-42"))
    assert reply.event is ConversationEventType.REPLY_EXISTING
    await _call(copilot.on_actions(payload("s1", 101, "/a")))
    await _call(copilot.on_actions(payload("s1", 102, "/help")))
    assert sent == [("unlinked", None, "Need a hand?"), ("s1", "conv-42", "Need a hand?")]
    assert seen_contexts == ["", "conv-42", "conv-42"]
    with pytest.raises(ValueError):
        await _call(copilot.link_conversation("s1", ""))
