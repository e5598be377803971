"""Proactive trigger configurations: criteria trees and the quick-reply messages they offer.

Each class validates itself in ``__post_init__`` and raises ``ValueError`` naming the object's
id; ``from_dict`` requires the documented keys (``KeyError`` otherwise) and builds nothing
partial.  ``to_dict`` gives the JSON shape back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union

__all__ = [
    "CriteriaGroup",
    "CriteriaLeaf",
    "ProactiveCriteria",
    "ProactiveTriggerConfig",
    "TriggerMessage",
    "criteria_from_dict",
]

_MAX_MESSAGES = 3


def _require_mapping(d: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(d, Mapping):
        raise ValueError(f"{what} must be a JSON object, got {type(d).__name__}")
    return d


@dataclass
class TriggerMessage:
    """A quick-reply option; it may offer a product tour (``user_tour_id`` is then required)."""

    id: str
    label: str
    user_tour_exists: bool = False
    user_tour_id: str | None = None

    def __post_init__(self) -> None:
        if self.user_tour_exists and not self.user_tour_id:
            raise ValueError(f"TriggerMessage '{self.id}': user_tour_id is required when user_tour_exists is True")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "label": self.label, "user_tour_exists": self.user_tour_exists}
        if self.user_tour_id is not None:
            out["user_tour_id"] = self.user_tour_id
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TriggerMessage:
        """``id`` and ``label`` are required (``KeyError``); ``ValueError`` if ``d`` is not a mapping."""
        d = _require_mapping(d, "TriggerMessage")
        return cls(
            id=d["id"],
            label=d["label"],
            user_tour_exists=d.get("user_tour_exists", False),
            user_tour_id=d.get("user_tour_id"),
        )


@dataclass
class CriteriaLeaf:
    """One condition, by id, name and type."""

    id: str
    name: str
    type: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "type": self.type}


@dataclass
class CriteriaGroup:
    """``AND``/``OR`` over a non-empty list of conditions (leaves or groups)."""

    id: str
    name: str
    operator: str
    conditions: list[ProactiveCriteria] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.operator not in ("AND", "OR"):
            raise ValueError(f"CriteriaGroup '{self.id}': operator must be 'AND' or 'OR', got {self.operator!r}")
        if not self.conditions:
            raise ValueError(f"CriteriaGroup '{self.id}': conditions must be a non-empty list")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "operator": self.operator,
            "conditions": [c.to_dict() for c in self.conditions],
        }


ProactiveCriteria = Union[CriteriaLeaf, CriteriaGroup]


def criteria_from_dict(d: Mapping[str, Any]) -> ProactiveCriteria:
    """A group when ``"operator"`` is present, else a leaf (which needs ``"type"``).

    Raises ``ValueError`` for a group without a non-empty ``conditions`` list or a leaf without
    ``type``, and ``KeyError`` for a missing ``id``/``name``.
    """
    d = _require_mapping(d, "proactive_criteria")
    if "operator" in d:
        conditions = d.get("conditions")
        if not isinstance(conditions, list) or not conditions:
            raise ValueError(f"CriteriaGroup '{d.get('id')}': 'conditions' must be a non-empty list")
        children = [criteria_from_dict(c) for c in conditions]
        return CriteriaGroup(d["id"], d["name"], d["operator"], children)
    if "type" not in d:
        raise ValueError(f"CriteriaLeaf '{d.get('id')}': 'type' field is required for leaf nodes")
    return CriteriaLeaf(d["id"], d["name"], d["type"])


@dataclass
class ProactiveTriggerConfig:
    """A configured trigger: its criteria and 1 to 3 quick-reply messages."""

    id: str
    name: str
    proactive_criteria: ProactiveCriteria
    messages: list[TriggerMessage]

    def __post_init__(self) -> None:
        n = len(self.messages)
        if n == 0:
            raise ValueError(f"ProactiveTriggerConfig '{self.id}': must have at least 1 message")
        if n > _MAX_MESSAGES:
            raise ValueError(f"ProactiveTriggerConfig '{self.id}': max 3 messages, got {n}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "proactive_criteria": self.proactive_criteria.to_dict(),
            "messages": [m.to_dict() for m in self.messages],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ProactiveTriggerConfig:
        """All four keys are required (``KeyError``); wrong shapes raise ``ValueError`` naming the field."""
        d = _require_mapping(d, "ProactiveTriggerConfig")
        config_id, name = d["id"], d["name"]
        criteria = criteria_from_dict(d["proactive_criteria"])
        messages = d["messages"]
        if not isinstance(messages, list):
            raise ValueError(f"ProactiveTriggerConfig '{config_id}': 'messages' must be a list")
        return cls(config_id, name, criteria, [TriggerMessage.from_dict(m) for m in messages])
