"""Session lifecycle over a storage adapter: load the user at session start, record the session at its end.

The typed models of :mod:`autoplay_sdk.user_adoption_state` meet the JSON of the adapters here.
A stored user state that cannot be read back (corrupt, or written by an unknown format version)
is logged at WARNING and re-initialised — the next write overwrites it.  The SDK never calls an
LLM: pass ``summary=`` or a ``summarizer`` coroutine to :func:`on_session_end`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from autoplay_sdk.storage.base import AutoplayStorageAdapter
from autoplay_sdk.user_adoption_state.models import Mastery, SessionIndexEntry, SessionSnapshot, UserAdoptionState

__all__ = [  # noqa: RUF022 — the documented order
    "Summarizer",
    "init_user_state",
    "on_session_start",
    "on_session_end",
    "build_agent_context",
]

logger = logging.getLogger(__name__)

Summarizer = Callable[[SessionSnapshot], Awaitable[str]]


def init_user_state(user_id: str, *, metadata: dict[str, Any] | None = None) -> UserAdoptionState:
    """A fresh state for ``user_id`` (raises ``ValueError`` when it is empty)."""
    return UserAdoptionState(user_id=user_id, metadata=dict(metadata or {}))


async def _load(storage: AutoplayStorageAdapter, product_id: str, user_id: str) -> UserAdoptionState:
    raw = await storage.get_user_state(product_id, user_id)
    if raw:
        try:
            return UserAdoptionState.from_dict(raw)
        except Exception as exc:
            logger.warning(
                "storage.lifecycle: corrupt user state for user=%s, re-initializing: %s",
                user_id,
                type(exc).__name__,
                extra={"event_type": "user_state_reinit"},
            )
    return init_user_state(user_id)


async def on_session_start(
    product_id: str, user_id: str, session_id: str, storage: AutoplayStorageAdapter
) -> tuple[UserAdoptionState, SessionSnapshot | None]:
    """Load (or create) the user's state, mark ``session_id`` current and save it.

    Returns the state and, for a returning user (at least one finished session), the snapshot
    of their first session (``None`` when it cannot be found or read).  Writes on every call.
    """
    state = await _load(storage, product_id, user_id)
    state.set_current_session(session_id)
    await storage.save_user_state(product_id, user_id, state.to_dict())
    onboarding: SessionSnapshot | None = None
    if state.sessions_count > 0:
        first = next((entry for entry in state.sessions_index if entry.session_number == 1), None)
        if first is not None:
            raw = await storage.get_session_snapshot(product_id, user_id, first.session_id)
            if raw:
                try:
                    onboarding = SessionSnapshot.from_dict(raw)
                except Exception as exc:
                    logger.warning(
                        "storage.lifecycle: corrupt onboarding snapshot user=%s session=%s: %s",
                        user_id,
                        first.session_id,
                        type(exc).__name__,
                    )
    return state, onboarding


async def on_session_end(
    product_id: str,
    user_id: str,
    session_snapshot: SessionSnapshot,
    storage: AutoplayStorageAdapter,
    *,
    summarizer: Summarizer | None = None,
    summary: str | None = None,
) -> UserAdoptionState:
    """Record a finished session and fold it into the user's state; returns the saved state.

    The snapshot is written first (write-once, so a retried end changes nothing), then the
    user state takes the snapshot's journey, mastery, completion rate, completion stamp and
    discovered features, indexes the session and is saved.  ``summary`` wins over
    ``summarizer``; a summarizer that raises is logged at WARNING and leaves the summary as it
    was.  ``current_session_id`` is left as it is.
    """
    await storage.save_session_snapshot(product_id, user_id, session_snapshot.session_id, session_snapshot.to_dict())
    state = await _load(storage, product_id, user_id)
    resolved = summary
    if resolved is None and summarizer is not None:
        try:
            resolved = await summarizer(session_snapshot)
        except Exception as exc:
            logger.warning(
                "storage.lifecycle: summarizer failed user=%s session=%s: %s",
                user_id,
                session_snapshot.session_id,
                type(exc).__name__,
                extra={"event_type": "onboarding_summary_failed"},
            )
            resolved = None
    state.journey_state = session_snapshot.journey_state
    mastery = session_snapshot.mastery
    state.mastery = Mastery(rating=mastery.rating, level=mastery.level, description=mastery.description)
    state.onboarding.completion_rate = session_snapshot.completion_rate
    if resolved is not None:
        state.onboarding.summary = resolved
    if session_snapshot.reached_onboarding_complete:
        state.onboarding.mark_onboarding_complete(now=session_snapshot.captured_at)
    state.record_discovered_features(session_snapshot.discovered_features)
    state.record_session(
        SessionIndexEntry(
            session_id=session_snapshot.session_id,
            session_number=session_snapshot.session_number,
            started_at=session_snapshot.started_at,
            captured_at=session_snapshot.captured_at,
        )
    )
    await storage.save_user_state(product_id, user_id, state.to_dict())
    return state


def build_agent_context(state: UserAdoptionState, onboarding_session: SessionSnapshot | None = None) -> dict[str, Any]:
    """The ``context_extra`` keys a proactive trigger or agent reads about this user.

    ``is_returning_user`` is true once the user has finished at least one session.
    """
    context: dict[str, Any] = {
        "user_journey_state": state.journey_state.value,
        "user_mastery_level": state.mastery.level.value,
        "user_mastery_rating": state.mastery.rating,
        "session_count": state.sessions_count,
        "is_returning_user": state.sessions_count > 0,
    }
    if state.onboarding.summary:
        context["onboarding_summary"] = state.onboarding.summary
    if onboarding_session is not None:
        context["onboarding_session_in_progress_workflows"] = list(onboarding_session.in_progress_workflow_ids)
        context["onboarding_session_untouched_workflows"] = list(onboarding_session.untouched_workflow_ids)
    return context
