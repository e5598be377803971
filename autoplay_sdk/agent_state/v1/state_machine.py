"""``AgentStateMachine``: the deprecated five-state v1 session machine.

New code should use :class:`autoplay_sdk.agent_state.v2.SessionState`; this machine is kept so that
code written against it keeps running.

Allowed moves (row = from, column = to; a move to the current state is a silent no-op)::

                  thinking  reactive  proactive  guidance  conservative
    thinking         -         yes       yes        no         yes
    reactive        yes         -        no         yes        no
    proactive       yes        yes        -         yes        yes
    guidance        yes        yes       no          -         yes
    conservative    yes        yes       no         no          -

Entering PROACTIVE counts a shown message; entering GUIDANCE records the flow being guided;
entering CONSERVATIVE (a dismissal) raises the proactive threshold and starts a cooldown that
grows with each dismissal and never ends after the third.  Cooldowns (global, per route, per flow)
are wall-clock expiry times read from ``time.time()`` through the ``time`` module at call time.
``max_tasks`` is stored but not enforced, and ``best_nw_score`` is never updated by the machine.
"""

from __future__ import annotations

import time
from typing import Any

from autoplay_sdk._logging import get_logger
from autoplay_sdk.agent_state._idle import proactive_idle_eligible
from autoplay_sdk.agent_state.v1.types import (
    AgentState,
    InvalidSnapshotError,
    InvalidTransitionError,
    ProactiveIdleExpiryResult,
    SessionMetrics,
    TaskProgress,
)

__all__ = ["AgentStateMachine", "proactive_idle_eligible"]

logger = get_logger(__name__)

_S = AgentState
_ALLOWED: dict[AgentState, frozenset[AgentState]] = {
    _S.THINKING: frozenset({_S.REACTIVE_ASSISTANCE, _S.PROACTIVE_ASSISTANCE, _S.CONSERVATIVE_ASSISTANCE}),
    _S.REACTIVE_ASSISTANCE: frozenset({_S.THINKING, _S.GUIDANCE_EXECUTION}),
    _S.PROACTIVE_ASSISTANCE: frozenset(
        {_S.THINKING, _S.REACTIVE_ASSISTANCE, _S.GUIDANCE_EXECUTION, _S.CONSERVATIVE_ASSISTANCE}
    ),
    _S.GUIDANCE_EXECUTION: frozenset({_S.THINKING, _S.REACTIVE_ASSISTANCE, _S.CONSERVATIVE_ASSISTANCE}),
    _S.CONSERVATIVE_ASSISTANCE: frozenset({_S.THINKING, _S.REACTIVE_ASSISTANCE}),
}

_SNAPSHOT_VERSION = 1
_DISMISSAL_STEP_S = 300.0  # each further dismissal lengthens the conservative cooldown by this much
_MAX_THRESHOLD = 0.9
_PERMANENT_AFTER_DISMISSALS = 3


def _extra(event_type: str, from_state: AgentState, to_state: AgentState, reason: str, **more: Any) -> dict[str, Any]:
    return {
        "event_type": event_type,
        "from_state": from_state.value,
        "to_state": to_state.value,
        "reason_preview": reason[:200],
        **more,
    }


class AgentStateMachine:
    """One session's v1 state (see the module docstring for the moves and their effects).

    Not thread-safe: serialise calls per session.
    """

    def __init__(
        self,
        *,
        base_threshold: float = 0.5,
        max_tasks: int = 3,
        conservative_cooldown_s: float = 600.0,
        conservative_threshold_boost: float = 0.15,
        guidance_deviation_threshold: float = 0.3,
    ) -> None:
        self.state: AgentState = AgentState.THINKING
        self.state_entered_at: float = time.time()
        self.base_threshold = base_threshold
        self.current_threshold = base_threshold
        self.max_tasks = max_tasks
        self.active_tasks: dict[str, TaskProgress] = {}
        self.dismissed_count_session = 0
        self.active_guidance_flow_id: str | None = None
        self.active_guidance_instructions: list[dict[str, Any]] = []
        self.route_cooldowns: dict[str, float] = {}
        self.flow_cooldowns: dict[str, float] = {}
        self.session_metrics = SessionMetrics()
        self._conservative_cooldown_s = conservative_cooldown_s
        self._threshold_boost = conservative_threshold_boost
        self._deviation_threshold = guidance_deviation_threshold
        self._conservative_cooldown_until = 0.0

    # -- transitions -------------------------------------------------------------------------

    def transition_to(
        self,
        target: AgentState | str,
        *,
        reason: str = "",
        task: TaskProgress | None = None,
        instructions: list[dict[str, Any]] | None = None,
    ) -> None:
        """Move to ``target`` (a state or its value) and run its entry effect.

        Moving to the current state does nothing at all.  A move the table forbids logs at DEBUG
        and raises :class:`InvalidTransitionError` (``"Invalid transition: <from> -> <to>"``),
        leaving the machine unchanged.  A ``str`` that is not a state value raises ``ValueError``.
        ``task`` and ``instructions`` are used when entering GUIDANCE: the task is marked engaged and
        becomes the guided flow, and the instructions list (the same object) is kept.
        """
        target = AgentState(target)
        source = self.state
        if target == source:
            return
        if target not in _ALLOWED[source]:
            logger.debug(
                "agent state transition rejected",
                extra=_extra("agent_state_transition_rejected", source, target, reason),
            )
            raise InvalidTransitionError(f"Invalid transition: {source.value} -> {target.value}")
        self.state = target
        self.state_entered_at = time.time()
        if target == AgentState.PROACTIVE_ASSISTANCE:
            self.session_metrics.proactive_shown_count += 1
        elif target == AgentState.GUIDANCE_EXECUTION:
            if task is not None:
                self.active_guidance_flow_id = task.flow_id
                task.guidance_engaged = True
            if instructions is not None:
                self.active_guidance_instructions = instructions
            self.session_metrics.guidance_accepted_count += 1
        elif target == AgentState.CONSERVATIVE_ASSISTANCE:
            self._enter_conservative()
        elif target == AgentState.THINKING and source == AgentState.GUIDANCE_EXECUTION:
            self._clear_guidance()
        logger.debug("agent state transition", extra=_extra("agent_state_transition", source, target, reason))

    def enter_reactive_from_user_message(self, *, reason: str = "inbound_user_message") -> None:
        """Answer an inbound user message: move to REACTIVE unless already there.

        Every state allows this move; should it ever be refused, the refusal is logged at WARNING
        and :class:`InvalidTransitionError` is re-raised.
        """
        if self.state == AgentState.REACTIVE_ASSISTANCE:
            return
        try:
            self.transition_to(AgentState.REACTIVE_ASSISTANCE, reason=reason)
        except InvalidTransitionError:
            logger.warning(
                "agent state transition rejected",
                extra=_extra(
                    "agent_state_transition_rejected",
                    self.state,
                    AgentState.REACTIVE_ASSISTANCE,
                    reason,
                    operation="enter_reactive_from_user_message",
                ),
            )
            raise

    def transition_on_disengagement(self, *, reason: str = "disengaged") -> None:
        """The user left a guided flow: GUIDANCE -> CONSERVATIVE (a dismissal).

        Raises :class:`InvalidTransitionError` from any other state.
        """
        if self.state != AgentState.GUIDANCE_EXECUTION:
            logger.debug(
                "agent state transition rejected",
                extra=_extra(
                    "agent_state_transition_rejected",
                    self.state,
                    AgentState.CONSERVATIVE_ASSISTANCE,
                    reason,
                    operation="transition_on_disengagement",
                ),
            )
            raise InvalidTransitionError(
                f"transition_on_disengagement only from guidance_execution; current={self.state.value}"
            )
        self.transition_to(AgentState.CONSERVATIVE_ASSISTANCE, reason=reason)

    def expire_proactive_to_thinking_if_idle(
        self, now: float, interaction_timeout_s: float
    ) -> ProactiveIdleExpiryResult:
        """PROACTIVE for at least ``interaction_timeout_s`` since entering it (at wall time ``now``) -> THINKING.

        Returns ``ProactiveIdleExpiryResult(True, True)`` when it moved, else ``(False, False)``.
        Idle time counts from ``state_entered_at``, not from the last interaction.
        """
        if not proactive_idle_eligible(self, now, interaction_timeout_s):
            return ProactiveIdleExpiryResult(False, False)
        self.transition_to(AgentState.THINKING, reason="proactive_interaction_timeout")
        return ProactiveIdleExpiryResult(True, True)

    # -- proactive gating --------------------------------------------------------------------

    def can_show_proactive_with_reason(self, route: str = "", flow_name: str = "") -> tuple[bool, str]:
        """``(may a proactive message show now, why)``.

        In CONSERVATIVE with its cooldown over, first returns silently to THINKING.  Then the
        reasons, in order: ``"conservative_cooldown"``, ``"wrong_state"`` (not THINKING),
        ``"route_cooldown"``, ``"flow_cooldown"``; else ``(True, "ok")``.
        """
        now = time.time()
        if self.state == AgentState.CONSERVATIVE_ASSISTANCE:
            if now < self._conservative_cooldown_until:
                return False, "conservative_cooldown"
            self.state = AgentState.THINKING
            self.state_entered_at = now
        if self.state != AgentState.THINKING:
            return False, "wrong_state"
        if route and now < self.route_cooldowns.get(route, 0.0):
            return False, "route_cooldown"
        if flow_name and now < self.flow_cooldowns.get(flow_name, 0.0):
            return False, "flow_cooldown"
        return True, "ok"

    def can_show_proactive(self, route: str = "", flow_name: str = "") -> bool:
        """The first element of :meth:`can_show_proactive_with_reason` (same side effect)."""
        return self.can_show_proactive_with_reason(route, flow_name)[0]

    def get_effective_threshold(self) -> float:
        """The current proactive threshold (raised by each dismissal, capped at 0.9)."""
        return self.current_threshold

    def set_route_cooldown(self, route: str, seconds: float) -> None:
        """Block proactive messages on ``route`` for ``seconds`` from now (an empty route is stored too)."""
        self.route_cooldowns[route] = time.time() + seconds

    def set_flow_cooldown(self, flow_name: str, seconds: float) -> None:
        """Block proactive messages for ``flow_name`` for ``seconds`` from now; ignored for an empty name."""
        if flow_name:
            self.flow_cooldowns[flow_name] = time.time() + seconds

    # -- tasks -------------------------------------------------------------------------------

    def start_task(self, flow_id: str, flow_name: str, total_steps: int) -> TaskProgress:
        """Start (or restart) a flow and return its progress object.

        A known flow is restarted in place: one more attempt, progress and flags reset, start time
        now (its name and step count are kept).  A new flow is recorded as attempted.
        """
        now = time.time()
        task = self.active_tasks.get(flow_id)
        if task is not None:
            task.attempts += 1
            task.abandoned = task.completed = False
            task.steps_completed = task.current_step_index = task.deviation_count = 0
            task.started_at = now
            return task
        task = TaskProgress(flow_id, flow_name, now, total_steps)
        self.active_tasks[flow_id] = task
        self.session_metrics.tasks_attempted.add(flow_id)
        return task

    def complete_task(self, flow_id: str) -> None:
        """Mark a flow completed; in GUIDANCE (even for an unknown flow) also return to THINKING."""
        task = self.active_tasks.get(flow_id)
        if task is not None:
            task.completed = True
            task.steps_completed = task.total_steps
            self.session_metrics.tasks_completed.add(flow_id)
        if self.state == AgentState.GUIDANCE_EXECUTION:
            self._clear_guidance()
            self.state = AgentState.THINKING
            self.state_entered_at = time.time()
            logger.debug(
                "agent state transition on task completion",
                extra={
                    "event_type": "agent_state_transition_complete_task",
                    "from_state": AgentState.GUIDANCE_EXECUTION.value,
                    "to_state": AgentState.THINKING.value,
                    "flow_id": flow_id[:80],
                },
            )

    def abandon_task(self, flow_id: str) -> None:
        """Mark a known flow abandoned (the state is unchanged)."""
        task = self.active_tasks.get(flow_id)
        if task is not None:
            task.abandoned = True
            self.session_metrics.tasks_abandoned.add(flow_id)

    def record_step_completion(self, flow_id: str, step_index: int) -> None:
        """Record that step ``step_index`` of a known flow is done."""
        task = self.active_tasks.get(flow_id)
        if task is not None:
            task.current_step_index = step_index
            task.steps_completed = max(task.steps_completed, step_index + 1)

    def record_deviation(self, flow_id: str, nw_score: float) -> bool:
        """Count a deviation from a known flow; True when ``nw_score`` is below the deviation threshold."""
        task = self.active_tasks.get(flow_id)
        if task is None:
            return False
        task.deviation_count += 1
        return nw_score < self._deviation_threshold

    # -- views and persistence ---------------------------------------------------------------

    @property
    def proactive_state_dict(self) -> dict[str, Any]:
        """Cooldowns and popup status; the cooldown dicts are the live ones."""
        popup_active = self.state in (AgentState.PROACTIVE_ASSISTANCE, AgentState.GUIDANCE_EXECUTION)
        return {
            "global_cooldown_until": self._conservative_cooldown_until,
            "route_cooldowns": self.route_cooldowns,
            "flow_cooldowns": self.flow_cooldowns,
            "popup_active": popup_active,
            "popup_active_since": self.state_entered_at if popup_active else 0.0,
        }

    def get_session_snapshot(self) -> dict[str, Any]:
        """A summary of the session's tasks and counters, for analytics."""
        metrics = self.session_metrics
        return {
            "tasks": [_task_summary(task) for task in self.active_tasks.values()],
            "proactive_shown": metrics.proactive_shown_count,
            "guidance_accepted": metrics.guidance_accepted_count,
            "dismissals": metrics.dismissal_count,
            "last_state": self.state.value,
            "last_active_flow": self.active_guidance_flow_id,
        }

    def to_snapshot(self) -> dict[str, Any]:
        """The whole machine as a JSON-ready dict (``_v`` = 1); :meth:`from_snapshot` restores it.

        After the third dismissal ``conservative_cooldown_until`` is ``float("inf")``.
        """
        return {
            "_v": _SNAPSHOT_VERSION,
            "state": self.state.value,
            "state_entered_at": self.state_entered_at,
            "base_threshold": self.base_threshold,
            "current_threshold": self.current_threshold,
            "max_tasks": self.max_tasks,
            "dismissed_count_session": self.dismissed_count_session,
            "active_guidance_flow_id": self.active_guidance_flow_id,
            "active_guidance_instructions": list(self.active_guidance_instructions),
            "active_tasks": {flow_id: task.to_dict() for flow_id, task in self.active_tasks.items()},
            "session_metrics": self.session_metrics.to_dict(),
            "conservative_cooldown_s": self._conservative_cooldown_s,
            "threshold_boost": self._threshold_boost,
            "conservative_cooldown_until": self._conservative_cooldown_until,
            "deviation_threshold": self._deviation_threshold,
            "route_cooldowns": dict(self.route_cooldowns),
            "flow_cooldowns": dict(self.flow_cooldowns),
        }

    @classmethod
    def from_snapshot(cls, data: Any) -> AgentStateMachine:
        """Restore a machine from :meth:`to_snapshot` output.

        Raises :class:`InvalidSnapshotError` (after a WARNING log) when ``data`` is not a dict, its
        ``_v`` is not 1, or its ``state`` is missing or unknown.  Missing fields take the
        constructor defaults; task rows that are not dicts are skipped, and task rows that do not
        parse are skipped with a WARNING.  A value of the wrong type elsewhere raises the
        ``ValueError``/``TypeError`` of its coercion.
        """
        if not isinstance(data, dict):
            logger.warning(
                "agent state snapshot is not a dict",
                extra={"event_type": "agent_states_snapshot_invalid", "value_type": type(data).__name__},
            )
            raise InvalidSnapshotError("Snapshot must be a dict.")
        version = data.get("_v")
        if version != _SNAPSHOT_VERSION:
            logger.warning(
                "agent state snapshot has an unsupported version",
                extra={
                    "event_type": "agent_states_snapshot_unsupported_version",
                    "snapshot_v": version,
                    "expected_v": _SNAPSHOT_VERSION,
                },
            )
            raise InvalidSnapshotError(f"Unsupported snapshot _v={version!r}; expected 1.")
        try:
            state = AgentState(str(data["state"]))
        except (KeyError, ValueError) as exc:
            logger.warning(
                "agent state snapshot has an invalid state",
                exc_info=True,
                extra={"event_type": "agent_states_snapshot_invalid"},
            )
            raise InvalidSnapshotError(f"Invalid state: {exc}") from exc

        sm = cls(
            base_threshold=float(data.get("base_threshold", 0.5)),
            max_tasks=int(data.get("max_tasks", 3)),
            conservative_cooldown_s=float(data.get("conservative_cooldown_s", 600.0)),
            conservative_threshold_boost=float(data.get("threshold_boost", 0.15)),
            guidance_deviation_threshold=float(data.get("deviation_threshold", 0.3)),
        )
        sm.state = state
        sm.state_entered_at = float(data.get("state_entered_at", time.time()))
        sm.current_threshold = float(data.get("current_threshold", sm.base_threshold))
        sm.dismissed_count_session = int(data.get("dismissed_count_session", 0))
        sm.active_guidance_flow_id = data.get("active_guidance_flow_id")
        instructions = data.get("active_guidance_instructions")
        sm.active_guidance_instructions = (
            [dict(item) for item in instructions if isinstance(item, dict)] if isinstance(instructions, list) else []
        )
        sm._conservative_cooldown_until = float(data.get("conservative_cooldown_until", 0.0))
        sm.route_cooldowns = dict(data.get("route_cooldowns") or {})
        sm.flow_cooldowns = dict(data.get("flow_cooldowns") or {})
        for flow_id, row in (data.get("active_tasks") or {}).items():
            if not isinstance(row, dict):
                continue
            try:
                sm.active_tasks[str(flow_id)] = TaskProgress.from_dict(row)
            except (KeyError, TypeError, ValueError):
                logger.warning(
                    "agent state snapshot task skipped",
                    extra={"event_type": "agent_states_snapshot_task_skipped", "task_id_preview": str(flow_id)[:80]},
                )
        sm.session_metrics = SessionMetrics.from_dict(data.get("session_metrics") or {})
        return sm

    # -- internals ---------------------------------------------------------------------------

    def _enter_conservative(self) -> None:
        self.dismissed_count_session += 1
        n = self.dismissed_count_session
        self.session_metrics.dismissal_count += 1
        self._conservative_cooldown_until = time.time() + self._conservative_cooldown_s + (n - 1) * _DISMISSAL_STEP_S
        self.current_threshold = min(_MAX_THRESHOLD, self.base_threshold + self._threshold_boost * n)
        if n >= _PERMANENT_AFTER_DISMISSALS:
            self._conservative_cooldown_until = float("inf")

    def _clear_guidance(self) -> None:
        self.active_guidance_flow_id = None
        self.active_guidance_instructions = []


def _task_summary(task: TaskProgress) -> dict[str, Any]:
    score = round(task.best_nw_score, 3)
    return {
        "flow_id": task.flow_id,
        "flow_name": task.flow_name,
        "completed": task.completed,
        "abandoned": task.abandoned,
        "steps_completed": task.steps_completed,
        "total_steps": task.total_steps,
        "best_nw_score": score,
        "attempts": task.attempts,
        "guidance_engaged": task.guidance_engaged,
        "score": score,
        "matched_steps": task.steps_completed,
        "name": task.flow_name,
    }
