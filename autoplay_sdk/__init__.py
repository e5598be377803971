"""autoplay-sdk: receive Autoplay's live product-activity stream and turn it into chatbot context.

``import autoplay_sdk`` is cheap: it installs the deprecated-path finder and applies
``AUTOPLAY_SDK_LOG`` (when set), and nothing else — not even ``httpx``, which the stream clients
load when first used.  Each
public name (``__all__``, in the published order) is imported from its canonical module the
first time it is read (``from autoplay_sdk import ContextStore`` loads the context store and
what it needs, not the stream clients), then bound on the package, so later reads cost nothing.
``from autoplay_sdk import *`` binds the same 50 names as before.  The first-level modules the
package used to load eagerly (``autoplay_sdk.client``, ``autoplay_sdk.core``, …) are still
reachable as attributes.  Nothing here emits a warning, needs an optional extra or attaches a
logging handler; the deprecated v1 agent-state names (``AgentStateMachine`` and its types)
resolve lazily with a ``DeprecationWarning``.
"""

import importlib
from typing import TYPE_CHECKING, Any

from autoplay_sdk import _aliases as _aliases  # installs the deprecated-path finder
from autoplay_sdk import _logging as _logging  # applies AUTOPLAY_SDK_LOG, once
from autoplay_sdk._version import __version__ as __version__

if TYPE_CHECKING:  # what the names below resolve to, for type checkers and IDEs
    from autoplay_sdk.agent_state import v2 as agent_state_v2
    from autoplay_sdk.async_client import AsyncConnectorClient
    from autoplay_sdk.buffer import BufferBackend, EventBuffer, RedisEventBuffer
    from autoplay_sdk.chat.chat_pipeline import AsyncChatPipeline, compose_chat_pipeline
    from autoplay_sdk.chat.chatbot import (
        BaseChatbotWriter,
        ConversationEvent,
        ConversationWriter,
        format_chatbot_note_header,
    )
    from autoplay_sdk.client import ConnectorClient
    from autoplay_sdk.context.agent_context import AsyncAgentContextWriter
    from autoplay_sdk.context.context_store import AsyncContextStore, ContextStore
    from autoplay_sdk.context.summarizer import DEFAULT_PROMPT, AsyncSessionSummarizer, SessionSummarizer
    from autoplay_sdk.context.user_index import SessionRef, UserSessionIndex
    from autoplay_sdk.core.exceptions import SdkBufferFullError, SdkConfigError, SdkError, SdkUpstreamError
    from autoplay_sdk.core.metrics import SdkMetricsHook
    from autoplay_sdk.core.models import ActionsPayload, AnyPayload, SlimAction, SummaryPayload
    from autoplay_sdk.prompts import RAG_SYSTEM_PROMPT, REASONING_PROMPT, RESPONSE_PROMPT
    from autoplay_sdk.rag.ingest.ingest import AsyncRagPipeline, RagPipeline
    from autoplay_sdk.rag.query import (
        ChatContextAssembly,
        ChatMemoryProvider,
        ChatWatermarkScope,
        InboundWatermarkStore,
        InMemoryInboundWatermarkStore,
        KnowledgeBaseRetriever,
        RagChatProviders,
        RagReplyInputs,
        assemble_rag_chat_context,
        cutoff_for_delta_activity,
        effective_inbound_timestamp,
        format_rag_system_prompt,
        format_reasoning_prompt,
        format_response_prompt,
    )
    from autoplay_sdk.webhook_receiver import WebhookReceiver

_aliases.install()

# Public name -> the canonical module that defines it.
_LAZY: dict[str, str] = {
    **dict.fromkeys(["ConnectorClient"], "autoplay_sdk.client"),
    **dict.fromkeys(["AsyncConnectorClient"], "autoplay_sdk.async_client"),
    **dict.fromkeys(["ActionsPayload", "SummaryPayload", "SlimAction", "AnyPayload"], "autoplay_sdk.core.models"),
    **dict.fromkeys(["EventBuffer", "RedisEventBuffer", "BufferBackend"], "autoplay_sdk.buffer"),
    **dict.fromkeys(["ContextStore", "AsyncContextStore"], "autoplay_sdk.context.context_store"),
    **dict.fromkeys(["RagPipeline", "AsyncRagPipeline"], "autoplay_sdk.rag.ingest.ingest"),
    **dict.fromkeys(
        [
            "ChatContextAssembly",
            "ChatMemoryProvider",
            "KnowledgeBaseRetriever",
            "RagChatProviders",
            "RagReplyInputs",
            "assemble_rag_chat_context",
            "ChatWatermarkScope",
            "cutoff_for_delta_activity",
            "effective_inbound_timestamp",
            "InMemoryInboundWatermarkStore",
            "InboundWatermarkStore",
            "format_rag_system_prompt",
            "format_reasoning_prompt",
            "format_response_prompt",
        ],
        "autoplay_sdk.rag.query",
    ),
    **dict.fromkeys(["RAG_SYSTEM_PROMPT", "REASONING_PROMPT", "RESPONSE_PROMPT"], "autoplay_sdk.prompts"),
    **dict.fromkeys(
        ["SessionSummarizer", "AsyncSessionSummarizer", "DEFAULT_PROMPT"], "autoplay_sdk.context.summarizer"
    ),
    **dict.fromkeys(["AsyncAgentContextWriter"], "autoplay_sdk.context.agent_context"),
    **dict.fromkeys(
        ["ConversationWriter", "BaseChatbotWriter", "ConversationEvent", "format_chatbot_note_header"],
        "autoplay_sdk.chat.chatbot",
    ),
    **dict.fromkeys(["AsyncChatPipeline", "compose_chat_pipeline"], "autoplay_sdk.chat.chat_pipeline"),
    **dict.fromkeys(["UserSessionIndex", "SessionRef"], "autoplay_sdk.context.user_index"),
    **dict.fromkeys(["WebhookReceiver"], "autoplay_sdk.webhook_receiver"),
    **dict.fromkeys(["SdkMetricsHook"], "autoplay_sdk.core.metrics"),
    **dict.fromkeys(
        ["SdkError", "SdkConfigError", "SdkUpstreamError", "SdkBufferFullError"], "autoplay_sdk.core.exceptions"
    ),
}
# The first-level modules that ``import autoplay_sdk`` made reachable as attributes in 0.7.5.
_SUBMODULES = frozenset(
    {
        "agent_state",
        "async_client",
        "buffer",
        "chat",
        "client",
        "compat",
        "context",
        "core",
        "prompts",
        "rag",
        "stream_auth",
        "webhook_receiver",
    }
)


def __getattr__(name: str) -> Any:
    """Import a public name (or a first-level module) on first use and bind it on the package."""
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif name == "agent_state_v2":
        value = importlib.import_module("autoplay_sdk.agent_state.v2")
    elif name in _SUBMODULES:
        value = importlib.import_module(f"autoplay_sdk.{name}")
    else:
        from autoplay_sdk.agent_state._root_names import root_getattr

        return root_getattr(name, stacklevel=3)  # the warning points at the caller's line
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [  # noqa: RUF022 — the published order, not sorted
    "ConnectorClient",
    "AsyncConnectorClient",
    "ActionsPayload",
    "SummaryPayload",
    "SlimAction",
    "AnyPayload",
    "EventBuffer",
    "RedisEventBuffer",
    "BufferBackend",
    "ContextStore",
    "AsyncContextStore",
    "RagPipeline",
    "AsyncRagPipeline",
    "ChatContextAssembly",
    "ChatMemoryProvider",
    "KnowledgeBaseRetriever",
    "RagChatProviders",
    "RagReplyInputs",
    "assemble_rag_chat_context",
    "ChatWatermarkScope",
    "cutoff_for_delta_activity",
    "effective_inbound_timestamp",
    "InMemoryInboundWatermarkStore",
    "InboundWatermarkStore",
    "format_rag_system_prompt",
    "format_reasoning_prompt",
    "format_response_prompt",
    "RAG_SYSTEM_PROMPT",
    "REASONING_PROMPT",
    "RESPONSE_PROMPT",
    "SessionSummarizer",
    "AsyncSessionSummarizer",
    "DEFAULT_PROMPT",
    "AsyncAgentContextWriter",
    "agent_state_v2",
    "ConversationWriter",
    "BaseChatbotWriter",
    "ConversationEvent",
    "format_chatbot_note_header",
    "AsyncChatPipeline",
    "compose_chat_pipeline",
    "UserSessionIndex",
    "SessionRef",
    "WebhookReceiver",
    "SdkMetricsHook",
    "SdkError",
    "SdkConfigError",
    "SdkUpstreamError",
    "SdkBufferFullError",
    "__version__",
]
