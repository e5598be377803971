"""The proactive copilot's decisions, free of I/O: one plain object both drivers wrap.

:class:`_CopilotCore` owns the per-session memory (recent payloads, the v2 ``SessionState``,
last-seen time) and runs the pipeline of one ``actions`` payload as a generator that *asks* for
its three effects instead of performing them:

* :class:`_Judge` — "what does the judge model say about these candidates?" (reply: raw text,
  or the exception it raised);
* :class:`_Gate` — "may this session receive a proactive message now?" (reply: the gate's
  decision, truthy when allowed, or the exception it raised);
* :class:`_Deliver` — "call the host's callback" (reply: ``None`` or the exception it raised);
* :class:`_Record` — "tell the gate how the delivery went" (reply ignored).

The sync and async drivers in :mod:`autoplay_sdk.proactive.copilot` only perform those
requests (calling or awaiting) and send the reply back, so the order of steps and every decision
live here once.
"""

from __future__ import annotations

from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Union

from autoplay_sdk._logging import get_logger
from autoplay_sdk._metrics import safe_call as _safe_call
from autoplay_sdk.agent_state.v2 import AgentStateV2, SessionState
from autoplay_sdk.chat.chatbot import (  # served lazily there; public names, not its private module
    ConversationEventType,
    ConversationLink,
    ConversationLinkStore,
    link_conversation,
)
from autoplay_sdk.core.models import ActionsPayload, SlimAction
from autoplay_sdk.proactive.triggers.builtin_catalog import BUILTIN_TRIGGER_CATALOG, registry_from_builtin_specs
from autoplay_sdk.proactive.triggers.judge import (
    judge_result_to_proactive_trigger_result,
    parse_llm_judge_json,
    partition_results_by_triggering_type,
)
from autoplay_sdk.proactive.triggers.registry import ProactiveTriggerRegistry
from autoplay_sdk.proactive.triggers.scope import ScopePolicy
from autoplay_sdk.proactive.triggers.types import ProactiveTriggerContext, ProactiveTriggerResult

logger = get_logger("autoplay_sdk.proactive.copilot")

_PAYLOADS_WITHOUT_CAP = 1000  # per session, when max_actions is None

ContextExtra = Union[Mapping[str, Any], Callable[[str, Sequence[SlimAction]], Mapping[str, Any]], None]


class CopilotOutcome(str, Enum):
    """What the copilot did with one ``actions`` payload (or user message)."""

    DELIVERED = "delivered"
    """A proactive message went to ``on_proactive`` and the session is now PROACTIVE."""
    NO_TRIGGER = "no_trigger"
    """No trigger fired on the session's recent actions."""
    JUDGE_DECLINED = "judge_declined"
    """Only judge-gated triggers fired, and the judge said not now."""
    JUDGE_FAILED = "judge_failed"
    """The judge raised; nothing was delivered."""
    ENGAGED = "engaged"
    """The session is PROACTIVE or REACTIVE already: triggers are not evaluated."""
    COOLDOWN = "cooldown"
    """The session is THINKING but its cooldown still runs."""
    GATE_CLOSED = "gate_closed"
    """The delivery gate (rate limits, circuit breaker) refused, or raised."""
    CALLBACK_FAILED = "callback_failed"
    """``on_proactive`` raised; the session stays PROACTIVE (the message may have gone out)."""
    TRIGGER_FAILED = "trigger_failed"
    """A trigger raised while being evaluated."""
    INVALID_SCOPE = "invalid_scope"
    """The payload lacks the product or session id the scope policy requires."""
    REACTIVE = "reactive"
    """A user message moved (or kept) the session in a user-led exchange."""


@dataclass(frozen=True)
class ProactiveDecision:
    """The copilot's answer for one payload: the outcome, what was delivered and what fired."""

    session_id: str
    outcome: CopilotOutcome
    result: ProactiveTriggerResult | None = None
    """The delivered (or refused) result; ``None`` when nothing was chosen."""
    candidates: tuple[ProactiveTriggerResult, ...] = ()
    """Every trigger result of this evaluation, instant ones first."""
    detail: str = ""
    """For ``GATE_CLOSED``: the gate's reason (e.g. ``"min_interval"``, ``"circuit_open"``)."""

    @property
    def delivered(self) -> bool:
        return self.outcome is CopilotOutcome.DELIVERED


@dataclass(frozen=True)
class _Judge:
    context: ProactiveTriggerContext
    candidates: tuple[ProactiveTriggerResult, ...]


@dataclass(frozen=True)
class _Gate:
    session_id: str
    user_id: str | None


@dataclass(frozen=True)
class _Deliver:
    session_id: str
    result: ProactiveTriggerResult


@dataclass(frozen=True)
class _Record:
    outcome: str


Request = Union[_Judge, _Gate, _Deliver, _Record]
Pipeline = Generator[Request, Any, ProactiveDecision]


@dataclass
class _Session:
    state: SessionState
    payloads: deque[ActionsPayload] = field(default_factory=deque)
    actions_seen: int = 0
    last_seen: float = 0.0
    product_id: str = ""
    conversation_id: str = ""
    user_id: str | None = None


def default_copilot_registry() -> ProactiveTriggerRegistry:
    """Every built-in trigger of the catalog, in catalog order, with its default timings and type."""
    return registry_from_builtin_specs(
        [{"id": e.id, "name": e.name, "description": e.description} for e in BUILTIN_TRIGGER_CATALOG.values()]
    )


def _check_positive(name: str, value: float | None, *, allow_none: bool) -> None:
    if value is None and allow_none:
        return
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number{' or None' if allow_none else ''}, got {value!r}")


class _CopilotCore:
    """Per-session memory and the pipeline; not thread-safe (the drivers serialise access)."""

    def __init__(
        self,
        *,
        registry: ProactiveTriggerRegistry | None,
        has_judge: bool,
        has_gate: bool,
        context_extra: ContextExtra,
        lookback_seconds: float | None,
        max_actions: int | None,
        session_ttl_s: float,
        max_sessions: int,
        scope_policy: ScopePolicy,
        tour_registry: Any,
        metrics: Any,
        clock: Callable[[], float],
    ) -> None:
        _check_positive("lookback_seconds", lookback_seconds, allow_none=True)
        _check_positive("max_actions", max_actions, allow_none=True)
        _check_positive("session_ttl_s", session_ttl_s, allow_none=False)
        _check_positive("max_sessions", max_sessions, allow_none=False)
        if not isinstance(scope_policy, ScopePolicy):
            raise ValueError(f"scope_policy must be a ScopePolicy, got {scope_policy!r}")
        if context_extra is not None and not (isinstance(context_extra, Mapping) or callable(context_extra)):
            raise ValueError("context_extra must be a mapping, a callable (session_id, actions) -> mapping, or None")
        self.registry = registry if registry is not None else default_copilot_registry()
        self.has_judge = has_judge
        self.has_gate = has_gate
        self.context_extra = context_extra
        self.lookback_seconds = lookback_seconds
        self.max_actions = max_actions
        self.session_ttl_s = float(session_ttl_s)
        self.max_sessions = int(max_sessions)
        self.scope_policy = scope_policy
        self.tour_registry = tour_registry
        self.metrics = metrics
        self.clock = clock
        self.sessions: OrderedDict[str, _Session] = OrderedDict()
        self.counts: Counter[str] = Counter()

    # -- memory ------------------------------------------------------------------------------

    def session(self, session_id: str, now: float) -> _Session:
        """The session's record, created (evicting the least recently seen beyond the cap) if new."""
        found = self.sessions.get(session_id)
        if found is None:
            found = self.sessions[session_id] = _Session(SessionState())
            while len(self.sessions) > self.max_sessions:
                evicted_id, evicted = self.sessions.popitem(last=False)
                self._evicted(evicted_id, evicted, "proactive_session_evicted_capacity")
        else:
            self.sessions.move_to_end(session_id)
        found.last_seen = now
        return found

    def _evicted(self, session_id: str, session: _Session, reason: str) -> None:
        self.counts["sessions_evicted"] += 1
        _safe_call(
            self.metrics,
            "record_event_dropped",
            reason=reason,
            event_type="actions",
            session_id=session_id,
            product_id=session.product_id or None,
        )

    def remember(self, session: _Session, payload: ActionsPayload, now: float) -> None:
        """Keep the payload, then forget what no context can use any more (lookback, then cap)."""
        kept = session.payloads
        kept.append(payload)
        session.actions_seen += len(payload.actions)
        session.product_id = _text(payload.product_id) or session.product_id
        session.conversation_id = _text(payload.conversation_id) or session.conversation_id
        session.user_id = _text(payload.user_id) or session.user_id
        if self.lookback_seconds is not None:
            cutoff = now - self.lookback_seconds
            while kept and kept[0].forwarded_at < cutoff:
                kept.popleft()
        if self.max_actions is not None:
            # Drop the oldest payload while the newer ones alone still fill the cap.
            total = sum(len(p.actions) for p in kept)
            while len(kept) > 1 and total - len(kept[0].actions) >= self.max_actions:
                total -= len(kept.popleft().actions)
        elif len(kept) > _PAYLOADS_WITHOUT_CAP:
            kept.popleft()

    def tick(self) -> None:
        """Advance every session's state machine; forget sessions unseen for ``session_ttl_s``."""
        now = self.clock()
        for session_id in list(self.sessions):
            session = self.sessions[session_id]
            if now - session.last_seen > self.session_ttl_s:
                del self.sessions[session_id]
                self._evicted(session_id, session, "proactive_session_expired")
                continue
            session.state.tick(self.tour_registry)

    def link(
        self, session_id: str, conversation_id: str, event: ConversationEventType | None, store: ConversationLinkStore
    ) -> ConversationLink:
        """Link a (new or remembered) session to ``conversation_id`` through ``store``."""
        state = self.session(session_id, self.clock()).state
        return link_conversation(
            state=state, store=store, conversation_id=conversation_id, event=event, session_id=session_id
        )

    def linked_conversation(self, session_id: str) -> str | None:
        session = self.sessions.get(session_id)
        return None if session is None else _linked(session.state)

    def user_message(self, session_id: str) -> ProactiveDecision:
        """The user wrote: THINKING → REACTIVE; in PROACTIVE/REACTIVE it counts as an interaction."""
        if not (session_id or "").strip():
            return self._decide("", CopilotOutcome.INVALID_SCOPE)
        session = self.session(session_id, self.clock())
        state = session.state
        state.tick(self.tour_registry)
        if state.current_state == AgentStateV2.THINKING:
            state.transition_to_reactive()
        else:
            state.record_user_interaction()
        self.counts[CopilotOutcome.REACTIVE.value] += 1
        return ProactiveDecision(session_id, CopilotOutcome.REACTIVE)

    # -- the pipeline --------------------------------------------------------------------------

    def _extra(self, session_id: str, actions: Sequence[SlimAction], now: float) -> dict[str, Any]:
        source = self.context_extra
        extra = dict(source(session_id, actions) if callable(source) else source or {})
        extra.setdefault("eval_now", now)
        return extra

    def _decide(self, session_id: str, outcome: CopilotOutcome, **kw: Any) -> ProactiveDecision:
        self.counts[outcome.value] += 1
        return ProactiveDecision(session_id, outcome, **kw)

    def pipeline(self, payload: ActionsPayload) -> Pipeline:
        """Handle one payload; yields effect requests and returns the decision.

        Time is the stream's: the lookback and ``eval_now`` are measured from the payload's
        ``forwarded_at`` (the clock when it has none), so a replay decides as the live stream did.
        """
        seen_at = self.clock()
        stamp = payload.forwarded_at
        if isinstance(stamp, bool) or not isinstance(stamp, (int, float)) or not stamp > 0:
            # Missing or wrong-typed on the wire: stamp a copy with the clock, so that the stored
            # payloads always compare (the caller's object is left alone).
            payload = replace(payload, forwarded_at=seen_at)
        now = float(payload.forwarded_at)
        session_id = payload.session_id if isinstance(payload.session_id, str) else ""
        if not session_id.strip():
            _safe_call(
                self.metrics,
                "record_event_dropped",
                reason="proactive_no_session_id",
                event_type="actions",
                session_id=None,
                product_id=payload.product_id or None,
            )
            return self._decide("", CopilotOutcome.INVALID_SCOPE)
        session = self.session(session_id, seen_at)
        self.remember(session, payload, now)
        state = session.state
        state.tick(self.tour_registry)
        if state.current_state != AgentStateV2.THINKING:
            return self._decide(session_id, CopilotOutcome.ENGAGED)
        if not state.thinking.can_go_proactive:
            return self._decide(session_id, CopilotOutcome.COOLDOWN)
        try:
            ctx = ProactiveTriggerContext.from_actions_payloads(
                list(session.payloads),
                lookback_seconds=self.lookback_seconds,
                max_actions=self.max_actions,
                now=now,
                session_id=session_id,
                conversation_id=_linked(state) or session.conversation_id,
                product_id=session.product_id,
                action_count=session.actions_seen,
                context_extra=None,
                scope_policy=self.scope_policy,
            )
        except ValueError:  # the scope check logged the reason
            return self._decide(session_id, CopilotOutcome.INVALID_SCOPE)
        try:
            # Built after the scope check so a host's callable only ever sees valid sessions.
            ctx = _with_extra(ctx, self._extra(session_id, ctx.recent_actions, now))
            results = self.registry.evaluate_all(ctx)
        except Exception as exc:
            _log_failure("trigger evaluation", session_id, exc)
            return self._decide(session_id, CopilotOutcome.TRIGGER_FAILED)
        instant, gated = partition_results_by_triggering_type(results)
        candidates = (*instant, *gated)
        if not candidates:
            return self._decide(session_id, CopilotOutcome.NO_TRIGGER)
        chosen: ProactiveTriggerResult | None
        if instant:
            chosen = instant[0]
        elif not self.has_judge:
            chosen = gated[0]
        else:
            raw = yield _Judge(ctx, tuple(gated))
            if isinstance(raw, BaseException):
                _log_failure("judge", session_id, raw)
                return self._decide(session_id, CopilotOutcome.JUDGE_FAILED, candidates=candidates)
            chosen = judge_result_to_proactive_trigger_result(parse_llm_judge_json(raw), gated)
            if chosen is None:
                return self._decide(session_id, CopilotOutcome.JUDGE_DECLINED, candidates=candidates)
        if self.has_gate:
            allowed = yield _Gate(session_id, session.user_id)
            if isinstance(allowed, BaseException) or not allowed:
                if isinstance(allowed, BaseException):
                    _log_failure("delivery gate", session_id, allowed)
                    detail = "gate_error"
                else:
                    reason = getattr(allowed, "reason", None)
                    detail = str(getattr(reason, "value", reason) or "refused")
                return self._decide(
                    session_id, CopilotOutcome.GATE_CLOSED, result=chosen, candidates=candidates, detail=detail
                )
        if state.current_state != AgentStateV2.THINKING:  # e.g. the user wrote while the judge ran
            return self._decide(session_id, CopilotOutcome.ENGAGED, result=chosen, candidates=candidates)
        # The result's timings govern this exchange: idle timeout, then the cooldown after it.
        state.interaction_timeout_s = chosen.interaction_timeout_s
        state.cooldown_period_s = chosen.cooldown_s
        if not state.transition_to_proactive(chosen.trigger_id):
            return self._decide(session_id, CopilotOutcome.COOLDOWN, result=chosen, candidates=candidates)
        error = yield _Deliver(session_id, chosen)
        if self.has_gate:
            yield _Record("transport_error" if error is not None else "success")
        if error is not None:
            _log_failure("on_proactive", session_id, error)
            return self._decide(session_id, CopilotOutcome.CALLBACK_FAILED, result=chosen, candidates=candidates)
        logger.debug(
            "proactive message delivered for session %s (trigger %s)",
            session_id,
            chosen.trigger_id,
            extra={"event": "proactive_copilot_delivered", "session_id": session_id, "trigger_id": chosen.trigger_id},
        )
        return self._decide(session_id, CopilotOutcome.DELIVERED, result=chosen, candidates=candidates)


def _linked(state: SessionState) -> str | None:
    """The conversation the session is linked to (``resolve_linked_conversation_id``), or ``None``."""
    return state.conversation_id if state.conversation_linked and state.conversation_id else None


def _text(value: object) -> str:
    """A wire id as text: strings as they are, anything else (``None``, a number...) as ``""``."""
    return value if isinstance(value, str) else ""


def _log_failure(what: str, session_id: str, exc: BaseException) -> None:
    """WARNING with the exception type only (its message may quote user data); DEBUG adds the traceback."""
    event = "proactive_copilot_" + what.replace(" ", "_") + "_failed"
    logger.warning(
        "proactive %s failed for session %s: %s",
        what,
        session_id,
        type(exc).__name__,
        extra={"event": event, "session_id": session_id},
    )
    logger.debug("proactive %s failure detail", what, exc_info=exc, extra={"event": event, "session_id": session_id})


def _with_extra(ctx: ProactiveTriggerContext, extra: dict[str, Any]) -> ProactiveTriggerContext:
    return replace(ctx, context_extra=extra)
