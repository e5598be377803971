"""``AdoptionTracker``: keep each user's adoption state current from the live action stream.

Wire it as the stream's actions callback; every batch updates the user's state through a
storage adapter (a :class:`~autoplay_sdk.storage.StorageManager`, a Redis adapter shared by
replicas, ...)::

    tracker = AdoptionTracker(StorageManager([RedisStorageAdapter(url)]), plan=OnboardingPlan.from_config(cfg))
    async with AsyncConnectorClient(url=stream_url, token=key) as client:
        client.on_actions(tracker.on_actions)
        await client.run()

What one batch does, for the user (``user_id``, else ``email``, else the session id):

1. The first batch of a session starts it (:func:`~autoplay_sdk.storage.on_session_start`);
   later batches load the user's state, so a change made by another replica is seen.
2. Each action is matched against the activity signals of the user's plan workflows (and their
   steps).  Matches are **counted per session**, so a rule with ``min_count=3`` completes the
   workflow on its third matching action whatever the batch boundaries: the completions are
   those :func:`~autoplay_sdk.user_adoption_state.detect_completed_workflows_from_activity`
   finds over the session's whole action list.  A workflow with some matches but none complete
   is IN_PROGRESS, with the best rule's share of its count as confidence.
3. The pages visited (canonical URL paths) are recorded as discovered features.
4. When every plan workflow is completed, onboarding is stamped complete and the journey moves
   to ONBOARDED.
5. The state is saved, and the workflows completed by this batch are returned.

:meth:`end_session` records a session snapshot through
:func:`~autoplay_sdk.storage.on_session_end`.  Batches are processed one at a time per tracker
(an ``asyncio.Lock``); the match counts of unfinished sessions live in this process (the
``max_sessions`` most recent ones), so route a session's batches to one replica — the state
itself, once saved, is shared through the storage.  Logging: DEBUG only, ids and counts.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from autoplay_sdk.core.models import ActionsPayload
from autoplay_sdk.storage.base import AutoplayStorageAdapter
from autoplay_sdk.storage.lifecycle import init_user_state, on_session_end, on_session_start
from autoplay_sdk.user_adoption_state.activity_detector import ActivityMatch, ActivitySignals
from autoplay_sdk.user_adoption_state.models import (
    WORKFLOW_PROGRESS_SOURCE_ACTIVITY,
    SessionSnapshot,
    UserAdoptionState,
)
from autoplay_sdk.user_adoption_state.onboarding_plan import OnboardingPlan, is_plan_complete
from autoplay_sdk.user_adoption_state.types import JourneyState, WorkflowStatus

__all__ = ["AdoptionTracker"]

logger = logging.getLogger(__name__)


@dataclass
class _Session:
    started_at: float
    counts: dict[tuple[str, str, int], int] = field(default_factory=dict)


def _user_key(payload: ActionsPayload) -> str:
    return payload.user_id or payload.email or payload.session_id or ""


def _page(url: Any) -> str:
    if not isinstance(url, str) or not url:
        return ""
    return urlsplit(url).path or "/"


class AdoptionTracker:
    """Feed ``on_actions`` with the stream; read a user's state with :meth:`get_state`.

    ``plan`` is the product's onboarding plan (filtered per user by their ``role`` metadata).
    ``catalog_workflow_ids`` (default: the plan's ids) is the denominator of completion rates.
    Raises ``ValueError`` for ``max_sessions < 1``.
    """

    def __init__(
        self,
        storage: AutoplayStorageAdapter,
        *,
        plan: OnboardingPlan,
        catalog_workflow_ids: Sequence[str] | None = None,
        max_sessions: int = 10_000,
    ) -> None:
        if max_sessions < 1:
            raise ValueError(f"max_sessions must be >= 1, got {max_sessions!r}")
        self.storage = storage
        self.plan = plan
        self._catalog = list(catalog_workflow_ids) if catalog_workflow_ids is not None else plan.workflow_ids
        self._max_sessions = max_sessions
        self._sessions: OrderedDict[tuple[str, str, str], _Session] = OrderedDict()
        self._lock = asyncio.Lock()

    async def get_state(self, product_id: str, user_id: str) -> UserAdoptionState | None:
        """The user's stored state, or ``None`` when there is none (or it cannot be read)."""
        raw = await self.storage.get_user_state(product_id, user_id)
        if not raw:
            return None
        try:
            return UserAdoptionState.from_dict(raw)
        except ValueError:
            return None

    async def on_actions(self, payload: ActionsPayload) -> dict[str, ActivityMatch]:
        """Fold one batch into its user's state and save it; returns the workflows it completed."""
        user_id = _user_key(payload)
        if not user_id or not payload.actions:
            return {}
        async with self._lock:
            return await self._apply(payload, user_id)

    async def end_session(self, product_id: str, user_id: str, session_id: str) -> UserAdoptionState:
        """Record the session's snapshot (write-once) and fold it into the user's state."""
        async with self._lock:
            session = self._sessions.pop((product_id, user_id, session_id), None)
            state = await self.get_state(product_id, user_id) or init_user_state(user_id)
            snapshot = SessionSnapshot.from_adoption_state(
                state,
                session_id=session_id,
                session_number=state.sessions_count + 1,
                started_at=session.started_at if session is not None else state.last_updated_at,
                catalog_workflow_ids=self._catalog,
            )
            return await on_session_end(product_id, user_id, snapshot, self.storage)

    async def _open(self, product_id: str, user_id: str, session_id: str, started_at: float) -> UserAdoptionState:
        key = (product_id, user_id, session_id)
        if key in self._sessions:
            self._sessions.move_to_end(key)
            return await self.get_state(product_id, user_id) or init_user_state(user_id)
        self._sessions[key] = _Session(started_at=started_at)
        while len(self._sessions) > self._max_sessions:
            self._sessions.popitem(last=False)
        state, _ = await on_session_start(product_id, user_id, session_id, self.storage)
        return state

    async def _apply(self, payload: ActionsPayload, user_id: str) -> dict[str, ActivityMatch]:
        product_id = payload.product_id
        session_id = payload.session_id or ""
        state = await self._open(product_id, user_id, session_id, payload.actions[0].timestamp_start)
        session = self._sessions[(product_id, user_id, session_id)]
        onboarding = state.onboarding
        plan = self.plan.for_role(state.role)
        completed: dict[str, ActivityMatch] = {}
        for workflow in plan.workflows:
            wid = workflow.workflow_id
            progress = onboarding.workflow_progress.get(wid)
            if workflow.activity_signals is not None and (
                progress is None or progress.status is not WorkflowStatus.COMPLETED
            ):
                hit, share = _count(session.counts, "w", wid, workflow.activity_signals, payload.actions)
                if hit is not None:
                    rule, count = hit
                    match = ActivityMatch(wid, rule, count, 1)
                    onboarding.upsert_workflow_progress(
                        wid,
                        status=WorkflowStatus.COMPLETED,
                        confidence=1.0,
                        evidence=match.evidence_string,
                        source=WORKFLOW_PROGRESS_SOURCE_ACTIVITY,
                    )
                    completed[wid] = match
                elif share > 0:
                    onboarding.upsert_workflow_progress(
                        wid,
                        status=WorkflowStatus.IN_PROGRESS,
                        confidence=share,
                        source=WORKFLOW_PROGRESS_SOURCE_ACTIVITY,
                    )
            self._steps(session, state, workflow, payload)
        state.record_discovered_features([_page(a.canonical_url) for a in payload.actions])
        onboarding.distinct_features_seen = len(state.discovered_features)
        if self._catalog:
            done = set(onboarding.completed_workflow_ids)
            onboarding.completion_rate = round(len(done & set(self._catalog)) / len(self._catalog), 4)
        if is_plan_complete(plan, onboarding.workflow_progress):
            onboarding.mark_onboarding_complete()
            state.set_journey_state(JourneyState.ONBOARDED, reason="onboarding plan completed")
        await self.storage.save_user_state(product_id, user_id, state.to_dict())
        logger.debug(
            "adoption: product=%s user=%s session=%s actions=%d completed=%d",
            product_id,
            user_id,
            session_id,
            len(payload.actions),
            len(completed),
        )
        return completed

    def _steps(self, session: _Session, state: UserAdoptionState, workflow: Any, payload: ActionsPayload) -> None:
        if not workflow.steps:
            return
        progress = state.onboarding.workflow_progress.get(workflow.workflow_id)
        for step in workflow.steps:
            if step.activity_signals is None:
                continue
            if progress is not None:
                existing = progress.steps.get(step.step_id)
                if existing is not None and existing.status is WorkflowStatus.COMPLETED:
                    continue
            key = f"{workflow.workflow_id}/{step.step_id}"
            hit, _ = _count(session.counts, "s", key, step.activity_signals, payload.actions)
            if hit is None:
                continue
            if progress is None:
                progress = state.onboarding.upsert_workflow_progress(
                    workflow.workflow_id,
                    status=WorkflowStatus.IN_PROGRESS,
                    confidence=0.0,
                    source=WORKFLOW_PROGRESS_SOURCE_ACTIVITY,
                )
            progress.upsert_step_progress(
                step.step_id,
                status=WorkflowStatus.COMPLETED,
                confidence=1.0,
                evidence=f"activity_signal[{hit[0].summary()}] matched x{hit[1]}",
            )


def _count(
    counts: dict[tuple[str, str, int], int],
    kind: str,
    owner: str,
    signals: ActivitySignals,
    actions: Sequence[Any],
) -> tuple[tuple[Any, int] | None, float]:
    """Add this batch's matches to the session counts; the first rule (in order) at its count wins."""
    best_share = 0.0
    for index, rule in enumerate(signals.any_of):
        key = (kind, owner, index)
        count = counts.get(key, 0)
        if count < rule.min_count:
            count = min(rule.min_count, count + sum(1 for action in actions if rule.matches_action(action)))
            counts[key] = count
        best_share = max(best_share, count / rule.min_count)
    for index, rule in enumerate(signals.any_of):
        count = counts[(kind, owner, index)]
        if count >= rule.min_count:
            return (rule, count), 1.0
    return None, best_share
