"""Query-time RAG: assemble realtime activity, chat history and KB records into an LLM prompt.

- :mod:`~autoplay_sdk.rag.query.assembly` - :class:`ChatContextAssembly` and the pure text builders;
- :mod:`~autoplay_sdk.rag.query.formatters` - fill the :mod:`autoplay_sdk.prompts` templates;
- :mod:`~autoplay_sdk.rag.query.pipeline` - provider protocols and :func:`assemble_rag_chat_context`;
- :mod:`~autoplay_sdk.rag.query.watermark` - inbound-message watermarks for delta activity.

The deprecated path ``autoplay_sdk.rag_query`` (and its submodules) still imports, with a
``DeprecationWarning``, and gives these same objects.
"""

from autoplay_sdk.rag.query.assembly import (
    ChatContextAssembly,
    IntercomPromptAssembly,
    build_selected_context_for_rag_system_prompt,
    build_user_prompt_block,
    format_history_for_prompt,
    format_kb_records_for_prompt,
)
from autoplay_sdk.rag.query.formatters import (
    format_rag_system_prompt,
    format_reasoning_prompt,
    format_response_prompt,
    previews_for_reasoning_from_assembly,
)
from autoplay_sdk.rag.query.pipeline import (
    ChatMemoryProvider,
    KnowledgeBaseRetriever,
    RagChatProviders,
    RagReplyInputs,
    assemble_rag_chat_context,
    assemble_rag_chat_context_from_inputs,
)
from autoplay_sdk.rag.query.watermark import (
    ChatWatermarkScope,
    InboundWatermarkStore,
    InMemoryInboundWatermarkStore,
    cutoff_for_delta_activity,
    effective_inbound_timestamp,
)

# The published order, not sorted.
__all__ = [  # noqa: RUF022
    "ChatContextAssembly",
    "ChatMemoryProvider",
    "IntercomPromptAssembly",
    "KnowledgeBaseRetriever",
    "RagChatProviders",
    "RagReplyInputs",
    "assemble_rag_chat_context",
    "assemble_rag_chat_context_from_inputs",
    "ChatWatermarkScope",
    "cutoff_for_delta_activity",
    "effective_inbound_timestamp",
    "InboundWatermarkStore",
    "InMemoryInboundWatermarkStore",
    "build_selected_context_for_rag_system_prompt",
    "build_user_prompt_block",
    "format_history_for_prompt",
    "format_kb_records_for_prompt",
    "format_rag_system_prompt",
    "format_reasoning_prompt",
    "format_response_prompt",
    "previews_for_reasoning_from_assembly",
]
