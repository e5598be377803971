"""Names of later SDK versions: where they import from, that they are lazy and silent, and that no
0.7.5 ``__all__`` or 0.7.5 name changed."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pytest

import autoplay_sdk
import autoplay_sdk.chat
import autoplay_sdk.chat.chatbot as chatbot
from autoplay_sdk.agent_state.v2 import async_store, state_store

LINK_NAMES = [
    "ConversationEventType",
    "ConversationLink",
    "ConversationLinkStore",
    "InMemoryConversationLinkStore",
    "ConversationWebhookEvent",
    "link_conversation",
    "resolve_linked_conversation_id",
    "AutoplayChatbotManager",
]

CHAT_ALL_075 = [
    "AsyncChatPipeline",
    "BaseChatbotWriter",
    "ConversationEvent",
    "ConversationWriter",
    "compose_chat_pipeline",
    "format_chatbot_note_header",
]


def _fresh(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return out.stdout


def test_import_autoplay_sdk_loads_none_of_the_new_modules() -> None:
    code = (
        "import sys, json, autoplay_sdk\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('autoplay_sdk', 'redis')))))"
    )
    loaded = set(json.loads(_fresh(code)))
    new = {
        "autoplay_sdk.chat._links",
        "autoplay_sdk.chat._manager",
        "autoplay_sdk.chat._redis_links",
        "autoplay_sdk.agent_state.v2.async_store",
        "autoplay_sdk.agent_state.v2.state_store",
        "autoplay_sdk.proactive",
        "autoplay_sdk.integrations",
        "redis",
    }
    assert not loaded & new


def test_root_names_are_lazy_silent_and_the_canonical_objects() -> None:
    code = (
        "import sys, autoplay_sdk\n"
        "from autoplay_sdk import AutoplayChatbotManager, ConversationLink, InMemorySessionStateStore\n"
        "from autoplay_sdk.chat.chatbot import AutoplayChatbotManager as M\n"
        "assert M is AutoplayChatbotManager\n"
        "print('redis' in sys.modules)"
    )
    assert _fresh(code).strip() == "False"  # -W error: no warning either


@pytest.mark.parametrize("name", [*LINK_NAMES, "InMemorySessionStateStore", "RedisSessionStateStore"])
def test_root_serves_the_chatbot_objects(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert getattr(autoplay_sdk, name) is getattr(chatbot, name)
    assert name not in autoplay_sdk.__all__


@pytest.mark.parametrize("name", LINK_NAMES)
def test_chat_package_serves_link_names(name: str) -> None:
    assert getattr(autoplay_sdk.chat, name) is getattr(chatbot, name)


def test_unknown_names_still_raise() -> None:
    with pytest.raises(AttributeError):
        autoplay_sdk.NotAName  # noqa: B018
    with pytest.raises(AttributeError):
        chatbot.NotAName  # noqa: B018
    with pytest.raises(AttributeError):
        autoplay_sdk.chat.InMemorySessionStateStore  # noqa: B018  (not exported from chat upstream)


def test_075_all_lists_unchanged() -> None:
    assert autoplay_sdk.chat.__all__ == CHAT_ALL_075
    assert len(autoplay_sdk.__all__) == 50
    for name in LINK_NAMES:
        assert name not in autoplay_sdk.__all__
    from autoplay_sdk.agent_state import v2
    from autoplay_sdk.proactive import triggers

    assert v2.__all__ == [
        "AgentStateV2",
        "InvalidTransitionError",
        "ProactiveState",
        "ReactiveState",
        "SessionState",
        "ThinkingState",
    ]
    assert state_store.__all__ == [
        "InMemorySessionStateStore",
        "RedisSessionStateStore",
        "from_portable",
        "to_portable",
    ]
    assert "proactive_trigger_url_hesitation" not in triggers.__all__


def test_star_imports_bind_the_075_names() -> None:
    chat_ns: dict[str, object] = {}
    exec("from autoplay_sdk.chat import *", chat_ns)
    assert sorted(k for k in chat_ns if not k.startswith("__")) == sorted(CHAT_ALL_075)
    root_ns: dict[str, object] = {}
    exec("from autoplay_sdk import *", root_ns)
    assert "ConversationLink" not in root_ns and "AutoplayChatbotManager" not in root_ns
    assert chatbot.ConversationWebhookEvent and chatbot.AutoplayChatbotManager  # served, even after use:
    chatbot_ns: dict[str, object] = {}
    exec("from autoplay_sdk.chat.chatbot import *", chatbot_ns)
    assert not set(chatbot_ns) & {*LINK_NAMES, "InMemorySessionStateStore", "RedisSessionStateStore", "importlib"}


def test_conversation_event_stays_the_dataclass_everywhere() -> None:
    """``ConversationEvent`` is the 0.7.5 dataclass (never the enum) and ``ConversationWebhookEvent`` is it."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for module in (autoplay_sdk, autoplay_sdk.chat, chatbot):
            assert module.ConversationEvent is chatbot.ConversationEvent
            assert module.ConversationWebhookEvent is chatbot.ConversationEvent
    event = chatbot.ConversationEvent("c1")
    assert (event.conversation_id, event.external_id, event.email) == ("c1", "", "")
    assert chatbot.ConversationWebhookEvent.__name__ == "ConversationEvent"
    assert not hasattr(chatbot.ConversationEvent, "NEW")


def test_async_store_names() -> None:
    assert async_store.__all__ == [
        "AsyncInMemorySessionStateStore",
        "AsyncRedisSessionStateStore",
        "AsyncSessionStateStore",
        "MappingSessionStateStore",
    ]
    assert chatbot.InMemorySessionStateStore is async_store.AsyncInMemorySessionStateStore
    assert chatbot.RedisSessionStateStore is async_store.AsyncRedisSessionStateStore
    assert state_store.InMemorySessionStateStore is not async_store.AsyncInMemorySessionStateStore


def test_strict_session_link_is_opt_in() -> None:
    class Lax(chatbot.BaseChatbotWriter):  # a 0.7.5 subclass: never checked
        SESSION_LINK_WEBHOOK_TOPICS = ("conversation.created",)

    assert Lax.extract_conversation_event({"topic": "conversation.created"}) is None

    with pytest.raises(TypeError, match="Strict sets SESSION_LINK_WEBHOOK_TOPICS but does not override"):

        class Strict(chatbot.BaseChatbotWriter, strict_session_link=True):
            SESSION_LINK_WEBHOOK_TOPICS = ("conversation.created",)

    class Parsed(chatbot.BaseChatbotWriter, strict_session_link=True):
        SESSION_LINK_WEBHOOK_TOPICS = ("conversation.created",)

        @classmethod
        def _parse_session_link_webhook_payload(cls, payload: dict[str, object]) -> chatbot.ConversationEvent | None:
            return chatbot.ConversationWebhookEvent(str(payload["id"]))

    class Child(Parsed):  # each class opts in itself; inherits a parser anyway
        SESSION_LINK_WEBHOOK_TOPICS = ("x",)

    class NoTopics(chatbot.BaseChatbotWriter, strict_session_link=True):
        pass

    assert Parsed.extract_conversation_event({"topic": "conversation.created", "id": 5}) == chatbot.ConversationEvent(
        "5"
    )
    assert Child and NoTopics
