"""The adoption stage of ``autoplay-sdk demo``: where each user stands in onboarding, from the live stream.

:class:`AdoptionStage` is the documented wiring of ``docs/user-adoption.md``: an
:class:`~autoplay_sdk.storage.live.AdoptionTracker` over :data:`DEMO_PLAN` and a
:class:`~autoplay_sdk.storage.StorageManager` with an in-memory adapter, fed every ``actions``
payload as it arrives.  :data:`DEMO_PLAN` is the sample app's onboarding plan, the same three
workflows as ``examples/user_adoption.py``: create a task; invite a teammate (after creating a
task); discuss a task (two comments).

Each batch's completions are kept as :class:`WorkflowCompletion` s (which batch of the session
completed which workflow, the tracker's evidence, the batch's matching actions).  Once the stream
is complete, :meth:`AdoptionStage.annotate` reads each user's saved state back through the tracker
and keeps an :class:`AdoptionStanding` (journey, completed and in-progress workflows, the next
eligible ones, pages discovered) in :attr:`AdoptionStage.standings`; the session gets a section.
Sessions are keyed as the tracker keys users: ``user_id``, else ``email``, else the session id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from autoplay_sdk._cli._demo import DemoSection, DemoSession
from autoplay_sdk.core.models import ActionsPayload, AnyPayload, SlimAction
from autoplay_sdk.storage import InMemoryStorageAdapter, StorageManager
from autoplay_sdk.storage.live import AdoptionTracker
from autoplay_sdk.user_adoption_state import OnboardingPlan, UserAdoptionState, WorkflowStatus

__all__ = [
    "DEMO_PLAN",
    "AdoptionStage",
    "AdoptionStanding",
    "WorkflowCompletion",
    "describe_standing",
]

DEMO_PLAN = OnboardingPlan.from_config(
    [
        {
            "workflow_id": "create-task",
            "name": "Create a task",
            "why": "tasks are where work happens",
            "activity_signals": {"any_of": [{"event_type": "submit", "title_contains": "create task"}]},
        },
        {
            "workflow_id": "invite-teammate",
            "name": "Invite a teammate",
            "why": "projects move faster together",
            "prerequisite_workflow_ids": ["create-task"],
            "activity_signals": {"any_of": [{"event_type": "submit", "canonical_url_glob": "*/settings/team"}]},
        },
        {
            "workflow_id": "discuss-task",
            "name": "Discuss a task",
            "why": "decisions stay next to the work",
            "activity_signals": {"any_of": [{"event_type": "submit", "title_contains": "comment", "min_count": 2}]},
        },
    ]
)
"""The sample app's onboarding plan (the one ``examples/user_adoption.py`` declares)."""


@dataclass(frozen=True)
class WorkflowCompletion:
    """A workflow the tracker reported completed by one batch."""

    workflow_id: str
    name: str
    batch: int
    """The session's ``actions`` batch (1-based) whose ``tracker.on_actions`` returned it."""
    evidence: str
    """The tracker's evidence, e.g. ``activity_signal[event=submit,title~create task] matched x1``."""
    matching: tuple[SlimAction, ...] = ()
    """The actions of that batch that match the rule that completed it."""


@dataclass(frozen=True)
class AdoptionStanding:
    """Where one user stands once the stream is complete (read back from the storage)."""

    session_id: str
    user_id: str
    journey: str
    completed: tuple[str, ...]
    """Workflow ids completed, in plan order of the state."""
    in_progress: Mapping[str, float] = field(default_factory=dict)
    """Workflow id → confidence, for workflows with some matching actions."""
    next_eligible: tuple[str, ...] = ()
    """Workflows not completed whose prerequisites are, in plan order."""
    workflows: int = 0
    """Workflows in the user's plan."""
    pages: int = 0
    """Pages discovered (distinct canonical URL paths)."""
    completions: tuple[WorkflowCompletion, ...] = ()
    """What this session's batches completed, in stream order."""

    @property
    def onboarded(self) -> bool:
        return self.journey == "onboarded"


def _standing(
    plan: OnboardingPlan, session_id: str, state: UserAdoptionState, completions: tuple[WorkflowCompletion, ...]
) -> AdoptionStanding:
    onboarding = state.onboarding
    done = onboarding.completed_workflow_ids
    return AdoptionStanding(
        session_id=session_id,
        user_id=state.user_id,
        journey=state.journey_state.value,
        completed=tuple(done),
        in_progress={
            wid: progress.confidence
            for wid, progress in onboarding.workflow_progress.items()
            if progress.status is WorkflowStatus.IN_PROGRESS
        },
        next_eligible=tuple(wf.workflow_id for wf in plan.for_role(state.role).next_eligible_workflows(done)),
        workflows=len(plan.for_role(state.role).workflows),
        pages=len(state.discovered_features),
        completions=completions,
    )


def describe_standing(standing: AdoptionStanding) -> str:
    """The text of a session's section: completions with their evidence, then where the user stands."""
    lines = []
    for c in standing.completions:
        lines.append(f"Completed {c.name} ({c.workflow_id}) with batch {c.batch}: {c.evidence}")
        lines += [f"  {a.to_text()}" for a in c.matching]
    if not standing.completions:
        lines.append("No workflow completed in this session.")
    progress = ", ".join(f"{wid} {share:.0%}" for wid, share in standing.in_progress.items()) or "none"
    lines += [
        f"Journey: {standing.journey} · completed {len(standing.completed)} of {standing.workflows}: "
        f"{', '.join(standing.completed) or 'none'} · in progress: {progress}",
        f"Next eligible: {', '.join(standing.next_eligible) or 'none'} · pages discovered: {standing.pages}",
    ]
    return "\n".join(lines)


class AdoptionStage:
    """Feeds every ``actions`` payload to an ``AdoptionTracker``; shows where each user stands."""

    title = "Adoption state"

    def __init__(self, plan: OnboardingPlan = DEMO_PLAN) -> None:
        self.plan = plan
        self.tracker = AdoptionTracker(StorageManager([InMemoryStorageAdapter()]), plan=plan)
        self.names: dict[str, str] = {wf.workflow_id: wf.name or wf.workflow_id for wf in plan.workflows}
        """Workflow id → its display name (the id when the plan gives none)."""
        self.completions: dict[str, list[WorkflowCompletion]] = {}
        """Per session id, the workflows its batches completed, in stream order."""
        self.standings: dict[str, AdoptionStanding] = {}
        """Per session id, filled by :meth:`annotate`."""
        self._batches: dict[str, int] = {}
        self._products: dict[str, str] = {}
        self._users: dict[str, str] = {}

    async def observe(self, payload: AnyPayload) -> None:
        if not isinstance(payload, ActionsPayload) or not payload.session_id:
            return
        sid = payload.session_id
        self._batches[sid] = batch = self._batches.get(sid, 0) + 1
        self._products.setdefault(sid, payload.product_id)
        self._users.setdefault(sid, payload.user_id or payload.email or sid)
        completed = await self.tracker.on_actions(payload)
        for wid, match in completed.items():
            matching = tuple(a for a in payload.actions if match.matched_rule.matches_action(a))
            self.completions.setdefault(sid, []).append(
                WorkflowCompletion(wid, self.names.get(wid, wid), batch, match.evidence_string, matching)
            )

    async def annotate(self, session: DemoSession) -> DemoSection | None:
        sid = session.session_id
        if sid not in self._users:
            return None
        state = await self.tracker.get_state(self._products[sid], self._users[sid])
        if state is None:
            return None
        standing = _standing(self.plan, sid, state, tuple(self.completions.get(sid, ())))
        self.standings[sid] = standing
        return DemoSection(self.title, describe_standing(standing))
