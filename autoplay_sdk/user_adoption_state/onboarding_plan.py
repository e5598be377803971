"""The onboarding plan: workflows (with optional steps and prerequisites) a product wants users to complete.

Plans are parsed from a product's ``integration_config.onboarding_workflows`` list.  Parsing is
defensive: an invalid entry is skipped with a WARNING naming its index, never raised.  Steps are
display hints: they never gate a workflow's or the plan's completion.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from autoplay_sdk.user_adoption_state.activity_detector import ActivitySignals
from autoplay_sdk.user_adoption_state.models import WorkflowProgress
from autoplay_sdk.user_adoption_state.types import WorkflowStatus

__all__ = [
    "OnboardingPlan",
    "OnboardingWorkflow",
    "WorkflowStep",
    "is_plan_complete",
    "split_workflows",
    "step_completion_ratio",
]

logger = logging.getLogger(__name__)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class WorkflowStep:
    """One step of a workflow; ``required`` is a hint, never a gate."""

    step_id: str
    name: str = ""
    description: str = ""
    required: bool = True
    activity_signals: ActivitySignals | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"step_id": self.step_id, "name": self.name}
        if self.description:
            out["description"] = self.description
        if not self.required:
            out["required"] = False
        if self.activity_signals is not None:
            out["activity_signals"] = self.activity_signals.to_dict()
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WorkflowStep:
        """Parse a step; raises ``KeyError`` without ``step_id``."""
        return cls(
            step_id=str(d["step_id"]),
            name=_text(d.get("name") or ""),
            description=_text(d.get("description") or ""),
            required=bool(d.get("required", True)),
            activity_signals=ActivitySignals.from_dict(d.get("activity_signals")),
        )


@dataclass(frozen=True)
class OnboardingWorkflow:
    """One onboarding workflow: what it is, why it matters, who it is for, and how it is detected."""

    workflow_id: str
    name: str = ""
    description: str = ""
    why: str = ""
    role: str | None = None
    steps: tuple[WorkflowStep, ...] = ()
    prerequisite_workflow_ids: tuple[str, ...] = ()
    activity_signals: ActivitySignals | None = None

    @property
    def required_step_ids(self) -> list[str]:
        return [step.step_id for step in self.steps if step.required]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"workflow_id": self.workflow_id, "name": self.name}
        if self.description:
            out["description"] = self.description
        if self.why:
            out["why"] = self.why
        if self.role is not None:
            out["role"] = self.role
        if self.steps:
            out["steps"] = [step.to_dict() for step in self.steps]
        if self.prerequisite_workflow_ids:
            out["prerequisite_workflow_ids"] = list(self.prerequisite_workflow_ids)
        if self.activity_signals is not None:
            out["activity_signals"] = self.activity_signals.to_dict()
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> OnboardingWorkflow:
        """Parse a workflow; raises ``KeyError`` without ``workflow_id``; bad steps are skipped with a WARNING."""
        role = d.get("role")
        role_text = str(role).strip() if role is not None else ""
        raw_prereqs = d.get("prerequisite_workflow_ids")
        prereqs = (
            tuple(s for s in (str(p).strip() for p in raw_prereqs if p is not None) if s)
            if isinstance(raw_prereqs, (list, tuple))
            else ()
        )
        steps: list[WorkflowStep] = []
        raw_steps = d.get("steps")
        for index, raw in enumerate(raw_steps if isinstance(raw_steps, (list, tuple)) else ()):
            if not isinstance(raw, dict) or not raw.get("step_id"):
                logger.warning("onboarding_plan: steps[%d] invalid — skipping", index)
                continue
            try:
                steps.append(WorkflowStep.from_dict(raw))
            except Exception as exc:
                logger.warning("onboarding_plan: steps[%d] parse error — skipping: %s", index, exc)
        return cls(
            workflow_id=str(d["workflow_id"]),
            name=_text(d.get("name") or ""),
            description=_text(d.get("description") or ""),
            why=_text(d.get("why") or ""),
            role=role_text or None,
            steps=tuple(steps),
            prerequisite_workflow_ids=prereqs,
            activity_signals=ActivitySignals.from_dict(d.get("activity_signals")),
        )


def _role_key(role: str | None) -> str | None:
    return None if role is None else role.strip().lower()


@dataclass
class OnboardingPlan:
    """The ordered workflows of a product's onboarding."""

    workflows: list[OnboardingWorkflow] = field(default_factory=list)

    @property
    def workflow_ids(self) -> list[str]:
        return [wf.workflow_id for wf in self.workflows]

    def for_role(self, role: str | None) -> OnboardingPlan:
        """The role-less workflows plus those for ``role`` (case-insensitive); ``None`` keeps only role-less ones."""
        key = _role_key(role)
        return OnboardingPlan(
            [wf for wf in self.workflows if wf.role is None or (key is not None and _role_key(wf.role) == key)]
        )

    def next_eligible_workflows(self, completed_ids: Any) -> list[OnboardingWorkflow]:
        """Workflows not completed whose prerequisites are all completed, in plan order.

        A prerequisite that names no workflow of the plan can never complete; each such
        reference is logged at WARNING so the misconfiguration is visible.
        """
        done = {str(wid).strip() for wid in completed_ids}
        known = set(self.workflow_ids)
        eligible = []
        for wf in self.workflows:
            if wf.workflow_id in done:
                continue
            unmet = [p for p in wf.prerequisite_workflow_ids if p.strip() not in done]
            for prereq in unmet:
                if prereq not in known:
                    logger.warning(
                        "onboarding_plan: workflow %r references unknown prerequisite %r — chain may deadlock "
                        "until config is fixed",
                        wf.workflow_id,
                        prereq,
                    )
            if not unmet:
                eligible.append(wf)
        return eligible

    @classmethod
    def from_config(cls, raw: Any) -> OnboardingPlan:
        """Parse ``onboarding_workflows``; invalid entries are skipped (WARNING); a non-list gives an empty plan."""
        if not isinstance(raw, list):
            return cls([])
        workflows = []
        for index, entry in enumerate(raw):
            if not isinstance(entry, dict) or not entry.get("workflow_id"):
                logger.warning("onboarding_plan: workflows[%d] invalid — skipping", index)
                continue
            try:
                workflows.append(OnboardingWorkflow.from_dict(entry))
            except Exception as exc:
                logger.warning("onboarding_plan: workflows[%d] parse error — skipping: %s", index, exc)
        return cls(workflows)


def _status(progress: Mapping[str, WorkflowProgress], workflow_id: str) -> WorkflowStatus:
    entry = progress.get(workflow_id)
    return entry.status if entry is not None else WorkflowStatus.NOT_STARTED


def split_workflows(
    plan: OnboardingPlan, workflow_progress: Mapping[str, WorkflowProgress]
) -> tuple[list[str], list[str], list[str]]:
    """``(completed, in_progress, outstanding)`` ids in plan order; in-progress ids are also outstanding."""
    completed, in_progress, outstanding = [], [], []
    for wid in plan.workflow_ids:
        status = _status(workflow_progress, wid)
        if status is WorkflowStatus.COMPLETED:
            completed.append(wid)
            continue
        if status is WorkflowStatus.IN_PROGRESS:
            in_progress.append(wid)
        outstanding.append(wid)
    return completed, in_progress, outstanding


def is_plan_complete(plan: OnboardingPlan, workflow_progress: Mapping[str, WorkflowProgress]) -> bool:
    """True when the plan has workflows and none is outstanding (steps never gate it)."""
    return bool(plan.workflows) and not split_workflows(plan, workflow_progress)[2]


def step_completion_ratio(workflow: OnboardingWorkflow, wp: WorkflowProgress | None) -> float:
    """Share of the workflow's declared steps that are completed in ``wp`` (for display only)."""
    if not workflow.steps or wp is None:
        return 0.0
    declared = {step.step_id for step in workflow.steps}
    done = {sid for sid in declared if sid in wp.steps and wp.steps[sid].status is WorkflowStatus.COMPLETED}
    return len(done) / len(workflow.steps)
