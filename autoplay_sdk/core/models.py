"""Typed payloads of the connector stream.

The three classes are plain, mutable ``@dataclass``\\ es (the published contract: users construct,
compare and ``dataclasses.replace`` them).  Each parses itself (``from_dict``), serialises itself
(``to_dict``: the wire object, key order as the connector and the Redis buffer write it, plus
``conversation_id``) and renders itself for prompts (``to_text``).

``from_dict`` is lenient by contract: unknown keys are ignored, falsy values fall back to the
field default, truthy values pass through without coercion.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from autoplay_sdk._logging import get_logger

__all__ = ["ActionsPayload", "AnyPayload", "SlimAction", "SummaryPayload"]

logger = get_logger(__name__)


@dataclass
class SlimAction:
    """One UI action inside an ``actions`` batch."""

    title: str
    description: str
    canonical_url: str
    index: int = 0
    type: str = ""
    timestamp_start: float = 0.0
    timestamp_end: float = 0.0
    raw_url: str = ""
    session_id: str | None = None
    user_id: str | None = None
    email: str | None = None
    conversation_id: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SlimAction:
        """Build from a wire dict; falsy values become defaults, ids are taken raw."""
        get = data.get
        return cls(
            get("title") or "",
            get("description") or "",
            get("canonical_url") or "",
            get("index") or 0,
            get("type") or "",
            get("timestamp_start") or 0.0,
            get("timestamp_end") or 0.0,
            get("raw_url") or "",
            get("session_id"),
            get("user_id"),
            get("email"),
            get("conversation_id"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The wire object (``from_dict`` inverts it)."""
        return {
            "title": self.title,
            "description": self.description,
            "canonical_url": self.canonical_url,
            "index": self.index,
            "type": self.type,
            "timestamp_start": self.timestamp_start,
            "timestamp_end": self.timestamp_end,
            "raw_url": self.raw_url,
            "session_id": self.session_id,
            "user_id": self.user_id,
            "email": self.email,
            "conversation_id": self.conversation_id,
        }

    def to_text(self) -> str:
        """``[index] type: description — canonical_url`` (EM DASH separator)."""
        return f"[{self.index}] {self.type}: {self.description} \u2014 {self.canonical_url}"


@dataclass
class ActionsPayload:
    """A batch of actions for one session.  ``count`` always equals ``len(actions)``."""

    product_id: str
    session_id: str | None
    user_id: str | None
    email: str | None
    actions: list[SlimAction]
    count: int
    forwarded_at: float
    conversation_id: str | None = None

    def __post_init__(self) -> None:
        n = len(self.actions)
        if self.count != n:
            # %s, not %d: a wire value such as "3" must not break the log call.
            logger.warning(
                "ActionsPayload.count=%s does not match len(actions)=%d for session=%s"
                " — using len(actions) as the authoritative value",
                self.count,
                n,
                self.session_id,
            )
            self.count = n

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ActionsPayload:
        """Build from a wire dict (see the module docstring for the leniency rules)."""
        get = data.get
        from_action = SlimAction.from_dict
        return cls(
            get("product_id") or "",
            get("session_id") or None,
            get("user_id") or None,
            get("email") or None,
            [from_action(a) for a in (get("actions") or ())],
            get("count") or 0,
            get("forwarded_at") or 0.0,
            get("conversation_id"),
        )

    @classmethod
    def merge(cls, payloads: list[ActionsPayload]) -> ActionsPayload:
        """Concatenate batches in order, re-indexing copies of the actions from 0.

        Raises ``ValueError`` for an empty list.  The inputs are not mutated.
        """
        if not payloads:
            raise ValueError("ActionsPayload.merge() requires at least one payload")
        actions: list[SlimAction] = []
        for p in payloads:
            for a in p.actions:
                actions.append(dataclasses.replace(a, index=len(actions)))
        first = payloads[0]
        return cls(
            product_id=first.product_id,
            session_id=first.session_id,
            user_id=next((p.user_id for p in payloads if p.user_id), None),
            email=next((p.email for p in payloads if p.email), None),
            actions=actions,
            count=len(actions),
            forwarded_at=max(p.forwarded_at for p in payloads),
            conversation_id=next((p.conversation_id for p in payloads if p.conversation_id), None),
        )

    def to_dict(self) -> dict[str, Any]:
        """The wire object, ``"type": "actions"`` first (``from_dict`` inverts it)."""
        return {
            "type": "actions",
            "product_id": self.product_id,
            "session_id": self.session_id,
            "user_id": self.user_id,
            "email": self.email,
            "actions": [a.to_dict() for a in self.actions],
            "count": self.count,
            "forwarded_at": self.forwarded_at,
            "conversation_id": self.conversation_id,
        }

    def to_text(self) -> str:
        """A header line ``Session <id> — <n> actions`` then one line per action."""
        header = f"Session {self.session_id or 'unknown'} \u2014 {len(self.actions)} actions"
        return "\n".join([header, *(a.to_text() for a in self.actions)])


@dataclass
class SummaryPayload:
    """A prose summary that condenses ``replaces`` earlier actions of a session."""

    product_id: str
    session_id: str | None
    summary: str
    replaces: int
    forwarded_at: float

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SummaryPayload:
        """Build from a wire dict; falsy values become defaults."""
        get = data.get
        return cls(
            get("product_id") or "",
            get("session_id") or None,
            get("summary") or "",
            get("replaces") or 0,
            get("forwarded_at") or 0.0,
        )

    def to_dict(self) -> dict[str, Any]:
        """The wire object, ``"type": "summary"`` first (``from_dict`` inverts it)."""
        return {
            "type": "summary",
            "product_id": self.product_id,
            "session_id": self.session_id,
            "summary": self.summary,
            "replaces": self.replaces,
            "forwarded_at": self.forwarded_at,
        }

    def to_text(self) -> str:
        """The summary, unchanged."""
        return self.summary


AnyPayload = ActionsPayload | SummaryPayload
