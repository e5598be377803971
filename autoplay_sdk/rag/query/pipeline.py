"""Query-time RAG assembly: gather activity, history and KB records for one chat reply.

:func:`assemble_rag_chat_context` calls the providers you plug in (:class:`RagChatProviders`) and
returns the user-message block for the LLM plus the structured :class:`ChatContextAssembly`.

Sources, and how they are chosen:

- **Local session activity** - ``session_activity_local(session_id)``, typically
  ``ContextStore.get`` wrapped in a coroutine.
- **Delta activity** - ``session_activity_since(session_id, cutoff)``: activity newer than the
  previous user message (see :mod:`autoplay_sdk.rag.query.watermark`), only when a cutoff is given.
- **Memory provider** (:class:`ChatMemoryProvider`) - live activity and prior conversation turns
  from an external memory service.  Used only when a ``session_id`` is known.
- **Knowledge base** (:class:`KnowledgeBaseRetriever`) - documentation records for the question.

Two switches, read from the environment **on every call** (so a deployment can flip them without a
restart; they are part of the published contract, which is why this module reads the environment
at all): ``RAG_PREFER_ZEP_LIVE_ACTIVITY`` (memory live activity wins over local activity) and
``RAG_SKIP_REDIS_CONTEXT_WHEN_ZEP`` (non-blank memory live activity makes the local and delta calls
unnecessary).  Both default to on; ``0``, ``false``, ``no`` and ``off`` (any case, surrounding
blanks ignored) turn them off.

Decisions and fixes:

- Provider calls are awaited one after another, never concurrently, in a fixed order (memory live
  activity, memory turns, local activity, delta activity, KB), so providers may share a connection.
- ``recent_activity`` is the first source that is **non-blank after stripping** (a
  whitespace-only preferred source does not hide the other one).
- Any ``Exception`` - a provider failure or a provider returning the wrong type - is logged once at
  WARNING with its traceback and re-raised unchanged; nothing is swallowed.  ``BaseException``
  (cancellation) passes through unlogged.
- Log records carry ids, flags and lengths only: never the user message, activity, history, KB
  text or the email address.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from autoplay_sdk._logging import get_logger

# Re-exported explicitly: 0.7.5 users import these from this module too.
from autoplay_sdk.rag.query.assembly import ChatContextAssembly as ChatContextAssembly
from autoplay_sdk.rag.query.assembly import build_user_prompt_block as build_user_prompt_block
from autoplay_sdk.rag.query.assembly import format_history_for_prompt as format_history_for_prompt
from autoplay_sdk.rag.query.assembly import format_kb_records_for_prompt as format_kb_records_for_prompt

logger = get_logger(__name__)

_OFF_VALUES = frozenset({"0", "false", "no", "off"})


def _switch(name: str) -> bool:
    return os.environ.get(name, "1").strip().lower() not in _OFF_VALUES


def prefer_zep_live_activity_for_rag() -> bool:
    """Whether ``recent_activity`` prefers memory-provider live activity over local activity.

    Reads ``RAG_PREFER_ZEP_LIVE_ACTIVITY`` on every call: ``False`` only for ``0``, ``false``,
    ``no`` or ``off`` (stripped, any case); unset, empty or anything else gives ``True``.
    """
    return _switch("RAG_PREFER_ZEP_LIVE_ACTIVITY")


def skip_redis_context_when_zep_memory() -> bool:
    """Whether non-blank memory live activity skips the local-activity and delta calls.

    Reads ``RAG_SKIP_REDIS_CONTEXT_WHEN_ZEP`` on every call, with the same rule as
    :func:`prefer_zep_live_activity_for_rag` (default ``True``).
    """
    return _switch("RAG_SKIP_REDIS_CONTEXT_WHEN_ZEP")


@dataclass(frozen=True)
class RagReplyInputs:
    """The per-reply arguments of :func:`assemble_rag_chat_context`, bundled (frozen).

    Not hashable (``integration_config`` is a dict).  See
    :func:`assemble_rag_chat_context_from_inputs`.
    """

    product_id: str
    integration_config: dict[str, Any]
    conversation_id: str
    user_message: str
    email: str
    session_id: str | None = None
    activity_since_cutoff: float | None = None


@runtime_checkable
class ChatMemoryProvider(Protocol):
    """An external chat-memory service (structural; ``isinstance`` checks the method names only)."""

    async def live_activity(self, *, session_id: str, user_id: str) -> str:
        """A text snapshot of the session's recent live product activity (``""`` if none)."""
        ...

    async def conversation_turns(self, *, session_id: str, conversation_id: str, user_id: str) -> list[dict[str, str]]:
        """Prior turns of the conversation as ``{"role": ..., "content": ...}`` dicts, oldest first."""
        ...


@runtime_checkable
class KnowledgeBaseRetriever(Protocol):
    """Retrieves knowledge-base records for a question (structural; checks the method name only)."""

    async def retrieve(
        self,
        *,
        connector_product_id: str,
        kb_product_id: str | None,
        session_id: str,
        user_query: str,
        knowledge_id: str,
        activity_text_for_kb_injection: str,
    ) -> list[dict[str, Any]]:
        """Records with ``content`` and an optional ``title``; extra keys are kept in ``kb_raw_records``."""
        ...


@dataclass
class RagChatProviders:
    """The sources :func:`assemble_rag_chat_context` reads from.

    ``session_activity_local(session_id)`` and ``session_activity_since(session_id, cutoff)`` are
    awaited with positional arguments and must return ``str``.  ``memory`` and ``knowledge_base``
    are optional.  Nothing is validated here; a wrong type fails at assembly time.
    """

    session_activity_local: Callable[[str], Awaitable[str]]
    session_activity_since: Callable[[str, float], Awaitable[str]] | None = None
    memory: ChatMemoryProvider | None = None
    knowledge_base: KnowledgeBaseRetriever | None = None


def _first_nonblank(*values: str | None) -> str:
    for value in values:
        stripped = (value or "").strip()
        if stripped:
            return stripped
    return ""


def _first_user_question(turns: list[dict[str, str]], fallback: str) -> str:
    for turn in turns:
        content = (turn.get("content") or "").strip()
        if content and (turn.get("role") or "").lower() == "user":
            return content
    return fallback


async def assemble_rag_chat_context(
    *,
    product_id: str,
    integration_config: dict[str, Any],
    conversation_id: str,
    user_message: str,
    email: str,
    session_id: str | None,
    activity_since_cutoff: float | None,
    providers: RagChatProviders,
) -> tuple[str, ChatContextAssembly]:
    """Gather the context for one chat reply; return ``(user_block, assembly)``.

    Providers are awaited sequentially, each only when needed:

    1. with ``providers.memory`` and a truthy ``session_id``: ``memory.live_activity`` then
       ``memory.conversation_turns`` (``user_id`` = the first truthy of ``email``, ``session_id``,
       ``"anonymous"``, stripped);
    2. with a ``session_id``: ``session_activity_local(session_id)`` - skipped when the memory live
       activity is non-blank and ``RAG_SKIP_REDIS_CONTEXT_WHEN_ZEP`` is on;
    3. with a ``session_id``, a non-``None`` ``activity_since_cutoff`` (``0.0`` counts) and
       ``providers.session_activity_since``: the delta call - skipped on the same condition as 2;
    4. with ``providers.knowledge_base``: ``retrieve(...)`` with ``user_query`` = the raw message,
       ``kb_product_id`` / ``knowledge_id`` from ``integration_config["kb_product_id"]`` /
       ``["kb_knowledge_id"]`` (stripped; an empty KB product id is passed as ``None``) and the
       chosen recent activity.

    ``recent_activity`` is the first non-blank of (memory live, local) - or (local, memory live)
    when ``RAG_PREFER_ZEP_LIVE_ACTIVITY`` is off - stripped.  ``first_question_text`` is the first
    non-blank ``user`` turn (role compared case-insensitively), else the raw ``user_message``.
    ``user_block`` is :func:`~autoplay_sdk.rag.query.assembly.build_user_prompt_block`: delta,
    recent activity, history, KB, then the current message.

    Raises:
        Exception: whatever a provider raises, or the error a wrong return type causes (e.g.
            ``conversation_turns`` returning ``None``), re-raised unchanged after one WARNING log.
    """
    try:
        result = await _assemble(
            product_id=product_id,
            integration_config=integration_config,
            conversation_id=conversation_id,
            user_message=user_message,
            email=email,
            session_id=session_id,
            activity_since_cutoff=activity_since_cutoff,
            providers=providers,
        )
    except Exception:
        logger.warning(
            "rag_query: assemble_rag_chat_context failed product=%s conv=%s",
            product_id,
            conversation_id,
            exc_info=True,
            extra={
                "product_id": product_id,
                "conversation_id": conversation_id,
                "session_id": session_id,
                "event_type": "rag_query_assemble_failed",
            },
        )
        raise
    block, assembly = result
    logger.debug(
        "rag_query: assemble_rag_chat_context ok product=%s conv=%s",
        product_id,
        conversation_id,
        extra={
            "product_id": product_id,
            "conversation_id": conversation_id,
            "session_id": session_id,
            "event_type": "rag_query_assemble_ok",
            "has_memory": bool(providers.memory and session_id),
            "has_kb": providers.knowledge_base is not None,
            "has_delta_activity": bool(
                session_id and activity_since_cutoff is not None and providers.session_activity_since is not None
            ),
            "user_block_chars": len(block),
            "recent_activity_chars": len(assembly.recent_activity),
            "history_chars": len(assembly.conversation_history_text),
            "kb_chars": len(assembly.kb_records_text),
            "activity_since_chars": len(assembly.activity_since_last_chat_message),
        },
    )
    return result


async def _assemble(
    *,
    product_id: str,
    integration_config: dict[str, Any],
    conversation_id: str,
    user_message: str,
    email: str,
    session_id: str | None,
    activity_since_cutoff: float | None,
    providers: RagChatProviders,
) -> tuple[str, ChatContextAssembly]:
    user_id = (email or session_id or "anonymous").strip()
    memory = providers.memory

    live: str | None = ""
    turns: list[dict[str, str]] = []
    if memory and session_id:
        live = await memory.live_activity(session_id=session_id, user_id=user_id)
        turns = await memory.conversation_turns(session_id=session_id, conversation_id=conversation_id, user_id=user_id)
    elif memory:
        logger.debug(
            "rag_query: skipping memory live+history without session_id product=%s conv=%s",
            product_id,
            conversation_id,
            extra={"product_id": product_id, "conversation_id": conversation_id},
        )
    # Non-blank memory live activity makes the local store redundant in skip-local mode.
    live_covers_local = bool(memory and session_id and skip_redis_context_when_zep_memory() and (live or "").strip())

    local: str | None = ""
    if session_id and not live_covers_local:
        local = await providers.session_activity_local(session_id)

    if prefer_zep_live_activity_for_rag():
        recent_activity = _first_nonblank(live, local)
    else:
        recent_activity = _first_nonblank(local, live)

    history_text = format_history_for_prompt(turns)
    first_question = _first_user_question(turns, user_message)

    delta = ""
    since = providers.session_activity_since
    if session_id and activity_since_cutoff is not None and since is not None and not live_covers_local:
        delta = await since(session_id, activity_since_cutoff)

    kb_product_id = (integration_config.get("kb_product_id") or "").strip() or None
    knowledge_id = (integration_config.get("kb_knowledge_id") or "").strip()
    records: list[dict[str, Any]] = []
    if providers.knowledge_base is not None:
        records = await providers.knowledge_base.retrieve(
            connector_product_id=product_id,
            kb_product_id=kb_product_id,
            session_id=session_id or "",
            user_query=user_message,
            knowledge_id=knowledge_id,
            activity_text_for_kb_injection=recent_activity,
        )

    assembly = ChatContextAssembly(
        recent_activity=recent_activity,
        kb_records_text=format_kb_records_for_prompt(records),
        conversation_history_text=history_text,
        user_message=user_message,
        activity_since_last_chat_message=delta,
        first_question_text=first_question,
        session_activity_local=(local or "").strip(),
        zep_live_activity=(live or "").strip(),
        zep_conversation_turns=list(turns),
        kb_raw_records=list(records),
    )
    return build_user_prompt_block(assembly), assembly


async def assemble_rag_chat_context_from_inputs(
    inputs: RagReplyInputs, *, providers: RagChatProviders
) -> tuple[str, ChatContextAssembly]:
    """:func:`assemble_rag_chat_context` with its arguments taken from ``inputs`` (same contract and logs)."""
    return await assemble_rag_chat_context(
        product_id=inputs.product_id,
        integration_config=inputs.integration_config,
        conversation_id=inputs.conversation_id,
        user_message=inputs.user_message,
        email=inputs.email,
        session_id=inputs.session_id,
        activity_since_cutoff=inputs.activity_since_cutoff,
        providers=providers,
    )
