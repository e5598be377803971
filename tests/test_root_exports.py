"""The package root: spec 01 §1's ``__all__`` (order and identity), and a lean, silent import."""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys

import autoplay_sdk

# (name, canonical module) in the published order; 50 rows counting __version__.
SPEC = [
    ("ConnectorClient", "autoplay_sdk.client"),
    ("AsyncConnectorClient", "autoplay_sdk.async_client"),
    *[(n, "autoplay_sdk.core.models") for n in ("ActionsPayload", "SummaryPayload", "SlimAction", "AnyPayload")],
    *[(n, "autoplay_sdk.buffer") for n in ("EventBuffer", "RedisEventBuffer", "BufferBackend")],
    *[(n, "autoplay_sdk.context.context_store") for n in ("ContextStore", "AsyncContextStore")],
    *[(n, "autoplay_sdk.rag.ingest.ingest") for n in ("RagPipeline", "AsyncRagPipeline")],
    *[
        (n, "autoplay_sdk.rag.query")
        for n in (
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
        )
    ],
    *[(n, "autoplay_sdk.prompts") for n in ("RAG_SYSTEM_PROMPT", "REASONING_PROMPT", "RESPONSE_PROMPT")],
    *[
        (n, "autoplay_sdk.context.summarizer")
        for n in ("SessionSummarizer", "AsyncSessionSummarizer", "DEFAULT_PROMPT")
    ],
    ("AsyncAgentContextWriter", "autoplay_sdk.context.agent_context"),
    ("agent_state_v2", "autoplay_sdk.agent_state.v2"),
    *[
        (n, "autoplay_sdk.chat.chatbot")
        for n in ("ConversationWriter", "BaseChatbotWriter", "ConversationEvent", "format_chatbot_note_header")
    ],
    *[(n, "autoplay_sdk.chat.chat_pipeline") for n in ("AsyncChatPipeline", "compose_chat_pipeline")],
    *[(n, "autoplay_sdk.context.user_index") for n in ("UserSessionIndex", "SessionRef")],
    ("WebhookReceiver", "autoplay_sdk.webhook_receiver"),
    ("SdkMetricsHook", "autoplay_sdk.core.metrics"),
    *[
        (n, "autoplay_sdk.core.exceptions")
        for n in ("SdkError", "SdkConfigError", "SdkUpstreamError", "SdkBufferFullError")
    ],
    ("__version__", "autoplay_sdk"),
]


def present(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is not there either
        return False


def test_spec_table_has_fifty_rows() -> None:
    assert len(SPEC) == 50


def test_all_is_the_published_order_of_every_name_whose_module_exists() -> None:
    assert autoplay_sdk.__all__ == [name for name, module in SPEC if present(module)]


def test_each_name_is_the_canonical_object() -> None:
    for name, module in SPEC:
        if not present(module) or name in ("__version__", "agent_state_v2"):
            continue
        assert getattr(autoplay_sdk, name) is getattr(importlib.import_module(module), name), name


def test_version_is_the_installed_distribution_version() -> None:
    from importlib.metadata import version

    from packaging.version import Version

    assert isinstance(autoplay_sdk.__version__, str)
    assert autoplay_sdk.__version__ == version("autoplay-sdk")
    assert Version(autoplay_sdk.__version__).public == "0.7.5"  # the drop-in's release; a local label names the build


def test_import_is_silent_lean_and_adds_no_log_handlers() -> None:
    code = (
        "import logging, sys\n"
        "before = list(logging.getLogger().handlers)\n"
        "import autoplay_sdk\n"
        "assert logging.getLogger().handlers == before\n"
        "assert logging.getLogger('autoplay_sdk').handlers == []\n"
        "heavy = [m for m in ('fastapi', 'redis', 'unkey', 'uvicorn', 'autoplay_sdk.integrations',"
        " 'autoplay_sdk.proactive', 'autoplay_sdk.api', 'autoplay_sdk.testing', 'autoplay_sdk.admin')"
        " if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert 'httpx' not in sys.modules, 'import autoplay_sdk loads httpx'\n"
        "from autoplay_sdk import ConnectorClient\n"
        "assert 'httpx' in sys.modules and 'httpx_sse' in sys.modules\n"
        "import autoplay_sdk.client as m\n"
        "assert autoplay_sdk.client is m\n"
        "assert autoplay_sdk.agent_state_v2 is sys.modules['autoplay_sdk.agent_state.v2']\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "AUTOPLAY_SDK_LOG"}
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
