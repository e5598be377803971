"""LLM session summarizers: :class:`SessionSummarizer` (sync) and :class:`AsyncSessionSummarizer`.

Both accumulate each session's actions and, once at least ``threshold`` actions are pending,
render them with ``format_actions``, fill the prompt template and call the LLM.  The summary
goes to ``on_summary(session_id, text)``; ``ContextStore``, ``AsyncAgentContextWriter`` and the
RAG pipelines install their handler there.

The history, counts, threshold, bounds and the summarise flow live in one pure object
(:class:`autoplay_sdk.context._summary_core.SummaryCore`); the two classes here only lock (or
``async with``) around it and call (or await) the LLM and ``on_summary``.  Both take the same
options: ``max_sessions``, ``metrics``, ``llm_timeout_s`` and ``max_pending_actions`` exist on
both, beside each one's published positional parameters.  Choices beyond the published contract:

- **No debug files.**  Construction only validates; nothing is written anywhere.
- **Any prompt-building error is a soft failure.**  An exception from ``format_actions`` or from
  ``template.format`` (``KeyError``, ``IndexError``, ``ValueError`` for ``{}``, ``{0}`` or an
  unbalanced brace, ...) is logged with its traceback and the snapshot is restored exactly like
  an LLM failure: the session stays usable and its pending actions stay pending.
- **A usable summary is a non-blank ``str``.**  Anything else takes the failure path (ERROR log,
  snapshot restored) instead of being passed on to ``on_summary``.
- **Timeouts.**  ``llm_timeout_s`` (keyword-only, default ``None`` = wait forever) bounds each LLM
  call; a call that exceeds it takes the failure path.  The async class cancels the awaited call.
  The sync class runs the call in a daemon thread and stops waiting for it: Python cannot
  interrupt a thread, so the abandoned call finishes in the background and its result is ignored.
- **Bounded memory.**  ``max_sessions`` (default ``None``) caps the sessions with pending
  actions, least recently used evicted; ``max_pending_actions`` (default 10,000, never below
  ``threshold``) caps one session's pending actions, which only grow past ``threshold`` while the
  LLM keeps failing: the oldest payloads go first.  Each dropped payload is reported to
  ``metrics.record_event_dropped(reason="max_sessions" | "max_pending_actions", ...)`` and the
  totals are logged at DEBUG.  The restore path after a failure honours both bounds.
- **Bad payloads are refused.**  ``add()`` logs a WARNING and changes nothing for a payload that
  could not be rendered (``forwarded_at`` not a finite number, ``actions`` not a list of
  actions, ids that are not strings); the session keeps working.
- **The async worker never dies of a bad item and never discards queued payloads.**  Payloads
  queued behind ``reset()``'s stop sentinel, or arriving while an idle worker decides to exit,
  are processed instead of dropped.  Should a worker still end abnormally (it was cancelled,
  e.g. at loop shutdown), its queue is deregistered and every payload left in it is logged and
  reported to ``metrics.record_event_dropped(reason="worker_stopped", ...)``, so ``flush()``
  cannot hang on it.  The idle wait does not use ``asyncio.wait_for(queue.get())``, which on
  Python 3.10 can lose an item that arrives as the timeout fires.
- **A coroutine returned by the sync class's ``on_summary``** cannot be awaited there; it is
  closed (no "never awaited" warning) and an ERROR explains the misuse.
- ``active_sessions`` keeps each class's published order: least recently touched first on the
  sync class, sorted on the async one.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from autoplay_sdk._effects import adrive, drive
from autoplay_sdk._logging import get_logger
from autoplay_sdk.context._render import format_actions
from autoplay_sdk.context._summary_core import (
    DEFAULT_MAX_PENDING_ACTIONS,
    CallLLM,
    Deliver,
    Effect,
    Restore,
    SummaryCore,
    refused,
    report_drops,
)
from autoplay_sdk.core.exceptions import SdkConfigError as SdkConfigError  # importable here, as in 0.7.5
from autoplay_sdk.core.metrics import SdkMetricsHook, _safe_call
from autoplay_sdk.core.models import ActionsPayload

logger = get_logger(__name__)

DEFAULT_PROMPT: str = (
    "You are summarizing one user's in-app session for a retrieval-augmented generation (RAG) "
    "pipeline. Your summary will be embedded and stored in a vector database, where a chatbot "
    "assistant retrieves it as context about what this user has been doing.\n"
    "\n"
    "Write a concise summary of 2-3 sentences describing what the user did. Focus on:\n"
    "- the features and pages the user visited\n"
    "- the actions the user performed\n"
    "- the user's intent or goal, if it can be inferred\n"
    "\n"
    "Actions:\n"
    "{actions}\n"
    "\n"
    "Summary:"
)

# Read from the module globals at every idle wait (tests monkeypatch it).
_WORKER_IDLE_TIMEOUT_S = 300.0

# The default formatter lives in the neutral rendering module; this name is its published alias.
_format_actions = format_actions


class _Stop:
    """The per-session stop sentinel that ``AsyncSessionSummarizer.reset`` enqueues."""


_STOP = _Stop()
_IDLE = object()


def _core(
    threshold: int,
    prompt: str | None,
    format_actions: Callable[[list[ActionsPayload]], str] | None,
    max_sessions: int | None,
    max_pending_actions: int | None,
    llm_timeout_s: float | None,
) -> SummaryCore:
    return SummaryCore(
        threshold=threshold,
        prompt=prompt,
        default_prompt=DEFAULT_PROMPT,
        format_actions=format_actions,
        max_sessions=max_sessions,
        max_pending_actions=max_pending_actions,
        llm_timeout_s=llm_timeout_s,
    )


def _report_latency(metrics: Any, effect: Deliver) -> None:
    _safe_call(
        metrics,
        "record_summarizer_latency",
        session_id=effect.session_id,
        elapsed_ms=effect.elapsed_ms,
        action_count=effect.action_count,
    )


class SessionSummarizer:
    """Accumulate actions per session and summarise them with a synchronous LLM callable.

    Every time a session has at least ``threshold`` pending actions (counted per individual
    action, so one batch may overshoot), ``add()`` takes the whole pending history, builds the
    prompt (``prompt or DEFAULT_PROMPT`` filled with ``format_actions``) and calls
    ``llm(prompt)`` **in the calling thread, blocking** until it returns (or until
    ``llm_timeout_s``).  A non-blank ``str`` result is passed to ``on_summary(session_id,
    summary)``; errors raised by ``on_summary`` are logged and swallowed.  After each successful
    call ``metrics.record_summarizer_latency`` is reported.

    If building the prompt fails, the LLM raises or times out, or it returns something that is
    not a non-blank ``str``, the error is logged at ERROR and the actions are put back in front of
    any newer ones: the next ``add()`` for that session retries with everything.  ``add()`` never
    raises for these failures.

    ``max_sessions`` bounds the sessions with pending actions (least recently used evicted, their
    pending actions discarded unsummarised) and ``max_pending_actions`` one session's pending
    actions (see the module docstring).  Thread-safe; concurrent ``add()`` calls from several
    threads may run LLM calls in parallel.

    Raises:
        SdkConfigError: ``threshold < 1``, ``max_sessions < 1``, ``llm_timeout_s <= 0`` or
            ``max_pending_actions < threshold``.
    """

    def __init__(
        self,
        llm: Callable[[str], str],
        threshold: int = 10,
        prompt: str | None = None,
        on_summary: Callable[[str, str], None] | None = None,
        format_actions: Callable[[list[ActionsPayload]], str] | None = None,
        max_sessions: int | None = None,
        *,
        metrics: SdkMetricsHook | None = None,
        llm_timeout_s: float | None = None,
        max_pending_actions: int | None = DEFAULT_MAX_PENDING_ACTIONS,
    ) -> None:
        self._core = _core(threshold, prompt, format_actions, max_sessions, max_pending_actions, llm_timeout_s)
        self._llm = llm
        self._metrics = metrics
        self.on_summary: Callable[[str, str], Any] | None = on_summary
        self.history: OrderedDict[str, list[ActionsPayload]] = self._core.history
        self.counts: dict[str, int] = self._core.counts
        self._lock = threading.Lock()

    def add(self, payload: ActionsPayload) -> None:
        """Queue ``payload``'s actions; summarise (blocking) once the threshold is reached.

        Never raises for LLM, prompt or callback failures (they are logged; see the class doc).
        A payload that could not be rendered is refused with a WARNING.
        """
        if refused(payload):
            return
        sid = payload.session_id or "unknown"
        with self._lock:
            snapshot, drops = self._core.push(sid, payload)
        report_drops(self._metrics, drops)
        if snapshot is not None:
            drive(self._core.summarise(sid, snapshot), self._perform)

    def get_context(self, session_id: str) -> str:
        """``format_actions`` applied to the session's pending (not yet summarised) actions."""
        with self._lock:
            history = self._core.pending(session_id)
        return self._core.format_actions(history)

    def reset(self, session_id: str) -> None:
        """Drop the session's pending actions without summarising them (unknown ids: no-op)."""
        with self._lock:
            self._core.reset(session_id)

    @property
    def active_sessions(self) -> list[str]:
        """Sessions with pending actions, least recently touched first (not sorted)."""
        with self._lock:
            return self._core.active_sessions()

    # -- driver ------------------------------------------------------------------------------

    def _perform(self, effect: Effect) -> object:
        if isinstance(effect, CallLLM):
            return self._call_llm(effect.prompt)
        if isinstance(effect, Restore):
            with self._lock:
                drops = self._core.restore(effect.session_id, effect.snapshot)
            report_drops(self._metrics, drops)
        else:
            self._deliver(effect)
        return None

    def _call_llm(self, prompt: str) -> object:
        timeout = self._core.llm_timeout_s
        if timeout is None:
            return self._llm(prompt)
        outcome: list[Any] = []
        done = threading.Event()

        def run() -> None:
            try:
                outcome.append((True, self._llm(prompt)))
            except BaseException as exc:
                outcome.append((False, exc))
            finally:
                done.set()

        threading.Thread(target=run, name="summarizer-llm", daemon=True).start()
        if not done.wait(timeout):
            raise TimeoutError(f"LLM call exceeded llm_timeout_s={timeout}")
        ok, value = outcome[0]
        if not ok:
            raise value
        return value

    def _deliver(self, effect: Deliver) -> None:
        _report_latency(self._metrics, effect)
        sid = effect.session_id
        callback = self.on_summary
        if callback is None:
            return
        try:
            result = callback(sid, effect.summary)
        except Exception:
            logger.exception("summarizer: on_summary failed for session=%s", sid)
            return
        if inspect.isawaitable(result):
            if inspect.iscoroutine(result):
                result.close()
            logger.error(
                "summarizer: on_summary returned an awaitable for session=%s; SessionSummarizer cannot "
                "await it and the summary is lost (use AsyncSessionSummarizer with async callbacks)",
                sid,
            )


class AsyncSessionSummarizer:
    """Accumulate actions per session and summarise them with an async LLM, off the caller's path.

    Each session gets a FIFO queue and a dedicated worker task: ``add()`` only enqueues and
    returns, payloads of one session are processed strictly in order (never two LLM calls at
    once for a session, ``on_summary`` fires in arrival order) and sessions run concurrently.
    The threshold, prompt, bounds and failure rules are those of :class:`SessionSummarizer`; the
    LLM is awaited (bounded by ``llm_timeout_s`` when set) and ``on_summary`` may be sync or
    async.  After each successful call ``metrics.record_summarizer_latency`` is reported.

    A worker left idle for 300 s exits and discards its session's sub-threshold actions.  With
    ``max_queue_size`` set, a full session queue drops the payload (WARNING log and
    ``metrics.record_event_dropped(reason="queue_full", ...)``) instead of blocking.

    Must be used inside a running event loop.  Without ``llm_timeout_s`` a hung LLM call stalls
    its session (and ``flush()``); set the timeout, or wrap ``flush()`` in ``asyncio.wait_for``
    (safe: it only waits on shielded joins).

    Raises:
        SdkConfigError: ``threshold < 1``, ``max_sessions < 1``, ``llm_timeout_s <= 0`` or
            ``max_pending_actions < threshold``.
    """

    def __init__(
        self,
        llm: Callable[[str], Awaitable[str]],
        threshold: int = 10,
        prompt: str | None = None,
        on_summary: Callable[[str, str], Awaitable[None]] | None = None,
        format_actions: Callable[[list[ActionsPayload]], str] | None = None,
        max_queue_size: int | None = None,
        metrics: SdkMetricsHook | None = None,
        *,
        max_sessions: int | None = None,
        llm_timeout_s: float | None = None,
        max_pending_actions: int | None = DEFAULT_MAX_PENDING_ACTIONS,
    ) -> None:
        self._core = _core(threshold, prompt, format_actions, max_sessions, max_pending_actions, llm_timeout_s)
        self._llm = llm
        self._max_queue_size = max_queue_size
        self._metrics = metrics
        self.on_summary: Callable[[str, str], Any] | None = on_summary
        self.history: OrderedDict[str, list[ActionsPayload]] = self._core.history
        self.counts: dict[str, int] = self._core.counts
        self.queues: dict[str, asyncio.Queue[Any]] = {}
        self.workers: dict[str, asyncio.Task[None]] = {}
        self._lock = asyncio.Lock()

    async def add(self, payload: ActionsPayload) -> None:
        """Enqueue ``payload`` for its session's worker and return at once (never waits on the LLM).

        Starts the session's worker on first use.  A full bounded queue drops the payload (logged
        and counted), nothing is raised.  A payload that could not be rendered is refused with a
        WARNING.
        """
        if refused(payload):
            return
        sid = payload.session_id or "unknown"
        async with self._lock:
            queue = self.queues.get(sid)
            if queue is None:
                queue = asyncio.Queue(maxsize=max(self._max_queue_size or 0, 0))
                self.queues[sid] = queue
                task = asyncio.get_running_loop().create_task(self._worker(sid, queue), name=f"summarizer-worker-{sid}")
                self.workers[sid] = task
                task.add_done_callback(functools.partial(self._worker_done, sid, queue))
            # Enqueued while holding the lock, so a worker deciding to exit can never miss it.
            try:
                queue.put_nowait(payload)
                return
            except asyncio.QueueFull:
                pass
        logger.warning("summarizer: per-session queue full — dropping payload for session=%s", sid)
        _safe_call(
            self._metrics,
            "record_event_dropped",
            reason="queue_full",
            event_type="actions",
            session_id=sid,
            product_id=payload.product_id,
        )

    async def get_context(self, session_id: str) -> str:
        """``format_actions`` applied to the session's pending (not yet summarised) actions."""
        async with self._lock:
            history = self._core.pending(session_id)
        return self._core.format_actions(history)

    async def reset(self, session_id: str) -> None:
        """Drop the session's pending actions without summarising them.

        With a live worker this enqueues a stop marker (waiting while a bounded queue is full): the
        clearing happens when the worker reaches it, after earlier payloads (which may still
        trigger a summary); payloads added after the marker are kept and processed.  Await
        ``flush()`` to wait for it.  Unknown ids are a no-op.
        """
        async with self._lock:
            queue = self.queues.get(session_id)
            if queue is None:
                self._core.reset(session_id)
                return
        await queue.put(_STOP)

    async def flush(self) -> None:
        """Wait until every payload queued so far, in every session, has been processed.

        Returns at once when nothing is queued.  Cancelling the wait is safe.
        """
        queues = list(self.queues.values())
        if queues:
            await asyncio.gather(*(asyncio.shield(q.join()) for q in queues))

    @property
    def active_sessions(self) -> Awaitable[list[str]]:
        """Awaitable: ``await summarizer.active_sessions`` → sorted ids with pending actions."""
        return self._active_sessions()

    async def _active_sessions(self) -> list[str]:
        async with self._lock:
            return sorted(self._core.active_sessions())

    # -- worker ------------------------------------------------------------------------------

    async def _next_item(self, queue: asyncio.Queue[Any]) -> Any:
        if not queue.empty():
            return queue.get_nowait()
        getter = asyncio.ensure_future(queue.get())
        try:
            done, _ = await asyncio.wait((getter,), timeout=_WORKER_IDLE_TIMEOUT_S)
        except BaseException:
            getter.cancel()
            raise
        if not done:
            getter.cancel()
            await asyncio.wait((getter,))
            if getter.cancelled():
                return _IDLE
        return getter.result()

    async def _worker(self, sid: str, queue: asyncio.Queue[Any]) -> None:
        while True:
            item = await self._next_item(queue)
            if item is _IDLE:
                async with self._lock:
                    if not queue.empty():
                        continue  # a payload arrived as the timeout fired: keep going
                    if self.queues.get(sid) is queue:
                        del self.queues[sid]
                        self.workers.pop(sid, None)
                        self._core.reset(sid)
                logger.debug("summarizer: worker for session=%s idle; exiting", sid)
                return
            try:
                if item is _STOP:
                    async with self._lock:
                        self._core.reset(sid)
                        if not queue.empty():
                            continue  # payloads queued behind the stop marker are processed
                        if self.queues.get(sid) is queue:
                            del self.queues[sid]
                            self.workers.pop(sid, None)
                    logger.debug("summarizer: session=%s reset; worker exiting", sid)
                    return
                await self._process(sid, item)
            except Exception:
                logger.exception("summarizer: unexpected error processing a payload for session=%s", sid)
            finally:
                queue.task_done()

    def _worker_done(self, sid: str, queue: asyncio.Queue[Any], task: asyncio.Task[None]) -> None:
        if not task.cancelled() and (exc := task.exception()) is not None:
            logger.error("summarizer: worker for session=%s crashed", sid, exc_info=exc)
        if self.queues.get(sid) is not queue:
            return  # normal exit: the worker deregistered itself
        # Abnormal end (cancelled, e.g. at loop shutdown): release the queue so flush() cannot
        # hang and the next add() starts a fresh worker; account for what is left in it.
        del self.queues[sid]
        if self.workers.get(sid) is task:
            del self.workers[sid]
        dropped = 0
        while not queue.empty():
            item = queue.get_nowait()
            queue.task_done()
            if isinstance(item, ActionsPayload):
                dropped += 1
                _safe_call(
                    self._metrics,
                    "record_event_dropped",
                    reason="worker_stopped",
                    event_type="actions",
                    session_id=sid,
                    product_id=item.product_id,
                )
        if dropped:
            logger.warning("summarizer: worker for session=%s stopped; dropped %d queued payloads", sid, dropped)

    async def _process(self, sid: str, payload: ActionsPayload) -> None:
        async with self._lock:
            snapshot, drops = self._core.push(sid, payload)
        report_drops(self._metrics, drops)
        if snapshot is not None:
            await adrive(self._core.summarise(sid, snapshot), self._perform)

    async def _perform(self, effect: Effect) -> object:
        if isinstance(effect, CallLLM):
            return await self._call_llm(effect.prompt)
        if isinstance(effect, Restore):
            async with self._lock:
                drops = self._core.restore(effect.session_id, effect.snapshot)
            report_drops(self._metrics, drops)
        else:
            await self._deliver(effect)
        return None

    async def _call_llm(self, prompt: str) -> object:
        call = self._llm(prompt)
        timeout = self._core.llm_timeout_s
        if timeout is None:
            return await call
        return await asyncio.wait_for(call, timeout)

    async def _deliver(self, effect: Deliver) -> None:
        _report_latency(self._metrics, effect)
        callback = self.on_summary
        if callback is None:
            return
        try:
            result = callback(effect.session_id, effect.summary)
            if hasattr(result, "__await__"):
                await result
        except Exception:
            logger.exception("summarizer: on_summary failed for session=%s", effect.session_id)
