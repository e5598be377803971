"""Where one user stands in adopting a product: mastery, workflow progress, onboarding, sessions.

All models are mutable dataclasses that serialise themselves with ``to_dict`` and parse with a
lenient ``from_dict``: a bad number becomes its default, an unknown enum value its default member,
a non-list list ``[]``.  The one strict check is the snapshot version of
:class:`UserAdoptionState` (an unknown ``_v`` raises ``ValueError``), so a store written by a
future format is re-initialised rather than misread.  Timestamps are wall-clock seconds
(``time.time()``), read at call time.  Nothing here does I/O.

Decisions where the published behaviour is silent: every timestamp read by ``from_dict`` is
coerced to a finite float (a required one defaults to now, an optional one to ``None``); a
session's completion rate counts only completed workflows that are in the catalog, so it stays
within 0..1.
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from autoplay_sdk.user_adoption_state import _coerce as c
from autoplay_sdk.user_adoption_state.types import JourneyState, MasteryLevel, WorkflowStatus

__all__ = [
    "COMPLETION_RATE_DENOMINATOR_ALL_CATALOG",
    "COMPLETION_RATE_DENOMINATOR_ASSIGNED",
    "WORKFLOW_PROGRESS_SOURCE_ACTIVITY",
    "WORKFLOW_PROGRESS_SOURCE_FOLLOWUP",
    "WORKFLOW_PROGRESS_SOURCE_JUDGE",
    "WORKFLOW_PROGRESS_SOURCE_MANUAL",
    "WORKFLOW_PROGRESS_SOURCE_TOUR",
    "WORKFLOW_PROGRESS_SOURCE_UNKNOWN",
    "Mastery",
    "OnboardingState",
    "SessionIndexEntry",
    "SessionSnapshot",
    "StepInAssessment",
    "StepProgress",
    "UserAdoptionState",
    "WorkflowProgress",
]

logger = logging.getLogger(__name__)

WORKFLOW_PROGRESS_SOURCE_TOUR = "tour"
WORKFLOW_PROGRESS_SOURCE_ACTIVITY = "activity"
WORKFLOW_PROGRESS_SOURCE_JUDGE = "judge"
WORKFLOW_PROGRESS_SOURCE_FOLLOWUP = "followup"
WORKFLOW_PROGRESS_SOURCE_MANUAL = "manual"
WORKFLOW_PROGRESS_SOURCE_UNKNOWN = "unknown"

COMPLETION_RATE_DENOMINATOR_ALL_CATALOG = "all_catalog_workflows"
COMPLETION_RATE_DENOMINATOR_ASSIGNED = "assigned_workflows"
_DENOMINATORS = frozenset({COMPLETION_RATE_DENOMINATOR_ALL_CATALOG, COMPLETION_RATE_DENOMINATOR_ASSIGNED})

_INDEX_CAP = 50


def _now() -> float:
    return time.time()  # looked up at each call, so a patched clock is honoured


_VERSION = 1


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# --------------------------------------------------------------------------- mastery


@dataclass
class Mastery:
    """A 0..10 rating with its level and a short description (the constructor does not clamp)."""

    rating: int = 0
    level: MasteryLevel = MasteryLevel.NOVICE
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"rating": self.rating, "level": self.level.value, "description": self.description}

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Mastery:
        """Parse leniently: the rating is clamped to 0..10, an unknown level becomes NOVICE."""
        d = _dict(d)
        description = d.get("description")
        return cls(
            rating=c.rating(d.get("rating", 0)),
            level=c.enum_value(MasteryLevel, d.get("level"), MasteryLevel.NOVICE),
            description="" if description is None else str(description),
        )


# --------------------------------------------------------------------------- progress


def _apply_progress(
    entry: StepProgress | WorkflowProgress,
    *,
    status: WorkflowStatus,
    confidence: float,
    evidence: str,
    now: float,
) -> None:
    entry.status = WorkflowStatus(status)
    entry.confidence = c.confidence(confidence)
    if evidence:
        entry.evidence = evidence
    entry.last_evaluated_at = now
    if entry.status is WorkflowStatus.COMPLETED and entry.completed_at is None:
        entry.completed_at = now


@dataclass
class StepProgress:
    """Progress on one step of a workflow; ``completed_at`` is set once and never cleared."""

    step_id: str
    status: WorkflowStatus = WorkflowStatus.NOT_STARTED
    confidence: float = 0.0
    evidence: str = ""
    completed_at: float | None = None
    last_evaluated_at: float = field(default_factory=_now)

    def to_dict(self) -> dict[str, Any]:
        return {
            "step_id": self.step_id,
            "status": self.status.value,
            "confidence": self.confidence,
            "evidence": self.evidence,
            "completed_at": self.completed_at,
            "last_evaluated_at": self.last_evaluated_at,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> StepProgress:
        d = _dict(d)
        return cls(
            step_id=str(d.get("step_id") or ""),
            status=c.enum_value(WorkflowStatus, d.get("status"), WorkflowStatus.NOT_STARTED),
            confidence=c.confidence(d.get("confidence", 0.0)),
            evidence=str(d.get("evidence") or ""),
            completed_at=c.optional_timestamp(d.get("completed_at")),
            last_evaluated_at=c.timestamp(d.get("last_evaluated_at")),
        )


@dataclass
class WorkflowProgress:
    """Progress on one onboarding workflow, with its steps keyed by step id."""

    workflow_id: str
    status: WorkflowStatus = WorkflowStatus.NOT_STARTED
    confidence: float = 0.0
    evidence: str = ""
    source: str = WORKFLOW_PROGRESS_SOURCE_UNKNOWN
    first_detected_at: float | None = None
    completed_at: float | None = None
    last_evaluated_at: float = field(default_factory=_now)
    steps: dict[str, StepProgress] = field(default_factory=dict)

    @property
    def completed_step_ids(self) -> list[str]:
        """The ids of completed steps, in insertion order."""
        return [sid for sid, step in self.steps.items() if step.status is WorkflowStatus.COMPLETED]

    def upsert_step_progress(
        self,
        step_id: str,
        *,
        status: WorkflowStatus,
        confidence: float,
        evidence: str = "",
        now: float | None = None,
    ) -> StepProgress:
        """Create or update one step; ``completed_at`` is stamped the first time it completes."""
        now = time.time() if now is None else now
        step = self.steps.get(step_id)
        if step is None:
            step = StepProgress(step_id=step_id, last_evaluated_at=now)
            self.steps[step_id] = step
        _apply_progress(step, status=status, confidence=confidence, evidence=evidence, now=now)
        return step

    def to_dict(self) -> dict[str, Any]:
        return {
            "workflow_id": self.workflow_id,
            "status": self.status.value,
            "confidence": self.confidence,
            "evidence": self.evidence,
            "source": self.source,
            "first_detected_at": self.first_detected_at,
            "completed_at": self.completed_at,
            "last_evaluated_at": self.last_evaluated_at,
            "steps": {sid: step.to_dict() for sid, step in self.steps.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> WorkflowProgress:
        d = _dict(d)
        source = d.get("source")
        steps: dict[str, StepProgress] = {}
        for key, raw in _dict(d.get("steps")).items():
            if isinstance(raw, dict):
                steps[str(key)] = StepProgress.from_dict(raw)
        return cls(
            workflow_id=str(d.get("workflow_id") or ""),
            status=c.enum_value(WorkflowStatus, d.get("status"), WorkflowStatus.NOT_STARTED),
            confidence=c.confidence(d.get("confidence", 0.0)),
            evidence=str(d.get("evidence") or ""),
            source=source.strip() if isinstance(source, str) and source.strip() else WORKFLOW_PROGRESS_SOURCE_UNKNOWN,
            first_detected_at=c.optional_timestamp(d.get("first_detected_at")),
            completed_at=c.optional_timestamp(d.get("completed_at")),
            last_evaluated_at=c.timestamp(d.get("last_evaluated_at")),
            steps=steps,
        )


def _progress_map(value: Any) -> dict[str, WorkflowProgress]:
    return {str(k): WorkflowProgress.from_dict(v) for k, v in _dict(value).items() if isinstance(v, dict)}


# --------------------------------------------------------------------------- onboarding


@dataclass
class StepInAssessment:
    """The last decision on whether to step in with proactive help, and why."""

    decided_at: float = field(default_factory=_now)
    should_step_in: bool = False
    timing_assessment: str = ""
    reason: str = ""
    suggested_workflow_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "decided_at": self.decided_at,
            "should_step_in": self.should_step_in,
            "timing_assessment": self.timing_assessment,
            "reason": self.reason,
            "suggested_workflow_ids": list(self.suggested_workflow_ids),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> StepInAssessment | None:
        """``None`` for ``None`` or an empty dict; otherwise a leniently parsed assessment."""
        if not d or not isinstance(d, dict):
            return None
        return cls(
            decided_at=c.timestamp(d.get("decided_at")),
            should_step_in=bool(d.get("should_step_in", False)),
            timing_assessment=str(d.get("timing_assessment") or ""),
            reason=str(d.get("reason") or ""),
            suggested_workflow_ids=c.str_list(d.get("suggested_workflow_ids")),
        )


@dataclass
class OnboardingState:
    """The onboarding side of a user's state: welcome, exploration gate, workflow progress."""

    welcomed: bool = False
    exploration_started_at: float = field(default_factory=_now)
    distinct_features_seen: int = 0
    explore_gate_passed: bool = False
    workflow_progress: dict[str, WorkflowProgress] = field(default_factory=dict)
    last_step_in: StepInAssessment | None = None
    last_reasoned_at: float | None = None
    last_welcome_at: float | None = None
    proactive_support_count: int = 0
    onboarding_completed_at: float | None = None
    summary: str | None = None
    completion_rate: float = 0.0

    @property
    def completed_workflow_ids(self) -> list[str]:
        """Completed workflow ids, in insertion order."""
        return [w for w, p in self.workflow_progress.items() if p.status is WorkflowStatus.COMPLETED]

    @property
    def in_progress_workflow_ids(self) -> list[str]:
        """In-progress workflow ids, in insertion order."""
        return [w for w, p in self.workflow_progress.items() if p.status is WorkflowStatus.IN_PROGRESS]

    @property
    def is_onboarding_complete(self) -> bool:
        return self.onboarding_completed_at is not None

    def outstanding_workflow_ids(self, plan_workflow_ids: list[str]) -> list[str]:
        """The plan ids that are not completed, in plan order."""
        done = set(self.completed_workflow_ids)
        return [wid for wid in plan_workflow_ids if wid not in done]

    def upsert_workflow_progress(
        self,
        workflow_id: str,
        *,
        status: WorkflowStatus,
        confidence: float,
        evidence: str = "",
        source: str | None = None,
        now: float | None = None,
    ) -> WorkflowProgress:
        """Create or update one workflow's progress.

        A new entry is first detected ``now``; ``evidence`` and ``source`` change only when
        truthy (so ``source=None`` keeps the existing source); ``completed_at`` is stamped the
        first time the status is COMPLETED and never cleared.
        """
        now = time.time() if now is None else now
        entry = self.workflow_progress.get(workflow_id)
        if entry is None:
            entry = WorkflowProgress(
                workflow_id=workflow_id,
                source=source or WORKFLOW_PROGRESS_SOURCE_UNKNOWN,
                first_detected_at=now,
                last_evaluated_at=now,
            )
            self.workflow_progress[workflow_id] = entry
        if source:
            entry.source = source
        _apply_progress(entry, status=status, confidence=confidence, evidence=evidence, now=now)
        return entry

    def record_step_in(self, assessment: StepInAssessment) -> None:
        self.last_step_in = assessment
        self.last_reasoned_at = assessment.decided_at

    def mark_onboarding_complete(self, *, now: float | None = None) -> bool:
        """Stamp completion once: ``True`` when newly set, ``False`` if it already was."""
        if self.onboarding_completed_at is not None:
            return False
        self.onboarding_completed_at = time.time() if now is None else now
        return True

    def to_dict(self) -> dict[str, Any]:
        return {
            "welcomed": self.welcomed,
            "exploration_started_at": self.exploration_started_at,
            "distinct_features_seen": self.distinct_features_seen,
            "explore_gate_passed": self.explore_gate_passed,
            "workflow_progress": {wid: p.to_dict() for wid, p in self.workflow_progress.items()},
            "last_step_in": self.last_step_in.to_dict() if self.last_step_in is not None else None,
            "last_reasoned_at": self.last_reasoned_at,
            "last_welcome_at": self.last_welcome_at,
            "proactive_support_count": self.proactive_support_count,
            "onboarding_completed_at": self.onboarding_completed_at,
            "summary": self.summary,
            "completion_rate": self.completion_rate,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> OnboardingState:
        d = _dict(d)
        summary = d.get("summary")
        return cls(
            welcomed=bool(d.get("welcomed", False)),
            exploration_started_at=c.timestamp(d.get("exploration_started_at")),
            distinct_features_seen=c.non_negative_int(d.get("distinct_features_seen", 0)),
            explore_gate_passed=bool(d.get("explore_gate_passed", False)),
            workflow_progress=_progress_map(d.get("workflow_progress")),
            last_step_in=StepInAssessment.from_dict(d.get("last_step_in")),
            last_reasoned_at=c.optional_timestamp(d.get("last_reasoned_at")),
            last_welcome_at=c.optional_timestamp(d.get("last_welcome_at")),
            proactive_support_count=c.non_negative_int(d.get("proactive_support_count", 0)),
            onboarding_completed_at=c.optional_timestamp(d.get("onboarding_completed_at")),
            summary=None if summary is None else str(summary),
            completion_rate=c.clamp(c.finite_float(d.get("completion_rate"), 0.0), 0.0, 1.0),
        )


# --------------------------------------------------------------------------- sessions


@dataclass
class SessionIndexEntry:
    """One finished session in a user's index."""

    session_id: str
    session_number: int
    started_at: float
    captured_at: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "session_number": self.session_number,
            "started_at": self.started_at,
            "captured_at": self.captured_at,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> SessionIndexEntry:
        d = _dict(d)
        return cls(
            session_id=str(d.get("session_id") or ""),
            session_number=c.non_negative_int(d.get("session_number", 0)),
            started_at=c.timestamp(d.get("started_at")),
            captured_at=c.timestamp(d.get("captured_at")),
        )


_GUIDANCE = {
    JourneyState.ONBOARDING: "teach step by step, explain where things are, and offer the next workflow",
    JourneyState.ONBOARDED: "answer concisely and skip the basics; the user knows their way around",
}


@dataclass
class UserAdoptionState:
    """One user's adoption state across sessions.  ``user_id`` must be non-empty."""

    user_id: str
    metadata: dict[str, Any] = field(default_factory=dict)
    journey_state: JourneyState = JourneyState.ONBOARDING
    mastery: Mastery = field(default_factory=Mastery)
    discovered_features: list[str] = field(default_factory=list)
    onboarding: OnboardingState = field(default_factory=OnboardingState)
    first_seen_at: float = field(default_factory=_now)
    last_updated_at: float = field(default_factory=_now)
    last_judged_at: float | None = None
    sessions_count: int = 0
    current_session_id: str | None = None
    sessions_index: list[SessionIndexEntry] = field(default_factory=list)
    _v: int = _VERSION

    def __post_init__(self) -> None:
        if not self.user_id:
            raise ValueError("UserAdoptionState requires a non-empty user_id. Use: UserAdoptionState(user_id=your_id)")

    @property
    def role(self) -> str | None:
        """``metadata["role"]`` as a string, or ``None`` when absent."""
        value = self.metadata.get("role")
        return None if value is None else str(value)

    def _touch(self) -> None:
        self.last_updated_at = time.time()

    def set_journey_state(self, new_state: JourneyState, *, reason: str = "") -> None:
        """Move the journey (a no-op when unchanged); logged at INFO with the ids only."""
        new_state = JourneyState(new_state)
        if new_state is self.journey_state:
            return
        logger.info(
            "user_adoption_state: user=%s journey %s -> %s (%s)",
            self.user_id,
            self.journey_state.value,
            new_state.value,
            reason,
            extra={"event_type": "adoption_journey_transition"},
        )
        self.journey_state = new_state
        self._touch()

    def set_mastery(self, *, rating: int, level: MasteryLevel, description: str = "") -> None:
        """Set mastery; the rating is clamped to 0..10 and the level is taken as given."""
        clamped = c.rating(rating)
        level = MasteryLevel(level)
        logger.info(
            "user_adoption_state: user=%s mastery rating=%d level=%s",
            self.user_id,
            clamped,
            level.value,
            extra={"event_type": "adoption_mastery_set"},
        )
        self.mastery = Mastery(rating=clamped, level=level, description=description)
        self._touch()

    def record_discovered_features(self, features: list[str]) -> None:
        """Append the stripped, non-empty features not seen yet, in order."""
        added = False
        for feature in features:
            name = str(feature).strip()
            if name and name not in self.discovered_features:
                self.discovered_features.append(name)
                added = True
        if added:
            self._touch()

    def mark_welcomed(self, *, now: float | None = None) -> None:
        self.onboarding.welcomed = True
        self.onboarding.last_welcome_at = time.time() if now is None else now
        self.onboarding.proactive_support_count += 1
        self._touch()

    def mark_judged(self, *, now: float | None = None) -> None:
        self.last_judged_at = time.time() if now is None else now
        self._touch()

    def set_current_session(self, session_id: str | None) -> None:
        self.current_session_id = (session_id or "").strip() or None
        self._touch()

    def record_session(self, entry: SessionIndexEntry) -> None:
        """Count a finished session and index it (the index keeps the last 50; the count is never trimmed)."""
        self.sessions_count += 1
        self.sessions_index.append(entry)
        del self.sessions_index[:-_INDEX_CAP]
        self._touch()

    def to_prompt_block(self) -> str:
        """Five lines describing the user for an LLM prompt; never raises."""
        try:
            journey = JourneyState(self.journey_state)
            lines = [
                "[USER ADOPTION STATE]",
                f"role: {self.role or 'unknown'}",
                f"journey: {journey.value}",
                f"mastery: {MasteryLevel(self.mastery.level).value} ({self.mastery.rating}/10)",
                f"guidance: {_GUIDANCE[journey]}",
            ]
        except Exception:
            lines = ["[USER ADOPTION STATE]", "role: unknown", "journey: onboarding", "mastery: novice (0/10)"]
            lines.append(f"guidance: {_GUIDANCE[JourneyState.ONBOARDING]}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "_v": self._v,
            "user_id": self.user_id,
            "metadata": copy.deepcopy(self.metadata),
            "journey_state": self.journey_state.value,
            "mastery": self.mastery.to_dict(),
            "discovered_features": list(self.discovered_features),
            "onboarding": self.onboarding.to_dict(),
            "first_seen_at": self.first_seen_at,
            "last_updated_at": self.last_updated_at,
            "last_judged_at": self.last_judged_at,
            "sessions": {
                "count": self.sessions_count,
                "current_session_id": self.current_session_id,
                "index": [entry.to_dict() for entry in self.sessions_index],
            },
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> UserAdoptionState:
        """Restore a snapshot; raises ``ValueError`` when its ``_v`` is not a known version."""
        version = d.get("_v")
        if version != _VERSION:
            logger.warning(
                "user_adoption_state: unknown snapshot version %r — cannot restore",
                version,
                extra={"event_type": "adoption_snapshot_invalid"},
            )
            raise ValueError(f"Unknown UserAdoptionState snapshot version: {version!r}")
        user_id = str(d.get("user_id") or "")
        if not user_id:
            logger.warning("user_adoption_state: from_dict loaded snapshot with empty user_id")
        sessions = _dict(d.get("sessions"))
        raw_index = sessions.get("index")
        index = (
            [SessionIndexEntry.from_dict(e) for e in raw_index if isinstance(e, dict)]
            if isinstance(raw_index, (list, tuple))
            else []
        )
        current = sessions.get("current_session_id")
        metadata = d.get("metadata")
        state = cls.__new__(cls)
        state.user_id = user_id
        state.metadata = copy.deepcopy(metadata) if isinstance(metadata, dict) else {}
        state.journey_state = c.enum_value(JourneyState, d.get("journey_state"), JourneyState.ONBOARDING)
        state.mastery = Mastery.from_dict(d.get("mastery"))
        state.discovered_features = c.str_list(d.get("discovered_features"))
        state.onboarding = OnboardingState.from_dict(d.get("onboarding"))
        state.first_seen_at = c.timestamp(d.get("first_seen_at"))
        state.last_updated_at = c.timestamp(d.get("last_updated_at"))
        state.last_judged_at = c.optional_timestamp(d.get("last_judged_at"))
        state.sessions_count = c.non_negative_int(sessions.get("count", 0))
        state.current_session_id = None if current is None else (str(current).strip() or None)
        state.sessions_index = index[-_INDEX_CAP:]
        state._v = _VERSION
        return state


@dataclass
class SessionSnapshot:
    """What one session left behind: written once when the session ends.

    ``_frozen`` is a flag recorded in the snapshot, not immutability: the dataclass is mutable.
    """

    session_id: str
    session_number: int
    user_id: str
    started_at: float
    captured_at: float = field(default_factory=_now)
    duration_s: float = 0.0
    journey_state: JourneyState = JourneyState.ONBOARDING
    mastery: Mastery = field(default_factory=Mastery)
    proactive_support_count: int = 0
    distinct_features_seen: int = 0
    discovered_features: list[str] = field(default_factory=list)
    reached_onboarding_complete: bool = False
    completion_rate: float = 0.0
    completion_rate_denominator: str = COMPLETION_RATE_DENOMINATOR_ALL_CATALOG
    total_catalog_workflows: int = 0
    completed_workflow_ids: list[str] = field(default_factory=list)
    in_progress_workflow_ids: list[str] = field(default_factory=list)
    untouched_workflow_ids: list[str] = field(default_factory=list)
    workflow_progress: dict[str, WorkflowProgress] = field(default_factory=dict)
    _frozen: bool = True
    _v: int = _VERSION

    @classmethod
    def from_adoption_state(
        cls,
        state: UserAdoptionState,
        *,
        session_id: str,
        session_number: int,
        started_at: float,
        catalog_workflow_ids: list[str],
        completion_rate_denominator: str = COMPLETION_RATE_DENOMINATOR_ALL_CATALOG,
        now: float | None = None,
    ) -> SessionSnapshot:
        """Capture ``state`` at the end of a session against the workflow catalog.

        The completion rate is the share of catalog workflows completed (0.0 for an empty
        catalog), rounded to four places; ``untouched_workflow_ids`` are the catalog ids with no
        progress entry.
        """
        now = time.time() if now is None else now
        started = c.finite_float(started_at, now)
        catalog = [str(wid) for wid in catalog_workflow_ids]
        onboarding = state.onboarding
        completed = onboarding.completed_workflow_ids
        total = len(catalog)
        in_catalog = set(catalog)
        rate = round(len(set(completed) & in_catalog) / total, 4) if total else 0.0
        if completion_rate_denominator not in _DENOMINATORS:
            completion_rate_denominator = COMPLETION_RATE_DENOMINATOR_ALL_CATALOG
        return cls(
            session_id=session_id,
            session_number=session_number,
            user_id=state.user_id,
            started_at=started,
            captured_at=now,
            duration_s=round(max(0.0, now - started), 2),
            journey_state=state.journey_state,
            mastery=Mastery(state.mastery.rating, state.mastery.level, state.mastery.description),
            proactive_support_count=onboarding.proactive_support_count,
            distinct_features_seen=onboarding.distinct_features_seen,
            discovered_features=list(state.discovered_features),
            reached_onboarding_complete=onboarding.is_onboarding_complete,
            completion_rate=rate,
            completion_rate_denominator=completion_rate_denominator,
            total_catalog_workflows=total,
            completed_workflow_ids=list(completed),
            in_progress_workflow_ids=list(onboarding.in_progress_workflow_ids),
            untouched_workflow_ids=[wid for wid in catalog if wid not in onboarding.workflow_progress],
            workflow_progress=_progress_map({k: v.to_dict() for k, v in onboarding.workflow_progress.items()}),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "_v": self._v,
            "_frozen": self._frozen,
            "session_id": self.session_id,
            "session_number": self.session_number,
            "user_id": self.user_id,
            "started_at": self.started_at,
            "captured_at": self.captured_at,
            "duration_s": self.duration_s,
            "journey_state": self.journey_state.value,
            "mastery": self.mastery.to_dict(),
            "proactive_support_count": self.proactive_support_count,
            "distinct_features_seen": self.distinct_features_seen,
            "discovered_features": list(self.discovered_features),
            "reached_onboarding_complete": self.reached_onboarding_complete,
            "completion_rate": self.completion_rate,
            "completion_rate_denominator": self.completion_rate_denominator,
            "total_catalog_workflows": self.total_catalog_workflows,
            "completed_workflow_ids": list(self.completed_workflow_ids),
            "in_progress_workflow_ids": list(self.in_progress_workflow_ids),
            "untouched_workflow_ids": list(self.untouched_workflow_ids),
            "workflow_progress": {wid: p.to_dict() for wid, p in self.workflow_progress.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> SessionSnapshot:
        """Parse leniently (no version check); every field is coerced."""
        d = _dict(d)
        denominator = d.get("completion_rate_denominator")
        return cls(
            session_id=str(d.get("session_id") or ""),
            session_number=c.non_negative_int(d.get("session_number", 0)),
            user_id=str(d.get("user_id") or ""),
            started_at=c.timestamp(d.get("started_at")),
            captured_at=c.timestamp(d.get("captured_at")),
            duration_s=max(0.0, c.finite_float(d.get("duration_s"), 0.0)),
            journey_state=c.enum_value(JourneyState, d.get("journey_state"), JourneyState.ONBOARDING),
            mastery=Mastery.from_dict(d.get("mastery")),
            proactive_support_count=c.non_negative_int(d.get("proactive_support_count", 0)),
            distinct_features_seen=c.non_negative_int(d.get("distinct_features_seen", 0)),
            discovered_features=c.str_list(d.get("discovered_features")),
            reached_onboarding_complete=bool(d.get("reached_onboarding_complete", False)),
            completion_rate=c.clamp(c.finite_float(d.get("completion_rate"), 0.0), 0.0, 1.0),
            completion_rate_denominator=denominator
            if denominator in _DENOMINATORS
            else COMPLETION_RATE_DENOMINATOR_ALL_CATALOG,
            total_catalog_workflows=c.non_negative_int(d.get("total_catalog_workflows", 0)),
            completed_workflow_ids=c.str_list(d.get("completed_workflow_ids")),
            in_progress_workflow_ids=c.str_list(d.get("in_progress_workflow_ids")),
            untouched_workflow_ids=c.str_list(d.get("untouched_workflow_ids")),
            workflow_progress=_progress_map(d.get("workflow_progress")),
            _frozen=bool(d.get("_frozen", True)),
        )
