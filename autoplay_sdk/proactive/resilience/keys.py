"""The key space shared by every process that enforces proactive limits for one surface and product.

Keys look like ``v1:<surface>:<product>:<suffix>``; ids are stripped, so ``" p1 "`` and ``"p1"``
share keys.  Example: the min-interval key of session ``s1`` on ``("intercom", "p1")`` is
``"v1:intercom:p1:min_interval:s1"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType

__all__ = ["ProactiveResilienceKeySpace", "ProactiveSurfaceId", "proactive_key_namespace", "proactive_key_suffixes"]

ProactiveSurfaceId = NewType("ProactiveSurfaceId", str)
"""The id of a delivery surface, e.g. ``"intercom"``."""

_NAMESPACE = "v1"


def proactive_key_namespace() -> str:
    """The version prefix of every key: ``"v1"``."""
    return _NAMESPACE


def _n(value: str | None) -> str:
    return (value or "").strip()


@dataclass(frozen=True, slots=True)
class ProactiveResilienceKeySpace:
    """Builds the store keys for one ``surface`` and ``product_id``."""

    surface: str
    product_id: str

    @property
    def _base(self) -> str:
        return f"{_NAMESPACE}:{_n(self.surface)}:{_n(self.product_id)}"

    def circuit_open_key(self) -> str:
        """Present while the surface's circuit is open."""
        return self._base + ":circuit_open"

    def fail_streak_key(self) -> str:
        """Consecutive counted delivery failures."""
        return self._base + ":fail_streak"

    def min_interval_key(self, session_id: str) -> str:
        """Present while ``session_id`` must wait before its next proactive message."""
        return self._base + ":min_interval:" + _n(session_id)

    def attempts_per_minute_key(self, window_start_epoch_min: int) -> str:
        """Attempts for the product in the minute starting at epoch minute ``window_start_epoch_min``."""
        return self._base + f":attempts_min:{window_start_epoch_min}"

    def per_session_hour_key(self, session_id: str, hour_start_epoch: int) -> str:
        """Messages to ``session_id`` in the hour starting at epoch second ``hour_start_epoch``."""
        return self._base + f":sess_hour:{_n(session_id)}:{hour_start_epoch}"

    def per_user_day_key(self, user_bucket: str, day_utc: str) -> str:
        """Messages to one user (``user_bucket``) on the UTC day ``day_utc`` (e.g. ``"2026-12-06"``)."""
        return self._base + f":user_day:{_n(user_bucket)}:{_n(day_utc)}"


def proactive_key_suffixes(*, surface: str, product_id: str, session_id: str) -> dict[str, str]:
    """The three per-session keys: ``{"circuit_open", "fail_streak", "min_interval"}``."""
    keys = ProactiveResilienceKeySpace(surface, product_id)
    return {
        "circuit_open": keys.circuit_open_key(),
        "fail_streak": keys.fail_streak_key(),
        "min_interval": keys.min_interval_key(session_id),
    }
