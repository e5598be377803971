"""Chat layer: chatbot delivery (``chatbot``) and the composed async chat pipeline (``chat_pipeline``)."""

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
