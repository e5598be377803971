"""The hard gate in front of a proactive onboarding welcome: pure checks, first failure wins."""

from __future__ import annotations

from dataclasses import dataclass

from autoplay_sdk.user_adoption_state.models import UserAdoptionState
from autoplay_sdk.user_adoption_state.types import JourneyState

__all__ = ["ExplorationGateConfig", "evaluate_hard_gate"]


@dataclass(frozen=True)
class ExplorationGateConfig:
    """Thresholds of the gate.  An empty ``role_allowlist`` allows every role."""

    role_allowlist: frozenset[str] = frozenset()
    min_seconds_on_app: float = 60.0
    min_distinct_features: int = 3
    welcome_cooldown_s: float = 600.0
    max_proactive_support: int = 3


def evaluate_hard_gate(
    state: UserAdoptionState,
    *,
    now: float,
    seconds_on_app: float,
    distinct_features_seen: int,
    cfg: ExplorationGateConfig,
) -> tuple[bool, str]:
    """``(True, "ok")`` when a welcome may be considered, else ``(False, reason)``.

    Checks, in order: already onboarded, role not allowed, nudge cap reached, within the
    welcome cooldown, too little time on the app, too few distinct features.  The time and
    feature counts come from the arguments, not from ``state``.
    """
    if state.journey_state is JourneyState.ONBOARDED:
        return False, "already_onboarded"
    if cfg.role_allowlist:
        role = (state.role or "").strip()
        allowed = {entry.strip().lower() for entry in cfg.role_allowlist}
        if role.lower() not in allowed:
            return False, f"role_not_allowed:{role or 'unknown'}"
    onboarding = state.onboarding
    if onboarding.proactive_support_count >= cfg.max_proactive_support:
        return False, "nudge_cap_reached"
    if onboarding.last_welcome_at is not None and now - onboarding.last_welcome_at < cfg.welcome_cooldown_s:
        return False, "within_cooldown"
    if seconds_on_app < cfg.min_seconds_on_app:
        return False, "exploring_min_time_not_met"
    if distinct_features_seen < cfg.min_distinct_features:
        return False, "exploring_min_features_not_met"
    return True, "ok"
