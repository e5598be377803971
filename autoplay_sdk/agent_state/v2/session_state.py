"""``SessionState``: the v2 per-session state machine, and its three sub-states.

States and moves::

    THINKING --transition_to_proactive()--> PROACTIVE   (refused, returning False, while a cooldown runs)
    THINKING --transition_to_reactive()---> REACTIVE    (allowed during a cooldown; clears it)
    PROACTIVE / REACTIVE --tick() after an idle timeout--> THINKING, starting a cooldown

There is no direct PROACTIVE <-> REACTIVE move, and the only way out of PROACTIVE or REACTIVE is
the idle timeout checked by :meth:`SessionState.tick`.  Calls a state does not allow raise
:class:`~autoplay_sdk.agent_state.v2.types.InvalidTransitionError` and change nothing.

Time rules:

* the idle timeout fires when ``monotonic() - last_interaction_at`` is strictly greater than the
  timeout;
* a cooldown ends when ``monotonic() - cooldown_started_at`` is greater than or equal to its period;
* a tour found in the registry passed to :meth:`SessionState.tick` (looked up by the active
  provider tour id) replaces both the timeout and the cooldown of the session.  A tour whose value
  is ``None`` leaves the session's own value in force for that field.

Timestamps are ``time.monotonic()`` readings, read through the ``time`` module at call time (tests
move the clock by patching ``time.monotonic``).  Snapshots (:meth:`SessionState.to_dict`) store
these raw readings, so they are meaningful only within one process; a host that moves a session to
another process shifts them by the difference of the two clocks.

Conversation links: four keyword-only fields follow ``_v`` — ``session_id`` (``""``),
``metadata`` (``{}``), ``conversation_linked`` (``False``) and ``conversation_id`` (``None``).
They are never validated here (APIs that need a session id check it themselves).  While all four
hold their defaults, :meth:`SessionState.to_dict` returns the original ten-key snapshot; once any
is set, it returns the fourteen-key layout that includes them.  Transitions log at DEBUG only
(``extra={"event_type": ...}`` with the session id; nothing at INFO or above).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from autoplay_sdk._logging import get_logger
from autoplay_sdk.agent_state.v2.types import AgentStateV2, InvalidTransitionError

__all__ = ["ProactiveState", "ReactiveState", "SessionState", "ThinkingState"]

logger = get_logger(__name__)

_SNAPSHOT_VERSION = 1

_CANNOT_ENTER = (
    "Cannot transition to {target} from {state}. Must be in THINKING first. "
    "PROACTIVE and REACTIVE can only exit via interaction timeout."
)
_GUIDANCE_IN_THINKING = (
    "set_visual_guidance() cannot be called in THINKING state. Visual guidance is only valid in PROACTIVE or REACTIVE."
)


def _now() -> float:
    return time.monotonic()


class _TourTimeouts(Protocol):
    """A tour's own idle timeout and cooldown (e.g. ``proactive.triggers.tour_registry.TourDefinition``)."""

    @property
    def interaction_timeout_s(self) -> float | None: ...

    @property
    def cooldown_period_s(self) -> float | None: ...


class _TourLookup(Protocol):
    """Finds a tour by its provider tour id (e.g. ``proactive.triggers.tour_registry.TourRegistry``)."""

    def get_by_user_tour_id(self, user_tour_id: str, /) -> _TourTimeouts | None: ...


@dataclass
class ThinkingState:
    """THINKING's cooldown: while it runs, no proactive message may open.

    ``active_cooldown_period_s`` overrides the session's cooldown period for the running cooldown
    (set when an idle timeout starts it, so a later change of the session's period does not affect it).
    """

    cooldown_active: bool = False
    cooldown_started_at: float = 0.0
    active_cooldown_period_s: float | None = None

    @property
    def can_go_proactive(self) -> bool:
        """True when no cooldown is running."""
        return not self.cooldown_active

    def start_cooldown(self, override_period_s: float | None = None) -> None:
        """Start a cooldown now; ``override_period_s`` (when not None) replaces the period passed to :meth:`tick`."""
        self.cooldown_active = True
        self.cooldown_started_at = _now()
        self.active_cooldown_period_s = override_period_s

    def clear_cooldown(self) -> None:
        """End any cooldown (all three fields back to their defaults)."""
        self.cooldown_active = False
        self.cooldown_started_at = 0.0
        self.active_cooldown_period_s = None

    def tick(self, cooldown_period_s: float) -> None:
        """End a running cooldown once its period (the override, else ``cooldown_period_s``) has elapsed (``>=``)."""
        if not self.cooldown_active:
            return
        period = self.active_cooldown_period_s if self.active_cooldown_period_s is not None else cooldown_period_s
        if _now() - self.cooldown_started_at >= period:
            self.clear_cooldown()

    def to_dict(self) -> dict[str, Any]:
        """``{"cooldown_active", "cooldown_started_at", "active_cooldown_period_s"}``."""
        return {
            "cooldown_active": self.cooldown_active,
            "cooldown_started_at": self.cooldown_started_at,
            "active_cooldown_period_s": self.active_cooldown_period_s,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ThinkingState:
        """Rebuild from :meth:`to_dict` output; a missing key takes its default."""
        return cls(
            cooldown_active=d.get("cooldown_active", False),
            cooldown_started_at=d.get("cooldown_started_at", 0.0),
            active_cooldown_period_s=d.get("active_cooldown_period_s"),
        )


class _InteractionTimer:
    """The timer both interaction sub-states share; the anchor is a dataclass field of each."""

    time_since_last_interaction_s: float
    _last_interaction_at_local: float

    def _touch(self) -> None:
        self._last_interaction_at_local = _now()
        self.time_since_last_interaction_s = 0.0

    def record_user_interaction(self) -> None:
        """The user wrote: restart the timer."""
        self._touch()

    def record_reaction(self) -> None:
        """The user reacted to a message: restart the timer."""
        self._touch()

    def record_tour_step(self) -> None:
        """The user advanced a tour: restart the timer."""
        self._touch()

    def tick(self) -> None:
        """Refresh ``time_since_last_interaction_s`` from the clock."""
        self.time_since_last_interaction_s = _now() - self._last_interaction_at_local


@dataclass
class ReactiveState(_InteractionTimer):
    """REACTIVE's timer: time since the user last interacted during the reply.

    ``_last_interaction_at_local`` (a monotonic reading, taken at construction by default) is the
    anchor; :meth:`tick` refreshes ``time_since_last_interaction_s`` from it.
    """

    time_since_last_interaction_s: float = 0.0
    _last_interaction_at_local: float = field(default_factory=_now, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """``{"time_since_last_interaction_s", "last_message_at"}`` (the anchor)."""
        return {
            "time_since_last_interaction_s": self.time_since_last_interaction_s,
            "last_message_at": self._last_interaction_at_local,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ReactiveState:
        """Rebuild from :meth:`to_dict` output; a missing anchor is now."""
        return cls(
            time_since_last_interaction_s=d.get("time_since_last_interaction_s", 0.0),
            _last_interaction_at_local=d.get("last_message_at", _now()),
        )


@dataclass
class ProactiveState(_InteractionTimer):
    """PROACTIVE's timer (as :class:`ReactiveState`), plus whether the user clicked an offered option."""

    user_clicked_option: bool = False
    time_since_last_interaction_s: float = 0.0
    _last_interaction_at_local: float = field(default_factory=_now, repr=False)

    def record_option_click(self) -> None:
        """The user clicked an offered option: restart the timer and remember the click."""
        self._touch()
        self.user_clicked_option = True

    def to_dict(self) -> dict[str, Any]:
        """``{"user_clicked_option", "time_since_last_interaction_s", "last_message_at"}`` (the anchor)."""
        return {
            "user_clicked_option": self.user_clicked_option,
            "time_since_last_interaction_s": self.time_since_last_interaction_s,
            "last_message_at": self._last_interaction_at_local,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ProactiveState:
        """Rebuild from :meth:`to_dict` output; a missing anchor is now."""
        return cls(
            user_clicked_option=d.get("user_clicked_option", False),
            time_since_last_interaction_s=d.get("time_since_last_interaction_s", 0.0),
            _last_interaction_at_local=d.get("last_message_at", _now()),
        )


@dataclass
class SessionState:
    """One chat session's state: THINKING, PROACTIVE or REACTIVE (see the module docstring).

    ``last_interaction_at`` is the monotonic time of the last interaction of any kind; the idle
    timeout counts from it.  ``interaction_timeout_s`` (default 20 s) and ``cooldown_period_s``
    (default 60 s) are the session's own timings.  ``visual_guidance_active`` / ``active_tour_id``
    describe an on-screen tour; the tour id selects per-tour timings in :meth:`tick`.
    """

    current_state: AgentStateV2 = AgentStateV2.THINKING
    last_interaction_at: float = field(default_factory=_now)
    interaction_timeout_s: float = 20.0
    cooldown_period_s: float = 60.0
    visual_guidance_active: bool = False
    active_tour_id: str | None = None
    thinking: ThinkingState = field(default_factory=ThinkingState)
    proactive: ProactiveState = field(default_factory=ProactiveState)
    reactive: ReactiveState = field(default_factory=ReactiveState)
    _v: int = _SNAPSHOT_VERSION
    session_id: str = field(default="", kw_only=True)
    metadata: dict[str, Any] = field(default_factory=dict, kw_only=True)
    conversation_linked: bool = field(default=False, kw_only=True)
    conversation_id: str | None = field(default=None, kw_only=True)

    # -- transitions -------------------------------------------------------------------------

    def transition_to_proactive(self, trigger_id: str) -> bool:
        """Open a proactive interaction; only from THINKING.

        First ends an expired cooldown.  While a cooldown still runs, returns False and changes
        nothing.  Otherwise enters PROACTIVE with a fresh :class:`ProactiveState`, records the
        interaction time, and returns True.  ``trigger_id`` is accepted for the caller's records and
        not used.  Raises :class:`InvalidTransitionError` in PROACTIVE or REACTIVE.
        """
        self._require_thinking("PROACTIVE")
        self.thinking.tick(self.cooldown_period_s)
        if self.thinking.cooldown_active:
            self._log_transition("proactive_blocked")
            return False
        self.last_interaction_at = _now()
        self.current_state = AgentStateV2.PROACTIVE
        self.proactive = ProactiveState()
        self._log_transition("transition_to_proactive")
        return True

    def transition_to_reactive(self) -> None:
        """Answer the user; only from THINKING, even during a cooldown (which it clears).

        Enters REACTIVE with a fresh :class:`ReactiveState` and records the interaction time.
        Raises :class:`InvalidTransitionError` in PROACTIVE or REACTIVE.
        """
        self._require_thinking("REACTIVE")
        self.last_interaction_at = _now()
        self.current_state = AgentStateV2.REACTIVE
        self.reactive = ReactiveState()
        self.thinking.clear_cooldown()
        self._log_transition("transition_to_reactive")

    def tick(self, tour_registry: _TourLookup | None = None) -> None:
        """Advance the clocks; the only exit from PROACTIVE and REACTIVE.

        In THINKING, ends an expired cooldown.  In PROACTIVE or REACTIVE, when the session has been
        idle for strictly longer than its timeout, returns to THINKING: visual guidance and the
        active tour are cleared and a cooldown starts now (sub-states and ``last_interaction_at``
        are kept).  Otherwise refreshes the current sub-state's timer.

        When ``tour_registry`` is given and a tour is active, a tour found by
        ``tour_registry.get_by_user_tour_id(active_tour_id)`` supplies both the timeout and the
        cooldown.  Never raises.
        """
        if self.current_state == AgentStateV2.THINKING:
            self.thinking.tick(self.cooldown_period_s)
            return
        timeout, cooldown = self._resolve_timings(tour_registry)
        if _now() - self.last_interaction_at > timeout:
            self._timeout_to_thinking(cooldown_period_s=cooldown)
            return
        if self.current_state == AgentStateV2.PROACTIVE:
            self.proactive.tick()
        else:
            self.reactive.tick()

    def set_visual_guidance(self, active: bool, tour_id: str | None = None) -> None:
        """Mark an on-screen tour as shown (``active=True``, recording the interaction) or gone.

        Raises :class:`InvalidTransitionError` in THINKING.
        """
        if self.current_state == AgentStateV2.THINKING:
            raise InvalidTransitionError(_GUIDANCE_IN_THINKING)
        if active:
            self.visual_guidance_active = True
            self.active_tour_id = tour_id
            self.last_interaction_at = _now()
        else:
            self.visual_guidance_active = False
            self.active_tour_id = None

    # -- interactions (allowed in every state) -----------------------------------------------

    def record_any_interaction(self) -> None:
        """Record an interaction of any kind: the idle timeout restarts."""
        self.last_interaction_at = _now()

    def record_user_interaction(self) -> None:
        """The user wrote: restarts the idle timeout and the current sub-state's timer."""
        self._record("record_user_interaction")

    def record_option_click(self) -> None:
        """The user clicked an option: restarts the idle timeout; in PROACTIVE also records the click."""
        self._record("record_option_click")

    def record_reaction(self) -> None:
        """The user reacted: restarts the idle timeout and the current sub-state's timer."""
        self._record("record_reaction")

    def record_tour_step(self) -> None:
        """The user advanced a tour: restarts the idle timeout and the current sub-state's timer."""
        self._record("record_tour_step")

    # -- conversation link ---------------------------------------------------------------------

    def on_conversation_linked(self, link: Any) -> None:
        """Apply a :class:`~autoplay_sdk.chat.chatbot.ConversationLink` to this session.

        A ``NEW`` link always sets ``conversation_linked`` and ``conversation_id`` (overwriting any
        earlier link); a ``REPLY_EXISTING`` link sets them only while the session is unlinked; any
        other event changes nothing.  Works in every state and touches nothing else (not even
        ``last_interaction_at``); ``link.session_id`` is not compared with ``session_id``.
        """
        event = getattr(link, "event", None)
        if event == "NEW" or (event == "REPLY_EXISTING" and not self.conversation_linked):
            self.conversation_linked = True
            self.conversation_id = link.conversation_id

    def can_deliver_proactive(self) -> tuple[bool, str]:
        """Whether a proactive message may open now, and why not: ``(ok, reason)``.

        ``(False, "v2_state_<state value>")`` outside THINKING, ``(False, "v2_cooldown_active")``
        during a cooldown, else ``(True, "ok")``.  Pure: it does not tick (call :meth:`tick`
        first), log or change anything.
        """
        if self.current_state != AgentStateV2.THINKING:
            return False, f"v2_state_{AgentStateV2(self.current_state).value}"
        if self.thinking.cooldown_active:
            return False, "v2_cooldown_active"
        return True, "ok"

    # -- persistence -------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready snapshot; :meth:`from_dict` of it gives an equal object.

        Keys: ``_v``, ``current_state`` (the value), ``last_interaction_at``,
        ``interaction_timeout_s``, ``cooldown_period_s``, ``visual_guidance_active``,
        ``active_tour_id``, ``thinking``, ``proactive``, ``reactive``.  Timestamps are this
        process's monotonic readings.

        When ``session_id``, ``metadata``, ``conversation_linked`` or ``conversation_id`` differs
        from its default, the snapshot has fourteen keys instead, in this order: ``_v``,
        ``session_id``, ``metadata`` (a shallow copy), ``current_state``, ``last_interaction_at``,
        ``interaction_timeout_s``, ``cooldown_period_s``, ``visual_guidance_active``,
        ``active_tour_id``, ``conversation_linked``, ``conversation_id``, ``thinking``,
        ``proactive``, ``reactive``.
        """
        if self.session_id or self.metadata or self.conversation_linked or self.conversation_id is not None:
            return {
                "_v": self._v,
                "session_id": self.session_id,
                "metadata": dict(self.metadata),
                "current_state": self.current_state.value,
                "last_interaction_at": self.last_interaction_at,
                "interaction_timeout_s": self.interaction_timeout_s,
                "cooldown_period_s": self.cooldown_period_s,
                "visual_guidance_active": self.visual_guidance_active,
                "active_tour_id": self.active_tour_id,
                "conversation_linked": self.conversation_linked,
                "conversation_id": self.conversation_id,
                "thinking": self.thinking.to_dict(),
                "proactive": self.proactive.to_dict(),
                "reactive": self.reactive.to_dict(),
            }
        return {
            "_v": self._v,
            "current_state": self.current_state.value,
            "last_interaction_at": self.last_interaction_at,
            "interaction_timeout_s": self.interaction_timeout_s,
            "cooldown_period_s": self.cooldown_period_s,
            "visual_guidance_active": self.visual_guidance_active,
            "active_tour_id": self.active_tour_id,
            "thinking": self.thinking.to_dict(),
            "proactive": self.proactive.to_dict(),
            "reactive": self.reactive.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, lenient: bool = False) -> SessionState:
        """Rebuild a session from :meth:`to_dict` output.

        Raises ``ValueError("Unknown SessionState snapshot version: …")`` (after a WARNING log) when
        ``_v`` is not 1.  ``current_state`` and ``last_interaction_at`` are required (``KeyError``;
        an unknown state gives ``ValueError``); the other fields default as in the constructor.

        With ``lenient=True`` a missing or unknown ``current_state`` becomes THINKING (after a
        WARNING, ``event_type="session_state_parse_error"``) and a missing
        ``last_interaction_at`` becomes now; the version check still raises.
        """
        version = d.get("_v")
        if version != _SNAPSHOT_VERSION:
            logger.warning(
                "agent_state_v2: unknown snapshot version %r — cannot restore SessionState",
                version,
                extra={"event_type": "agent_state_v2_snapshot_invalid", "snapshot_version": version},
            )
            raise ValueError(f"Unknown SessionState snapshot version: {version!r}")
        session = cls.__new__(cls)
        session._v = _SNAPSHOT_VERSION
        if lenient:
            try:
                session.current_state = AgentStateV2(d["current_state"])
            except (KeyError, ValueError) as exc:
                logger.warning(
                    "SessionState.from_dict invalid current_state=%r — defaulting to THINKING (%s)",
                    d.get("current_state"),
                    type(exc).__name__,
                    extra={"event_type": "session_state_parse_error"},
                )
                session.current_state = AgentStateV2.THINKING
            session.last_interaction_at = d["last_interaction_at"] if "last_interaction_at" in d else _now()
        else:
            session.current_state = AgentStateV2(d["current_state"])
            session.last_interaction_at = d["last_interaction_at"]
        session.session_id = str(d.get("session_id") or "")
        metadata = d.get("metadata")
        session.metadata = dict(metadata) if isinstance(metadata, Mapping) else {}
        session.conversation_linked = bool(d.get("conversation_linked", False))
        conversation_id = d.get("conversation_id")
        session.conversation_id = None if conversation_id is None else str(conversation_id)
        session.interaction_timeout_s = d.get("interaction_timeout_s", 20.0)
        session.cooldown_period_s = d.get("cooldown_period_s", 60.0)
        session.visual_guidance_active = d.get("visual_guidance_active", False)
        session.active_tour_id = d.get("active_tour_id")
        session.thinking = ThinkingState.from_dict(d.get("thinking", {}))
        session.proactive = ProactiveState.from_dict(d.get("proactive", {}))
        session.reactive = ReactiveState.from_dict(d.get("reactive", {}))
        return session

    # -- internals ---------------------------------------------------------------------------

    def _record(self, event: str) -> None:
        """Restart the idle timeout and pass ``event`` to the current sub-state, when it has it."""
        self.last_interaction_at = _now()
        sub: ProactiveState | ReactiveState | None = None
        if self.current_state == AgentStateV2.PROACTIVE:
            sub = self.proactive
        elif self.current_state == AgentStateV2.REACTIVE:
            sub = self.reactive
        handler = getattr(sub, event, None)
        if handler is not None:
            handler()

    def _require_thinking(self, target: str) -> None:
        if self.current_state != AgentStateV2.THINKING:
            raise InvalidTransitionError(
                _CANNOT_ENTER.format(target=target, state=AgentStateV2(self.current_state).value)
            )

    def _resolve_timings(self, tour_registry: _TourLookup | None) -> tuple[float, float]:
        timeout, cooldown = self.interaction_timeout_s, self.cooldown_period_s
        if tour_registry is not None and self.active_tour_id is not None:
            tour = tour_registry.get_by_user_tour_id(self.active_tour_id)
            if tour is not None:
                if tour.interaction_timeout_s is not None:
                    timeout = tour.interaction_timeout_s
                if tour.cooldown_period_s is not None:
                    cooldown = tour.cooldown_period_s
        return timeout, cooldown

    def _timeout_to_thinking(self, *, cooldown_period_s: float) -> None:
        self.current_state = AgentStateV2.THINKING
        self.visual_guidance_active = False
        self.active_tour_id = None
        self.thinking.start_cooldown(override_period_s=float(cooldown_period_s))
        self._log_transition("timeout_to_thinking")

    def _log_transition(self, event_type: str) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "agent_state_v2: %s session=%s",
                event_type,
                self.session_id or "unknown",
                extra={"event_type": event_type, "session_id": self.session_id},
            )
