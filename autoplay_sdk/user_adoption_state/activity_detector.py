"""Deciding from the action stream that a user completed a workflow (or a step).

A workflow declares :class:`ActivitySignals`: rules that each match one kind of action (an
event type, a URL glob or prefix, a title substring, a type).  The workflow completes when one
rule has matched at least its ``min_count`` actions.  Detection is pure and order-free over the
actions it is given: it counts matches, so feeding a session in any batch split and keeping the
running result (see ``already_completed``) decides the same completions as feeding it whole.

Actions are read duck-typed: ``SlimAction`` objects or plain dicts both work (attribute first,
then key).  The action ``description`` is never matched, because it can carry what the user
typed.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "ActivityMatch",
    "ActivitySignalRule",
    "ActivitySignals",
    "StepActivityMatch",
    "detect_completed_steps_from_activity",
    "detect_completed_workflows_from_activity",
]

logger = logging.getLogger(__name__)

_MATCHABLE = ("event_type", "canonical_url_glob", "canonical_url_prefix", "title_contains", "type")


def _read(action: Any, name: str) -> Any:
    value = getattr(action, name, None)
    if value is None and isinstance(action, dict):
        value = action.get(name)
    return value


def _count(value: Any) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError, OverflowError):
        return 1


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class ActivitySignalRule:
    """One kind of action; every field that is set must hold (AND).  ``min_count`` ≥ 1."""

    event_type: str | None = None
    canonical_url_glob: str | None = None
    canonical_url_prefix: str | None = None
    title_contains: str | None = None
    type: str | None = None
    min_count: int = 1

    def __post_init__(self) -> None:
        if all(getattr(self, name) is None for name in _MATCHABLE):
            raise ValueError(
                "ActivitySignalRule must specify at least one matchable field (event_type, "
                "canonical_url_glob, canonical_url_prefix, title_contains, or type)"
            )
        if self.min_count < 1:
            raise ValueError(f"ActivitySignalRule.min_count must be >= 1, got {self.min_count}")

    def matches_action(self, action: Any) -> bool:
        """True when every set field holds for ``action`` (a non-string value fails its test)."""
        if self.event_type is not None:
            value = _read(action, "event_type") or _read(action, "type")
            if not isinstance(value, str) or value != self.event_type:
                return False
        if self.canonical_url_glob is not None or self.canonical_url_prefix is not None:
            url = _read(action, "canonical_url")
            if not isinstance(url, str):
                return False
            if self.canonical_url_glob is not None and not fnmatch.fnmatchcase(url, self.canonical_url_glob):
                return False
            if self.canonical_url_prefix is not None and not url.startswith(self.canonical_url_prefix):
                return False
        if self.title_contains is not None:
            title = _read(action, "title")
            if not isinstance(title, str) or self.title_contains.lower() not in title.lower():
                return False
        if self.type is not None:
            kind = _read(action, "type")
            if not isinstance(kind, str) or kind.lower() != self.type.lower():
                return False
        return True

    def summary(self) -> str:
        """A short human form, e.g. ``event=click,url~/billing/*,x2``."""
        parts = []
        if self.event_type is not None:
            parts.append(f"event={self.event_type}")
        if self.canonical_url_glob is not None:
            parts.append(f"url~{self.canonical_url_glob}")
        if self.canonical_url_prefix is not None:
            parts.append(f"url^{self.canonical_url_prefix}")
        if self.title_contains is not None:
            parts.append(f"title~{self.title_contains}")
        if self.type is not None:
            parts.append(f"type={self.type}")
        if self.min_count != 1:
            parts.append(f"x{self.min_count}")
        return ",".join(parts) or "<empty>"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: getattr(self, name) for name in _MATCHABLE if getattr(self, name) is not None}
        if self.min_count != 1:
            out["min_count"] = self.min_count
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ActivitySignalRule:
        """Parse a rule (blank strings count as unset); raises ``ValueError`` when nothing is matchable."""
        return cls(
            event_type=_clean(d.get("event_type")),
            canonical_url_glob=_clean(d.get("canonical_url_glob")),
            canonical_url_prefix=_clean(d.get("canonical_url_prefix")),
            title_contains=_clean(d.get("title_contains")),
            type=_clean(d.get("type")),
            min_count=_count(d.get("min_count", 1)),
        )


@dataclass(frozen=True)
class ActivitySignals:
    """The rules that complete a workflow or step: the first rule to reach its count wins.

    ``completion_threshold`` is reserved and not used by detection.
    """

    any_of: tuple[ActivitySignalRule, ...] = ()
    completion_threshold: int = 1

    def __post_init__(self) -> None:
        if not self.any_of:
            raise ValueError("ActivitySignals.any_of must be non-empty")
        if self.completion_threshold < 1:
            raise ValueError(f"ActivitySignals.completion_threshold must be >= 1, got {self.completion_threshold}")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"any_of": [rule.to_dict() for rule in self.any_of]}
        if self.completion_threshold != 1:
            out["completion_threshold"] = self.completion_threshold
        return out

    @classmethod
    def from_dict(cls, d: Any) -> ActivitySignals | None:
        """Parse signals; ``None`` when ``d`` is not a dict or has no valid rule (bad rules: WARNING, skipped)."""
        if not isinstance(d, dict):
            return None
        raw_rules = d.get("any_of")
        if not isinstance(raw_rules, list) or not raw_rules:
            return None
        rules = []
        for index, raw in enumerate(raw_rules):
            if not isinstance(raw, dict):
                logger.warning("activity_signals: any_of[%d] is not a dict — skipping", index)
                continue
            try:
                rules.append(ActivitySignalRule.from_dict(raw))
            except ValueError as exc:
                logger.warning("activity_signals: any_of[%d] invalid (%s) — skipping rule", index, exc)
        if not rules:
            return None
        return cls(any_of=tuple(rules), completion_threshold=_count(d.get("completion_threshold", 1)))


@dataclass(frozen=True)
class ActivityMatch:
    """A workflow completed by activity: which rule matched, and how many actions it counted."""

    workflow_id: str
    matched_rule: ActivitySignalRule
    match_count: int = 1
    rules_fired: int = 1

    @property
    def rule_summary(self) -> str:
        return self.matched_rule.summary()

    @property
    def evidence_string(self) -> str:
        return f"activity_signal[{self.rule_summary}] matched x{self.match_count}"


@dataclass(frozen=True)
class StepActivityMatch:
    """A step completed by activity."""

    step_id: str
    matched_rule: ActivitySignalRule
    match_count: int = 1

    @property
    def rule_summary(self) -> str:
        return self.matched_rule.summary()

    @property
    def evidence_string(self) -> str:
        return f"activity_signal[{self.rule_summary}] matched x{self.match_count}"


class _HasSignals(Protocol):
    @property
    def activity_signals(self) -> ActivitySignals | None: ...


def _first_rule(signals: ActivitySignals, actions: Sequence[Any]) -> tuple[ActivitySignalRule, int] | None:
    for rule in signals.any_of:
        count = 0
        for action in actions:
            if rule.matches_action(action):
                count += 1
                if count >= rule.min_count:
                    return rule, count
    return None


def detect_completed_workflows_from_activity(
    workflows: Iterable[Any],
    actions: Sequence[Any],
    already_completed: Iterable[str] = (),
) -> dict[str, ActivityMatch]:
    """The workflows whose signals ``actions`` satisfy, keyed by workflow id (pure, no logging).

    Workflows without an ``ActivitySignals`` or a non-empty string id, and the ids in
    ``already_completed``, are skipped.  Returns ``{}`` when nothing matches.
    """
    if not actions:
        return {}
    done = {str(wid).strip() for wid in already_completed}
    found: dict[str, ActivityMatch] = {}
    for workflow in workflows:
        wid = getattr(workflow, "workflow_id", None)
        signals = getattr(workflow, "activity_signals", None)
        if not isinstance(wid, str) or not wid or not isinstance(signals, ActivitySignals) or wid in done:
            continue
        hit = _first_rule(signals, actions)
        if hit is not None:
            found[wid] = ActivityMatch(wid, hit[0], hit[1], 1)
    return found


def detect_completed_steps_from_activity(
    workflow: Any,
    actions: Sequence[Any],
    already_completed_step_ids: Iterable[str] = (),
) -> dict[str, StepActivityMatch]:
    """The steps of ``workflow`` whose own signals ``actions`` satisfy, keyed by step id."""
    if not actions:
        return {}
    done = {str(sid).strip() for sid in already_completed_step_ids}
    found: dict[str, StepActivityMatch] = {}
    for step in getattr(workflow, "steps", ()) or ():
        sid = getattr(step, "step_id", None)
        signals = getattr(step, "activity_signals", None)
        if not isinstance(sid, str) or not sid or not isinstance(signals, ActivitySignals) or sid in done:
            continue
        hit = _first_rule(signals, actions)
        if hit is not None:
            found[sid] = StepActivityMatch(sid, hit[0], hit[1])
    return found
