"""Matching a user's question to a product tour: the LLM input, and a safe parse of its answer.

The SDK builds the prompt input and validates the answer; it never calls the LLM.  Only tour
ids from the role-filtered catalog survive parsing, so a hallucinated id is dropped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["TourCatalogEntry", "TourMatchResult", "build_tour_match_input", "parse_tour_match_output"]

logger = logging.getLogger(__name__)


def _first(d: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = d.get(key)
        if value:
            return value
    return None


@dataclass(frozen=True)
class TourCatalogEntry:
    """One tour the product offers; ``role=None`` means every role."""

    tour_id: str
    name: str = ""
    use_when: str = ""
    role: str | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TourCatalogEntry:
        """Parse an entry, accepting ``user_tour_id``/``id``, ``user_tour_name`` and ``description`` too."""
        role = d.get("role")
        return cls(
            tour_id=str(_first(d, "tour_id", "user_tour_id", "id") or ""),
            name=str(_first(d, "name", "user_tour_name") or ""),
            use_when=str(_first(d, "use_when", "description") or ""),
            role=None if role is None else str(role),
        )


@dataclass
class TourMatchResult:
    """The matched primary tour (or ``None``), related tours, and the model's one-line reasoning."""

    primary_tour_id: str | None = None
    related_tour_ids: list[str] = field(default_factory=list)
    reasoning: str = ""


def _normalise(catalog: Iterable[Any], role: str | None) -> list[TourCatalogEntry]:
    entries = []
    for item in catalog or ():
        if isinstance(item, TourCatalogEntry):
            entry = item
        elif isinstance(item, dict):
            entry = TourCatalogEntry.from_dict(item)
        else:
            continue
        if not entry.tour_id:
            continue
        if entry.role is not None and (role is None or entry.role.strip().lower() != role.strip().lower()):
            continue
        entries.append(entry)
    return entries


def build_tour_match_input(
    *,
    user_query: str,
    conversation_history: str = "",
    role: str | None = None,
    current_page: str | None = None,
    tour_catalog: Iterable[Any],
) -> dict[str, Any]:
    """The fields of the tour-match prompt, with the catalog rendered as ``id :: name :: use when`` lines."""
    entries = _normalise(tour_catalog, role)
    lines = [f"{e.tour_id} :: {e.name} :: {e.use_when}".rstrip(": ") for e in entries]
    return {
        "user_query": user_query,
        "conversation_history": conversation_history or "(none)",
        "role": role or "unknown",
        "current_page": current_page or "unknown",
        "tour_catalog_text": "\n".join(lines) if lines else "(no tours available)",
        "allowed_tour_ids": [e.tour_id for e in entries],
    }


def parse_tour_match_output(raw: str, *, tour_catalog: Iterable[Any], role: str | None = None) -> TourMatchResult:
    """Parse the model's JSON answer, keeping only catalog ids allowed for ``role``.

    Unparsable output is logged at WARNING and gives ``TourMatchResult(reasoning="parse_error")``;
    a JSON value that is not an object gives the same result silently.
    """
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, TypeError) as exc:
        logger.warning(
            "tour_matching: failed to parse output — returning empty match: %s",
            exc,
            extra={"event_type": "tour_match_parse_error"},
        )
        return TourMatchResult(reasoning="parse_error")
    if not isinstance(data, dict):
        return TourMatchResult(reasoning="parse_error")
    allowed = {e.tour_id for e in _normalise(tour_catalog, role)}
    primary_raw = data.get("primary_tour_id")
    primary = str(primary_raw) if primary_raw and str(primary_raw) in allowed else None
    related: list[str] = []
    raw_related = data.get("related_tour_ids")
    if isinstance(raw_related, (list, tuple)):
        for item in raw_related:
            tid = str(item)
            if tid in allowed and tid != primary and tid not in related:
                related.append(tid)
    return TourMatchResult(primary, related, str(data.get("reasoning", "")))
