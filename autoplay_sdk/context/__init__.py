"""Session context: the context stores, the LLM summarizers, the push-model writer and the user index."""

from autoplay_sdk.context.agent_context import AsyncAgentContextWriter
from autoplay_sdk.context.context_store import AsyncContextStore, ContextStore, actions_bucket_id
from autoplay_sdk.context.summarizer import DEFAULT_PROMPT, AsyncSessionSummarizer, SessionSummarizer
from autoplay_sdk.context.user_index import SessionRef, UserSessionIndex

# The published order.
__all__ = [
    "DEFAULT_PROMPT",
    "AsyncAgentContextWriter",
    "AsyncContextStore",
    "AsyncSessionSummarizer",
    "ContextStore",
    "SessionRef",
    "SessionSummarizer",
    "UserSessionIndex",
    "actions_bucket_id",
]
