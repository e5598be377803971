"""Product tours and their timings: how long a proactive exchange waits while a tour runs.

Registry-level defaults (20 s interaction timeout, 120 s cooldown) apply to tours that omit
their own values; they are used while parsing only.  :meth:`TourRegistry.from_dict` skips (and
logs at WARNING, with an ``event_type`` extra) entries that are not dicts or do not parse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from autoplay_sdk._logging import get_logger

__all__ = ["DEFAULT_COOLDOWN_PERIOD_S", "DEFAULT_INTERACTION_TIMEOUT_S", "TourDefinition", "TourRegistry"]

logger = get_logger(__name__)

DEFAULT_INTERACTION_TIMEOUT_S = 20.0
DEFAULT_COOLDOWN_PERIOD_S = 120.0


@dataclass
class TourDefinition:
    """A tour by chip id, with its provider flow id (``user_tour_id``) and timings."""

    id: str
    user_tour_id: str | None = None
    user_tour_name: str | None = None
    interaction_timeout_s: float = DEFAULT_INTERACTION_TIMEOUT_S
    cooldown_period_s: float = DEFAULT_COOLDOWN_PERIOD_S

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "interaction_timeout_s": self.interaction_timeout_s,
            "cooldown_period_s": self.cooldown_period_s,
        }
        if self.user_tour_id is not None:
            out["user_tour_id"] = self.user_tour_id
        if self.user_tour_name is not None:
            out["user_tour_name"] = self.user_tour_name
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, registry_defaults: Mapping[str, Any] | None = None) -> TourDefinition:
        """``d["id"]`` is required; omitted timings come from ``registry_defaults``, then the module defaults."""
        defaults = registry_defaults or {}
        return cls(
            id=d["id"],
            user_tour_id=d.get("user_tour_id"),
            user_tour_name=d.get("user_tour_name"),
            interaction_timeout_s=d.get(
                "interaction_timeout_s",
                defaults.get("default_interaction_timeout_s", DEFAULT_INTERACTION_TIMEOUT_S),
            ),
            cooldown_period_s=d.get(
                "cooldown_period_s", defaults.get("default_cooldown_period_s", DEFAULT_COOLDOWN_PERIOD_S)
            ),
        )


@dataclass
class TourRegistry:
    """The tours of one product."""

    product_id: str
    tours: list[TourDefinition] = field(default_factory=list)
    default_interaction_timeout_s: float = DEFAULT_INTERACTION_TIMEOUT_S
    default_cooldown_period_s: float = DEFAULT_COOLDOWN_PERIOD_S

    def get(self, tour_id: str) -> TourDefinition | None:
        """The first tour with this chip id, else ``None``."""
        return next((t for t in self.tours if t.id == tour_id), None)

    def get_by_user_tour_id(self, user_tour_id: str | None) -> TourDefinition | None:
        """The first tour with this provider flow id; ``None`` for a blank id or no match."""
        if not user_tour_id:
            return None
        return next((t for t in self.tours if t.user_tour_id == user_tour_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "product_id": self.product_id,
            "default_interaction_timeout_s": self.default_interaction_timeout_s,
            "default_cooldown_period_s": self.default_cooldown_period_s,
            "tours": [t.to_dict() for t in self.tours],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TourRegistry:
        """Parse a registry; bad tour entries are skipped.

        Raises ``KeyError`` without ``product_id`` and ``ValueError`` when ``tours`` is not a list.
        """
        timeout = d.get("default_interaction_timeout_s", DEFAULT_INTERACTION_TIMEOUT_S)
        cooldown = d.get("default_cooldown_period_s", DEFAULT_COOLDOWN_PERIOD_S)
        defaults = {"default_interaction_timeout_s": timeout, "default_cooldown_period_s": cooldown}
        raw_tours = d.get("tours", [])
        if not isinstance(raw_tours, (list, tuple)):
            raise ValueError(f"tour registry field 'tours' must be a list, got {type(raw_tours).__name__}")
        tours: list[TourDefinition] = []
        for index, entry in enumerate(raw_tours):
            if not isinstance(entry, dict):
                logger.warning(
                    "tour registry entry %d is not a dict (%s) — skipped",
                    index,
                    type(entry).__name__,
                    extra={
                        "event_type": "tour_registry_entry_invalid_type",
                        "index": index,
                        "got_type": type(entry).__name__,
                    },
                )
                continue
            try:
                tours.append(TourDefinition.from_dict(entry, registry_defaults=defaults))
            except Exception:
                logger.warning(
                    "tour registry entry %d could not be parsed — skipped",
                    index,
                    exc_info=True,
                    extra={"event_type": "tour_registry_entry_parse_error", "index": index},
                )
        return cls(
            product_id=d["product_id"],
            tours=tours,
            default_interaction_timeout_s=timeout,
            default_cooldown_period_s=cooldown,
        )
