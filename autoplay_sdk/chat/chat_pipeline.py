"""One-call wiring of the async chat stack: summarizer, context store and agent writer.

:func:`compose_chat_pipeline` builds an :class:`~autoplay_sdk.context.summarizer.AsyncSessionSummarizer`,
an :class:`~autoplay_sdk.context.context_store.AsyncContextStore` and an
:class:`~autoplay_sdk.context.agent_context.AsyncAgentContextWriter`, and fans every summary out
to both the store and the writer.  Feed it with :meth:`AsyncChatPipeline.on_actions` (for
example as the ``on_actions`` callback of ``AsyncConnectorClient``).

This module emits no log records.  Decision: the fan-out calls the
writer's handler even if the store's ``on_summary`` raised, then re-raises the store's error (the
summarizer logs it), so a store failure never hides a summary from the destination.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from autoplay_sdk.context.agent_context import AsyncAgentContextWriter
from autoplay_sdk.context.context_store import AsyncContextStore
from autoplay_sdk.context.summarizer import AsyncSessionSummarizer
from autoplay_sdk.core.models import ActionsPayload

__all__ = ["AsyncChatPipeline", "compose_chat_pipeline"]


@dataclass
class AsyncChatPipeline:
    """The composed chat stack; build it with :func:`compose_chat_pipeline`.

    ``context_store.enrich(session_id, query)`` gives the latest summary plus the recent actions
    for RAG queries; ``agent_writer`` pushes every batch (and every summary) to the destination.
    """

    summarizer: AsyncSessionSummarizer
    context_store: AsyncContextStore
    agent_writer: AsyncAgentContextWriter

    async def on_actions(self, payload: ActionsPayload) -> None:
        """Record ``payload`` in the context store, then hand it to the agent writer.

        In that order; exceptions propagate (the store's first, skipping the writer).  With
        ``debounce_ms > 0`` the writer only schedules delivery and this returns at once.  The
        store is written before this first suspends, so calls that start in arrival order (as
        ``AsyncConnectorClient`` starts a session's callbacks) store in arrival order, however
        many of them overlap.
        """
        await self.context_store.add(payload)
        await self.agent_writer.add(payload)


async def _noop_overwrite(session_id: str, summary_text: str) -> None:
    return None


def compose_chat_pipeline(
    *,
    llm: Callable[[str], Awaitable[str]],
    threshold: int = 10,
    lookback_seconds: float | None = 300.0,
    max_actions: int | None = 20,
    write_actions: Callable[[str, str], Awaitable[None]] | None = None,
    overwrite_with_summary: Callable[[str, str], Awaitable[None]] | None = None,
    debounce_ms: int = 0,
) -> AsyncChatPipeline:
    """Build and wire an :class:`AsyncChatPipeline`.

    Args:
        llm: async LLM call, ``prompt -> summary``; called by the summarizer every time at least
            ``threshold`` actions are pending for a session.
        threshold: pending actions per session that trigger a summary.
        lookback_seconds: the context store's time window (payloads older than this — by
            ``forwarded_at`` — are pruned when added and hidden from ``get``); ``None`` disables it.
        max_actions: the most recent actions ``context_store.get`` renders; ``None`` for all.
        write_actions: ``(session_id, text)`` called with every batch as text.
        overwrite_with_summary: ``(session_id, summary)`` called with every summary; a no-op when
            ``None``.
        debounce_ms: when positive, the writer merges a session's batches arriving within this
            window (trailing edge) before delivering them.

    Every summary goes first to ``context_store.on_summary`` and then to the writer, so
    ``context_store.enrich`` shows the latest summary next to the recent actions.  Logs nothing.

    Raises:
        SdkConfigError: ``threshold < 1``.
        ValueError: ``lookback_seconds <= 0`` or ``max_actions < 1``.
    """
    summarizer = AsyncSessionSummarizer(llm=llm, threshold=threshold)
    context_store = AsyncContextStore(summarizer=None, lookback_seconds=lookback_seconds, max_actions=max_actions)
    agent_writer = AsyncAgentContextWriter(
        summarizer=summarizer,
        write_actions=write_actions,
        overwrite_with_summary=overwrite_with_summary or _noop_overwrite,
        debounce_ms=debounce_ms,
    )
    writer_on_summary = summarizer.on_summary

    async def fan_out_summary(session_id: str, summary_text: str) -> None:
        try:
            await context_store.on_summary(session_id, summary_text)
        finally:
            if writer_on_summary is not None:
                await writer_on_summary(session_id, summary_text)

    summarizer.on_summary = fan_out_summary
    return AsyncChatPipeline(summarizer, context_store, agent_writer)
