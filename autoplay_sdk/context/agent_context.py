"""The push model: :class:`AsyncAgentContextWriter`.

Every batch is forwarded as text to ``write_actions`` (e.g. posted into the agent's
conversation) and then fed to an :class:`AsyncSessionSummarizer`; each summary goes to
``overwrite_with_summary``, which should post the summary first and only then remove the raw
action messages it replaces.

Choices beyond the published contract: debounce flush tasks are kept referenced until they
finish (a task only the loop references may be garbage-collected mid-flight); a callback failure
is logged with the session id and exception only, never the action text; ``add`` refuses, with a
WARNING and no state change, a payload that could not be rendered or merged (``forwarded_at``
not a finite number, ``actions`` not a list of actions, ids that are not strings), so one bad
payload cannot break a debounced session's merge.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from autoplay_sdk._logging import get_logger
from autoplay_sdk.context._admit import describe, payload_problem
from autoplay_sdk.context.summarizer import AsyncSessionSummarizer
from autoplay_sdk.core.models import ActionsPayload

logger = get_logger(__name__)


class AsyncAgentContextWriter:
    """Forward each batch to ``write_actions``, feed the summarizer, and push summaries out.

    ``add(payload)`` delivers ``payload.to_text()`` to ``write_actions(session_id, text)`` (if
    given), then always awaits ``summarizer.add(payload)``.  The summarizer gets a session's
    batches in the order ``add`` was called, even when calls overlap and ``write_actions``
    finishes them in another order (a later batch waits for the earlier one's hand-off).  With
    ``debounce_ms > 0`` batches of a session are held and merged (``ActionsPayload.merge``)
    until ``debounce_ms`` passes without a new one (trailing edge), and ``add`` returns at once;
    payloads still held when the event loop stops are lost.  Exceptions from the callbacks are
    logged at ERROR and swallowed.

    Construction installs the writer's handler as ``summarizer.on_summary`` (logging a WARNING if
    it replaces a callback); each summary is then awaited through ``overwrite_with_summary``
    inside the summarizer's worker, so a slow callback delays that session's next summary.
    """

    def __init__(
        self,
        summarizer: AsyncSessionSummarizer,
        overwrite_with_summary: Callable[[str, str], Awaitable[None]],
        write_actions: Callable[[str, str], Awaitable[None]] | None = None,
        debounce_ms: int = 0,
    ) -> None:
        self._summarizer = summarizer
        self._overwrite_with_summary = overwrite_with_summary
        self._write_actions = write_actions
        self._debounce_s = debounce_ms / 1000.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: dict[str, list[ActionsPayload]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._feeding: dict[str, asyncio.Future[None]] = {}  # session -> the latest batch's turn
        previous = summarizer.on_summary
        if previous is not None:
            logger.warning(
                "agent_context: overwriting an existing on_summary callback on the AsyncSessionSummarizer: %r",
                previous,
            )
        summarizer.on_summary = self._on_summary

    async def add(self, payload: ActionsPayload) -> None:
        """Deliver ``payload`` now, or (debounced) schedule its session's merged delivery.

        Without debounce this awaits ``write_actions`` and ``summarizer.add``.  Never raises for
        callback failures.  A payload that could not be rendered is refused with a WARNING.
        """
        problem = payload_problem(payload)
        if problem is not None:
            logger.warning("agent_context: refused a payload for session=%s (%s)", describe(payload), problem)
            return
        if self._debounce_s <= 0:
            await self._deliver(payload)
            return
        sid = payload.session_id or "unknown"
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        self._pending.setdefault(sid, []).append(payload)
        timer = self._timers.pop(sid, None)
        if timer is not None:
            timer.cancel()
        self._timers[sid] = self._loop.call_later(self._debounce_s, self._flush_session, sid)

    def _flush_session(self, sid: str) -> None:
        self._timers.pop(sid, None)
        pending = self._pending.pop(sid, None)
        if not pending or self._loop is None:
            return
        task = self._loop.create_task(self._deliver(ActionsPayload.merge(pending)), name=f"agent-context-flush-{sid}")
        self._tasks.add(task)
        task.add_done_callback(self._flush_done)

    def _flush_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            logger.error("agent_context: debounce flush failed (%s): %s", task.get_name(), exc, exc_info=exc)

    async def _deliver(self, payload: ActionsPayload) -> None:
        sid = payload.session_id or "unknown"
        if self._write_actions is None:
            await self._summarizer.add(payload)
            return
        text = payload.to_text()
        # Batches of a session can be delivered concurrently (a client with session_concurrency
        # > 1, overlapping debounce flushes) and write_actions may take longer for one than for
        # the next: each batch waits for the previous one to reach the summarizer first.
        previous = self._feeding.get(sid)
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._feeding[sid] = turn
        try:
            try:
                await self._write_actions(sid, text)
            except Exception:
                logger.exception("agent_context: write_actions failed for session=%s", sid)
            if previous is not None and not previous.done():
                await asyncio.wait((previous,))  # not ``await previous``: a cancel here must not cancel it
            await self._summarizer.add(payload)
        finally:
            turn.set_result(None)
            if self._feeding.get(sid) is turn:
                del self._feeding[sid]

    async def _on_summary(self, session_id: str, summary_text: str) -> None:
        try:
            await self._overwrite_with_summary(session_id, summary_text)
        except Exception:
            logger.exception("agent_context: overwrite_with_summary failed for session=%s", session_id)
            return
        logger.debug("agent_context: summary delivered for session=%s", session_id)
