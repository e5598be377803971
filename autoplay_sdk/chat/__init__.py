"""Chat layer: chatbot delivery (``chatbot``) and the composed async chat pipeline (``chat_pipeline``).

The conversation-link names (``ConversationEventType``, ``ConversationLink``,
``ConversationLinkStore``, ``InMemoryConversationLinkStore``, ``ConversationWebhookEvent``,
``link_conversation``, ``resolve_linked_conversation_id``) and ``AutoplayChatbotManager`` are
served from :mod:`autoplay_sdk.chat.chatbot` on first access; they are not in ``__all__``, so
``from autoplay_sdk.chat import *`` binds the same names as before.
"""

from typing import Any

from autoplay_sdk.chat.chat_pipeline import AsyncChatPipeline, compose_chat_pipeline
from autoplay_sdk.chat.chatbot import (
    BaseChatbotWriter,
    ConversationEvent,
    ConversationWriter,
    format_chatbot_note_header,
)

__all__ = [
    "AsyncChatPipeline",
    "BaseChatbotWriter",
    "ConversationEvent",
    "ConversationWriter",
    "compose_chat_pipeline",
    "format_chatbot_note_header",
]

_CHATBOT_NAMES = frozenset(
    {
        "AutoplayChatbotManager",
        "ConversationEventType",
        "ConversationLink",
        "ConversationLinkStore",
        "ConversationWebhookEvent",
        "InMemoryConversationLinkStore",
        "link_conversation",
        "resolve_linked_conversation_id",
    }
)


def __getattr__(name: str) -> Any:
    if name not in _CHATBOT_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from autoplay_sdk.chat import chatbot

    value = getattr(chatbot, name)
    globals()[name] = value
    return value
