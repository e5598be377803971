"""autoplay-sdk: receive Autoplay's live product-activity stream and turn it into chatbot context.

``import autoplay_sdk`` loads only canonical modules (no DeprecationWarning), needs no optional
extra, and attaches no logging handler.  ``__all__`` follows the published order.  The deprecated
v1 agent-state names (``AgentStateMachine`` and its types) resolve lazily with a warning.
"""

from autoplay_sdk import _aliases as _aliases  # installs the deprecated-path finder
from autoplay_sdk._version import __version__ as __version__
from autoplay_sdk.agent_state import v2 as agent_state_v2
from autoplay_sdk.agent_state._root_names import root_getattr as __getattr__  # noqa: F401 — deprecated v1 names
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
