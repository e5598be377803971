"""The proactive copilot: triggers, judge, session state and delivery, wired to the live stream.

Register it as the client's ``actions`` callback and it decides, per session, when the copilot
should speak first::

    copilot = AsyncProactiveCopilot(on_proactive=send_offer, judge=ask_model)
    client.on_actions(copilot.on_actions)
    async with copilot:            # ticks the session state machines once a second
        await client.run()

For each ``ActionsPayload`` (:meth:`AsyncProactiveCopilot.on_actions`):

1. the session's recent payloads are kept within ``lookback_seconds`` and ``max_actions`` (older
   ones are forgotten at once), and its v2 :class:`~autoplay_sdk.agent_state.v2.SessionState` is
   ticked;
2. unless the session is THINKING with no cooldown running, nothing else happens (``ENGAGED`` /
   ``COOLDOWN``): a copilot already talking, or recently turned down, does not re-trigger;
3. a :class:`~autoplay_sdk.proactive.triggers.ProactiveTriggerContext` is built (scope checked,
   ``context_extra`` added, ``eval_now`` set to the payload's ``forwarded_at``) and the registry evaluated
   (default: every built-in trigger of the catalog, judge-gated);
4. an instant result is delivered as is; otherwise the judge-gated results go to ``judge``
   (``(context, candidates) -> raw model text``, parsed with
   :func:`~autoplay_sdk.proactive.triggers.parse_llm_judge_json`).  Without a judge, the first
   gated result is delivered unvalidated;
5. the delivery gate, when given, may refuse (rate limits, an open circuit): pass an
   :class:`autoplay_sdk.proactive.resilience.gate.ProactiveDeliveryGate`, or any
   :class:`AsyncDeliveryGate`;
6. the session moves THINKING → PROACTIVE with the result's timeout and cooldown (refused while a
   cooldown runs), and ``on_proactive(session_id, result)`` is called (awaited if it returns an
   awaitable); the gate then hears ``"success"`` or ``"transport_error"``.

Time is the stream's: the lookback window and the dwell clock (``eval_now``) are measured from
each payload's ``forwarded_at`` (``clock()`` when it has none), so replayed traffic and a skewed
host clock give the decisions the live stream would; ``clock`` (default ``time.time``) only
measures how long a session has been unseen.

Conversation links: ``link_conversation(session_id, conversation_id)`` (from a chatbot webhook)
links a session; trigger contexts then carry that conversation id, and ``conversation_for(session_id)``
tells ``on_proactive`` where the offer goes (``None``: no conversation yet).  ``link_store``
(default in memory) is the link index; replicas share a Redis one.

Every call returns a :class:`ProactiveDecision` saying what happened; the same outcomes are counted
in :attr:`counts`.  :meth:`on_user_message` moves a THINKING session to REACTIVE (the user leads),
and :meth:`tick` (run every ``tick_interval_s`` inside ``async with``/``with``) times PROACTIVE and
REACTIVE sessions out to THINKING with a cooldown, and forgets sessions unseen for
``session_ttl_s``; beyond ``max_sessions`` the least recently seen session is forgotten.  Both
kinds of forgetting are reported to the metrics hook as ``record_event_dropped`` with reasons
``proactive_session_expired`` / ``proactive_session_evicted_capacity``.

Isolation: an exception from a trigger, the judge, the gate or ``on_proactive`` is logged (ids
and exception type only, never payload content) and turned into an outcome; it never reaches the
stream client, and other sessions carry on.  :class:`AsyncProactiveCopilot` runs one payload per
session at a time (later payloads of that session wait), sessions in parallel.
:class:`ProactiveCopilot` is the blocking twin for :class:`~autoplay_sdk.ConnectorClient`: same
options and outcomes, with a blocking judge, gate and callback; it handles one payload at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from autoplay_sdk.agent_state.v2 import SessionState
from autoplay_sdk.chat._links import (
    ConversationEventType,
    ConversationLink,
    ConversationLinkStore,
    InMemoryConversationLinkStore,
)
from autoplay_sdk.core.metrics import SdkMetricsHook
from autoplay_sdk.core.models import ActionsPayload, SlimAction
from autoplay_sdk.proactive._copilot_core import (
    ContextExtra,
    CopilotOutcome,
    Pipeline,
    ProactiveDecision,
    Request,
    _check_positive,
    _CopilotCore,
    _Deliver,
    _Gate,
    _Judge,
    default_copilot_registry,
)
from autoplay_sdk.proactive.triggers.registry import ProactiveTriggerRegistry
from autoplay_sdk.proactive.triggers.scope import ScopePolicy
from autoplay_sdk.proactive.triggers.section_activity import build_product_section_playbook
from autoplay_sdk.proactive.triggers.tour_registry import TourRegistry
from autoplay_sdk.proactive.triggers.types import (
    DEFAULT_PROACTIVE_CONTEXT_LOOKBACK_S,
    DEFAULT_PROACTIVE_CONTEXT_MAX_ACTIONS,
    ProactiveTriggerContext,
    ProactiveTriggerResult,
)

__all__ = [
    "AsyncDeliveryGate",
    "AsyncProactiveCopilot",
    "CopilotOutcome",
    "ProactiveCopilot",
    "ProactiveDecision",
    "SyncDeliveryGate",
    "default_copilot_registry",
    "section_playbook_extra",
]

AsyncJudge = Callable[[ProactiveTriggerContext, Sequence[ProactiveTriggerResult]], Awaitable[str]]
"""``await judge(context, candidates)`` → the judge model's raw reply text."""
SyncJudge = Callable[[ProactiveTriggerContext, Sequence[ProactiveTriggerResult]], str]
OnProactive = Callable[[str, ProactiveTriggerResult], Any]
"""``on_proactive(session_id, result)``; the async copilot awaits an awaitable return value."""

DEFAULT_SESSION_TTL_S = 1800.0
DEFAULT_MAX_SESSIONS = 10_000
DEFAULT_TICK_INTERVAL_S = 1.0


@runtime_checkable
class AsyncDeliveryGate(Protocol):
    """May a proactive message go to this session now?  And how did the delivery go?

    :class:`autoplay_sdk.proactive.resilience.gate.ProactiveDeliveryGate` (rate limits and a
    circuit breaker over a shared store) is one.  ``acquire`` returns a decision that is truthy
    when the delivery may go ahead (its ``reason`` attribute, if any, explains a refusal) and
    claims the attempt; an exception counts as a refusal.  ``record_outcome`` hears
    ``"success"`` or ``"transport_error"`` after each delivery.
    """

    async def acquire(self, session_id: str, *, user_id: str | None = None) -> Any: ...

    async def record_outcome(self, outcome: str) -> Any: ...


@runtime_checkable
class SyncDeliveryGate(Protocol):
    """The blocking form of :class:`AsyncDeliveryGate`, for :class:`ProactiveCopilot`."""

    def acquire(self, session_id: str, *, user_id: str | None = None) -> Any: ...

    def record_outcome(self, outcome: str) -> Any: ...


def section_playbook_extra(
    *,
    rules: Sequence[Mapping[str, Any]],
    playbook: Mapping[str, Any],
    fallback_id: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Callable[[str, Sequence[SlimAction]], dict[str, Any]]:
    """A ``context_extra`` callable that feeds :class:`SectionPlaybookTrigger` from URL rules.

    Each evaluation gets ``extra`` (copied), ``section_playbook=playbook`` and the
    ``product_section_playbook`` built from the context's actions with ``rules``
    (``{"prefix", "section_id"}`` rows; see
    :func:`~autoplay_sdk.proactive.triggers.section_activity.build_product_section_playbook`).
    """
    book = dict(playbook)
    rule_rows = [dict(r) for r in rules]
    base = dict(extra or {})

    def build(session_id: str, actions: Sequence[SlimAction]) -> dict[str, Any]:
        return {
            **base,
            "section_playbook": book,
            "product_section_playbook": build_product_section_playbook(
                actions, rules=rule_rows, fallback_id=fallback_id
            ),
        }

    return build


JudgeT = TypeVar("JudgeT")
GateT = TypeVar("GateT")


class _CopilotBase(Generic[JudgeT, GateT]):
    """Options, state and read-only views shared by the twins; the subclasses only perform requests.

    ``judge`` and ``gate`` are the blocking or the async kind, per twin.  Raises ``ValueError``
    naming the parameter for a bad option.
    """

    def __init__(
        self,
        on_proactive: OnProactive,
        *,
        registry: ProactiveTriggerRegistry | None = None,
        judge: JudgeT | None = None,
        gate: GateT | None = None,
        context_extra: ContextExtra = None,
        lookback_seconds: float | None = DEFAULT_PROACTIVE_CONTEXT_LOOKBACK_S,
        max_actions: int | None = DEFAULT_PROACTIVE_CONTEXT_MAX_ACTIONS,
        session_ttl_s: float = DEFAULT_SESSION_TTL_S,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        tick_interval_s: float = DEFAULT_TICK_INTERVAL_S,
        scope_policy: ScopePolicy = ScopePolicy.STRICT,
        tour_registry: TourRegistry | None = None,
        metrics: SdkMetricsHook | None = None,
        clock: Callable[[], float] | None = None,
        link_store: ConversationLinkStore | None = None,
    ) -> None:
        if not callable(on_proactive):
            raise ValueError(f"on_proactive must be callable, got {type(on_proactive).__name__}")
        _check_positive("tick_interval_s", tick_interval_s, allow_none=False)
        self._on_proactive = on_proactive
        self._judge = judge
        self._gate = gate
        self._tick_interval_s = float(tick_interval_s)
        self._link_store: ConversationLinkStore = (
            link_store if link_store is not None else InMemoryConversationLinkStore()
        )
        self._core = _CopilotCore(
            registry=registry,
            has_judge=judge is not None,
            has_gate=gate is not None,
            context_extra=context_extra,
            lookback_seconds=lookback_seconds,
            max_actions=max_actions,
            session_ttl_s=session_ttl_s,
            max_sessions=max_sessions,
            scope_policy=scope_policy,
            tour_registry=tour_registry,
            metrics=metrics,
            clock=clock if clock is not None else time.time,
        )
        self._setup()

    def _setup(self) -> None:
        """Driver state (locks, ticker); called at the end of ``__init__``."""

    @property
    def registry(self) -> ProactiveTriggerRegistry:
        """The triggers evaluated for every payload."""
        return self._core.registry

    @property
    def counts(self) -> dict[str, int]:
        """Outcome value → how many times it happened (plus ``sessions_evicted``); a copy."""
        return dict(self._core.counts)

    @property
    def session_count(self) -> int:
        """Sessions currently remembered."""
        return len(self._core.sessions)

    def session_state(self, session_id: str) -> SessionState | None:
        """The live state machine of a remembered session (mutate it only between payloads)."""
        session = self._core.sessions.get(session_id)
        return None if session is None else session.state

    @property
    def link_store(self) -> ConversationLinkStore:
        """The conversation-link index used by ``link_conversation``."""
        return self._link_store

    def conversation_for(self, session_id: str) -> str | None:
        """Where a proactive message for ``session_id`` goes: its linked conversation, or ``None``.

        Call it from ``on_proactive``: ``None`` means the session has no conversation yet (the
        host decides whether to open one).
        """
        return self._core.linked_conversation(session_id)


class AsyncProactiveCopilot(_CopilotBase[AsyncJudge, AsyncDeliveryGate]):
    """The proactive loop for :class:`~autoplay_sdk.AsyncConnectorClient` (see the module docstring).

    ``judge`` is ``async (context, candidates) -> str``; ``gate`` an :class:`AsyncDeliveryGate`;
    ``on_proactive`` a plain function or a coroutine function.  Raises ``ValueError`` naming the
    parameter for a bad option.
    """

    def _setup(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._ticker: asyncio.Task[None] | None = None

    async def on_actions(self, payload: ActionsPayload) -> ProactiveDecision:
        """Handle one payload (register with ``client.on_actions``).  Never raises for a host error."""
        lock = self._locks.get(payload.session_id or "")
        if lock is None:
            lock = self._locks[payload.session_id or ""] = asyncio.Lock()
        async with lock:
            return await self._drive(self._core.pipeline(payload))

    async def on_user_message(self, session_id: str) -> ProactiveDecision:
        """The user wrote in the chat: THINKING → REACTIVE, else a recorded interaction."""
        return self._core.user_message(session_id)

    async def link_conversation(
        self, session_id: str, conversation_id: str, *, event: ConversationEventType | None = None
    ) -> ConversationLink:
        """Link the session to a chat conversation (a chatbot webhook said so); see ``conversation_for``.

        Uses :func:`~autoplay_sdk.chat.chatbot.link_conversation` on the session's state and the
        link store (``NEW`` unless the store knows the conversation).  Later trigger contexts carry
        the linked conversation id.  Waits for a payload of that session in progress.

        Raises:
            ValueError: an empty ``session_id`` or ``conversation_id``.
        """
        lock = self._locks.get(session_id or "")
        if lock is None:
            lock = self._locks[session_id or ""] = asyncio.Lock()
        async with lock:
            return self._core.link(session_id, conversation_id, event, self._link_store)

    def tick(self) -> None:
        """Time out idle sessions and forget expired ones (also run by ``async with``)."""
        self._core.tick()

    async def _drive(self, steps: Pipeline) -> ProactiveDecision:
        reply: Any = None
        while True:
            try:
                request = steps.send(reply)
            except StopIteration as done:
                decision: ProactiveDecision = done.value
                return decision
            reply = await self._perform(request)

    async def _perform(self, request: Request) -> Any:
        try:
            if isinstance(request, _Judge):
                assert self._judge is not None
                return await self._judge(request.context, list(request.candidates))
            if isinstance(request, _Deliver):
                result = self._on_proactive(request.session_id, request.result)
                if inspect.isawaitable(result):
                    await result
                return None
            assert self._gate is not None
            if isinstance(request, _Gate):
                return await self._gate.acquire(request.session_id, user_id=request.user_id)
            await self._gate.record_outcome(request.outcome)
            return None
        except Exception as exc:  # the core turns it into an outcome
            return exc

    # -- background ticks ------------------------------------------------------------------

    def start(self) -> None:
        """Start ticking every ``tick_interval_s`` on the running loop (idempotent)."""
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self._tick_interval_s)
            self.tick()

    async def aclose(self) -> None:
        """Stop the background ticks (remembered sessions are kept)."""
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker

    async def __aenter__(self) -> AsyncProactiveCopilot:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class ProactiveCopilot(_CopilotBase[SyncJudge, SyncDeliveryGate]):
    """The blocking twin of :class:`AsyncProactiveCopilot`, for :class:`~autoplay_sdk.ConnectorClient`.

    Same options; ``judge`` is ``(context, candidates) -> str``, ``gate`` a
    :class:`SyncDeliveryGate`.  Calls are serialised by one lock (the judge runs under
    it), so ``tick()`` from another thread waits for a payload in progress.
    """

    def _setup(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def on_actions(self, payload: ActionsPayload) -> ProactiveDecision:
        """Handle one payload (register with ``client.on_actions``).  Never raises for a host error."""
        with self._lock:
            steps = self._core.pipeline(payload)
            reply: Any = None
            while True:
                try:
                    request = steps.send(reply)
                except StopIteration as done:
                    decision: ProactiveDecision = done.value
                    return decision
                reply = self._perform(request)

    def on_user_message(self, session_id: str) -> ProactiveDecision:
        """The user wrote in the chat: THINKING → REACTIVE, else a recorded interaction."""
        with self._lock:
            return self._core.user_message(session_id)

    def link_conversation(
        self, session_id: str, conversation_id: str, *, event: ConversationEventType | None = None
    ) -> ConversationLink:
        """Link the session to a chat conversation (see the async twin); blocks on the copilot's lock."""
        with self._lock:
            return self._core.link(session_id, conversation_id, event, self._link_store)

    def tick(self) -> None:
        """Time out idle sessions and forget expired ones (also run by ``with``)."""
        with self._lock:
            self._core.tick()

    def _perform(self, request: Request) -> Any:
        try:
            if isinstance(request, _Judge):
                assert self._judge is not None
                return self._judge(request.context, list(request.candidates))
            if isinstance(request, _Deliver):
                self._on_proactive(request.session_id, request.result)
                return None
            assert self._gate is not None
            if isinstance(request, _Gate):
                return self._gate.acquire(request.session_id, user_id=request.user_id)
            self._gate.record_outcome(request.outcome)
            return None
        except Exception as exc:  # the core turns it into an outcome
            return exc

    # -- background ticks ------------------------------------------------------------------

    def start(self) -> None:
        """Start a daemon thread that ticks every ``tick_interval_s`` (idempotent)."""
        if self._ticker is not None and self._ticker.is_alive():
            return
        self._stop.clear()
        self._ticker = threading.Thread(target=self._tick_forever, name="autoplay-proactive-tick", daemon=True)
        self._ticker.start()

    def _tick_forever(self) -> None:
        while not self._stop.wait(self._tick_interval_s):
            self.tick()

    def close(self) -> None:
        """Stop the background ticks and wait for the thread (remembered sessions are kept)."""
        self._stop.set()
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.join()

    def __enter__(self) -> ProactiveCopilot:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
