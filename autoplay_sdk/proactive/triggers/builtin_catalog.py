"""The built-in trigger catalog, and registries built from JSON-like spec rows.

A spec row is a mapping ``{"id", "name", "description"}`` plus, optionally,
``interaction_timeout_s``, ``cooldown_s`` and ``triggering_type``; unknown keys are ignored.
:func:`resolve_builtin_specs` checks every row and either returns them all or raises
:class:`~autoplay_sdk.core.exceptions.SdkConfigError` naming the row and field (after an ERROR
record with ``extra={"event": "proactive_builtin_spec_invalid"}``); nothing half-built is
returned.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from autoplay_sdk._logging import get_logger
from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.proactive.triggers.defaults import (
    TRIGGER_ID_CANONICAL_URL_PING_PONG,
    TRIGGER_ID_SECTION_PLAYBOOK_MATCH,
    TRIGGER_ID_USER_PAGE_DWELL,
)
from autoplay_sdk.proactive.triggers.entity import ProactiveTriggerEntity
from autoplay_sdk.proactive.triggers.judge import TRIGGERING_TYPE_INSTANT, TRIGGERING_TYPE_LLM_JUDGE
from autoplay_sdk.proactive.triggers.registry import ProactiveTriggerRegistry
from autoplay_sdk.proactive.triggers.triggers.canonical_ping_pong import CanonicalPingPongTrigger
from autoplay_sdk.proactive.triggers.triggers.section_playbook import SectionPlaybookTrigger
from autoplay_sdk.proactive.triggers.triggers.user_page_dwell import UserPageDwellTrigger
from autoplay_sdk.proactive.triggers.types import (
    DEFAULT_COOLDOWN_S,
    DEFAULT_INTERACTION_TIMEOUT_S,
    ProactiveTrigger,
    ProactiveTriggerTimings,
)

__all__ = [
    "BUILTIN_TRIGGER_CATALOG",
    "BuiltinTriggerCatalogEntry",
    "ResolvedBuiltinTriggerSpec",
    "list_builtin_trigger_catalog",
    "registry_from_builtin_specs",
    "resolve_builtin_specs",
]

logger = get_logger(__name__)

_INVALID_EVENT = "proactive_builtin_spec_invalid"
_TRIGGERING_TYPES = (TRIGGERING_TYPE_INSTANT, TRIGGERING_TYPE_LLM_JUDGE)


@dataclass(frozen=True)
class ResolvedBuiltinTriggerSpec:
    """One validated spec row."""

    id: str
    name: str
    description: str
    interaction_timeout_s: float
    cooldown_s: float
    triggering_type: str


@dataclass(frozen=True)
class BuiltinTriggerCatalogEntry:
    """A built-in trigger: its text, its default timings and type, and how to make one."""

    id: str
    name: str
    description: str
    default_interaction_timeout_s: float
    default_cooldown_s: float
    default_triggering_type: str
    inner_factory: Callable[[], ProactiveTrigger]

    def build(self, timings: ProactiveTriggerTimings | None, *, triggering_type: str | None = None) -> ProactiveTrigger:
        """A fresh trigger wrapped with ``timings`` (default: this entry's) and the triggering type."""
        return ProactiveTriggerEntity(
            self.inner_factory(),
            timings or ProactiveTriggerTimings(self.default_interaction_timeout_s, self.default_cooldown_s),
            triggering_type=triggering_type if triggering_type is not None else self.default_triggering_type,
        )


def _entry(
    tid: str, name: str, description: str, factory: Callable[[], ProactiveTrigger]
) -> BuiltinTriggerCatalogEntry:
    return BuiltinTriggerCatalogEntry(
        tid, name, description, DEFAULT_INTERACTION_TIMEOUT_S, DEFAULT_COOLDOWN_S, TRIGGERING_TYPE_LLM_JUDGE, factory
    )


BUILTIN_TRIGGER_CATALOG: dict[str, BuiltinTriggerCatalogEntry] = {
    TRIGGER_ID_CANONICAL_URL_PING_PONG: _entry(
        TRIGGER_ID_CANONICAL_URL_PING_PONG,
        "URL ping-pong (hesitation)",
        "User hesitates with repeated back-and-forth navigation across canonical URLs (ping-pong pattern)"
        " before asking for help.",
        CanonicalPingPongTrigger,
    ),
    TRIGGER_ID_USER_PAGE_DWELL: _entry(
        TRIGGER_ID_USER_PAGE_DWELL,
        "User page dwell (sparse linger)",
        "User stays on the same canonical URL for at least dwell_threshold_seconds (default 60s) with at most"
        " user_page_dwell_max_actions actions on that streak (sparse activity; default 5).",
        UserPageDwellTrigger,
    ),
    TRIGGER_ID_SECTION_PLAYBOOK_MATCH: _entry(
        TRIGGER_ID_SECTION_PLAYBOOK_MATCH,
        "Section playbook match",
        "Deterministic nudge from section_playbook using product_section_playbook metrics (URL rules) and"
        " optional current_section_id override.",
        SectionPlaybookTrigger,
    ),
}


def list_builtin_trigger_catalog() -> list[dict[str, Any]]:
    """The catalog as JSON-ready rows, sorted by id."""
    return [
        {
            "id": e.id,
            "name": e.name,
            "description": e.description,
            "interaction_timeout_s": e.default_interaction_timeout_s,
            "cooldown_s": e.default_cooldown_s,
            "default_triggering_type": e.default_triggering_type,
        }
        for e in sorted(BUILTIN_TRIGGER_CATALOG.values(), key=lambda e: e.id)
    ]


def _invalid(message: str, cause: BaseException | None = None) -> NoReturn:
    logger.error(message, extra={"event": _INVALID_EVENT})
    raise SdkConfigError(message) from cause


def _timing(row: Mapping[str, Any], name: str, default: float) -> float:
    raw = row.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError) as exc:
        _invalid(f"builtin trigger spec field {name!r} must be a positive number, got {raw!r}", exc)
    if math.isnan(value) or value <= 0:
        _invalid(f"builtin trigger spec field {name!r} must be > 0, got {raw!r}")
    return value


def _resolve_row(i: int, row: Mapping[str, Any]) -> ResolvedBuiltinTriggerSpec:
    if not isinstance(row, Mapping):
        _invalid(f"builtin trigger spec row {i} must be a mapping, got {type(row).__name__}")
    text: dict[str, str] = {}
    for field in ("id", "name", "description"):
        value = row.get(field)
        if not isinstance(value, str):
            _invalid(f"builtin trigger spec row {i} field {field!r} must be a string, got {type(value).__name__}")
        if not value.strip():
            _invalid(f"builtin trigger spec row {i} must include non-empty string {field!r}")
        text[field] = value.strip()
    entry = BUILTIN_TRIGGER_CATALOG.get(text["id"])
    if entry is None:
        _invalid(f"unknown proactive builtin trigger id {text['id']!r}; known ids: {sorted(BUILTIN_TRIGGER_CATALOG)}")
    timeout = _timing(row, "interaction_timeout_s", entry.default_interaction_timeout_s)
    cooldown = _timing(row, "cooldown_s", entry.default_cooldown_s)
    raw_type = row.get("triggering_type")
    if raw_type is None:
        triggering_type = entry.default_triggering_type
    else:
        if not isinstance(raw_type, str):
            _invalid(f"builtin trigger spec row {i} field 'triggering_type' must be a string")
        triggering_type = raw_type.strip()
        if triggering_type not in _TRIGGERING_TYPES:
            _invalid(
                f"builtin trigger spec row {i} triggering_type must be 'instant_trigger' or"
                f" 'llm_judge_validation', got {triggering_type!r}"
            )
    return ResolvedBuiltinTriggerSpec(text["id"], text["name"], text["description"], timeout, cooldown, triggering_type)


def resolve_builtin_specs(specs: Sequence[Mapping[str, Any]]) -> list[ResolvedBuiltinTriggerSpec]:
    """Validate every row, in order; raises :class:`SdkConfigError` at the first bad one."""
    if isinstance(specs, (str, bytes, Mapping)) or not isinstance(specs, Sequence):
        _invalid(f"builtin trigger specs must be a list of mappings, got {type(specs).__name__}")
    return [_resolve_row(i, row) for i, row in enumerate(specs)]


def registry_from_builtin_specs(specs: Sequence[Mapping[str, Any]]) -> ProactiveTriggerRegistry:
    """A registry with one built-in trigger per row, in order (duplicates allowed).

    Raises :class:`SdkConfigError` for an empty list or any invalid row.
    """
    if not specs:
        _invalid("builtins list must be non-empty \u2014 omit 'builtins' to use the legacy default registry")
    resolved = resolve_builtin_specs(specs)
    return ProactiveTriggerRegistry(
        [
            BUILTIN_TRIGGER_CATALOG[s.id].build(
                ProactiveTriggerTimings(s.interaction_timeout_s, s.cooldown_s), triggering_type=s.triggering_type
            )
            for s in resolved
        ]
    )
