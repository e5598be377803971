"""v1 value types: the state enum, the two errors, task progress, session metrics, idle-expiry result."""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from autoplay_sdk.agent_state._idle import ProactiveIdleExpiryResult

__all__ = [
    "AgentState",
    "InvalidSnapshotError",
    "InvalidTransitionError",
    "ProactiveIdleExpiryResult",
    "SessionMetrics",
    "TaskProgress",
]

if sys.version_info >= (3, 11):
    from enum import StrEnum as _StrEnum
else:  # pragma: no cover - exercised on Python 3.10 only

    class _StrEnum(str, Enum):
        """``enum.StrEnum`` for Python 3.10: ``str()`` and ``format()`` give the value."""

        def __str__(self) -> str:
            return str(self.value)

        def __format__(self, format_spec: str) -> str:
            return format(str(self.value), format_spec)


class AgentState(_StrEnum):
    """The five v1 states; ``str(member)`` and ``f"{member}"`` give the value (e.g. ``"thinking"``)."""

    THINKING = "thinking"
    REACTIVE_ASSISTANCE = "reactive_assistance"
    PROACTIVE_ASSISTANCE = "proactive_assistance"
    GUIDANCE_EXECUTION = "guidance_execution"
    CONSERVATIVE_ASSISTANCE = "conservative_assistance"


class InvalidTransitionError(ValueError):
    """A v1 transition the table forbids (a different class from the v2 error of the same name)."""


class InvalidSnapshotError(ValueError):
    """``AgentStateMachine.from_snapshot`` was given data it cannot restore."""


@dataclass
class TaskProgress:
    """Progress of one guided flow (task) in a session."""

    flow_id: str
    flow_name: str
    started_at: float
    total_steps: int
    steps_completed: int = 0
    current_step_index: int = 0
    best_nw_score: float = 0.0
    attempts: int = 1
    guidance_engaged: bool = False
    abandoned: bool = False
    completed: bool = False
    deviation_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        """All twelve fields, in field order."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskProgress:
        """Rebuild from :meth:`to_dict` output, coercing each value to its field's type.

        ``flow_id``, ``flow_name``, ``started_at`` and ``total_steps`` are required (``KeyError``);
        the others default; unknown keys are ignored.  A value that does not coerce raises
        ``ValueError``/``TypeError``.
        """
        return cls(
            flow_id=str(data["flow_id"]),
            flow_name=str(data["flow_name"]),
            started_at=float(data["started_at"]),
            total_steps=int(data["total_steps"]),
            steps_completed=int(data.get("steps_completed", 0)),
            current_step_index=int(data.get("current_step_index", 0)),
            best_nw_score=float(data.get("best_nw_score", 0.0)),
            attempts=int(data.get("attempts", 1)),
            guidance_engaged=bool(data.get("guidance_engaged", False)),
            abandoned=bool(data.get("abandoned", False)),
            completed=bool(data.get("completed", False)),
            deviation_count=int(data.get("deviation_count", 0)),
        )


_METRIC_SETS = ("tasks_attempted", "tasks_completed", "tasks_abandoned")
_METRIC_COUNTS = ("proactive_shown_count", "guidance_accepted_count", "dismissal_count")


@dataclass
class SessionMetrics:
    """Per-session counters: flow ids attempted/completed/abandoned and proactive outcomes."""

    tasks_attempted: set[str] = field(default_factory=set)
    tasks_completed: set[str] = field(default_factory=set)
    tasks_abandoned: set[str] = field(default_factory=set)
    proactive_shown_count: int = 0
    guidance_accepted_count: int = 0
    dismissal_count: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The six fields; each set becomes a sorted list."""
        out: dict[str, Any] = {name: sorted(getattr(self, name)) for name in _METRIC_SETS}
        out.update({name: getattr(self, name) for name in _METRIC_COUNTS})
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionMetrics:
        """Rebuild from :meth:`to_dict` output; missing keys give empty sets and zero counts."""
        return cls(
            tasks_attempted=set(data.get("tasks_attempted") or []),
            tasks_completed=set(data.get("tasks_completed") or []),
            tasks_abandoned=set(data.get("tasks_abandoned") or []),
            proactive_shown_count=int(data.get("proactive_shown_count", 0)),
            guidance_accepted_count=int(data.get("guidance_accepted_count", 0)),
            dismissal_count=int(data.get("dismissal_count", 0)),
        )
