"""Product sections from URL rules, per-section visit statistics, and the playbook section to use.

A *rule* is a mapping ``{"prefix": <URL prefix>, "section_id": <id>}``; the first rule whose
prefix starts the canonical URL names the section (no slash normalisation).  A URL no rule
matches falls into the fallback section (``"other"`` unless the host names one).
:func:`build_product_section_playbook` turns a session's actions into the
``product_section_playbook`` mapping that :class:`SectionPlaybookTrigger` reads from
``context_extra``; :func:`resolve_section_id_for_playbook` picks the section the trigger speaks
about.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from autoplay_sdk.core.models import SlimAction

__all__ = [
    "build_product_section_playbook",
    "iso8601_utc_z",
    "resolve_section_id",
    "resolve_section_id_for_playbook",
    "top_playbook_section_id",
    "total_dwell_seconds",
]

_FALLBACK_SECTION_ID = "other"


def _normalised(rules: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """``(prefix, section_id)`` of the usable rules, stripped, in order."""
    out: list[tuple[str, str]] = []
    for rule in rules:
        prefix = str(rule.get("prefix") or "").strip()
        section_id = str(rule.get("section_id") or "").strip()
        if prefix and section_id:
            out.append((prefix, section_id))
    return out


def _match(canonical_url: str, rules: list[tuple[str, str]]) -> str | None:
    url = (canonical_url or "").strip()
    if not url:
        return None
    return next((sid for prefix, sid in rules if url.startswith(prefix)), None)


def resolve_section_id(canonical_url: str, rules: Sequence[Mapping[str, Any]]) -> str | None:
    """The stripped ``section_id`` of the first rule whose stripped prefix starts the URL, else ``None``."""
    return _match(canonical_url, _normalised(rules))


def iso8601_utc_z(ts: float) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` in UTC, fraction dropped."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + "Z"


def total_dwell_seconds(section: Mapping[str, Any]) -> float:
    """Sum of ``dwell_seconds_per_visit`` (``0.0`` when it is not a list)."""
    visits = section.get("dwell_seconds_per_visit")
    if not isinstance(visits, list):
        return 0.0
    return float(sum(float(x) for x in visits))


def top_playbook_section_id(
    product_section_playbook: Mapping[str, Any], section_playbook: Mapping[str, Any]
) -> str | None:
    """The playbook section the user spent most time in (then most visits, then id order)."""
    if not isinstance(product_section_playbook, Mapping) or not isinstance(section_playbook, Mapping):
        return None
    sections = product_section_playbook.get("sections")
    if not isinstance(sections, dict) or not sections:
        return None
    candidates = [
        (-total_dwell_seconds(stats), -int(stats.get("visit_count") or 0), sid)
        for sid, stats in sections.items()
        if sid in section_playbook and isinstance(stats, Mapping)
    ]
    return min(candidates)[2] if candidates else None


def build_product_section_playbook(
    actions: Sequence[SlimAction], *, rules: Sequence[Mapping[str, Any]], fallback_id: str | None = None
) -> dict[str, Any]:
    """Per-section visits of ``actions``: ``{"runtime": {"current_section_id"}, "sections": {...}}``.

    Consecutive actions in one section form one visit; a visit's dwell adds up each action's
    ``max(0, end - start)``.  Sections appear in first-seen order, each with ``visit_count``,
    ``dwell_seconds_per_visit`` and ISO-8601 ``first_visited_at`` / ``last_visited_at``.
    """
    if not rules:
        return {"runtime": {"current_section_id": ""}, "sections": {}}
    usable = _normalised(rules)
    fallback = (str(fallback_id).strip() if fallback_id is not None else "") or _FALLBACK_SECTION_ID
    by_url: dict[str, str] = {}

    def effective(url: str) -> str:
        found = by_url.get(url)
        if found is None:
            found = by_url[url] = _match(url, usable) or fallback
        return found

    stats: dict[str, dict[str, Any]] = {}
    previous: str | None = None
    for action in actions:
        sid = effective(action.canonical_url)
        start, end = float(action.timestamp_start), float(action.timestamp_end)
        dwell = max(0.0, end - start)
        entry = stats.get(sid)
        if entry is None:
            stats[sid] = {"visits": [dwell], "first": start, "last": end}
        else:
            if sid == previous:
                entry["visits"][-1] += dwell
            else:
                entry["visits"].append(dwell)
            entry["first"] = min(entry["first"], start)
            entry["last"] = max(entry["last"], end)
        previous = sid
    current = effective(actions[-1].canonical_url) if actions else ""
    return {
        "runtime": {"current_section_id": current},
        "sections": {
            sid: {
                "visit_count": len(entry["visits"]),
                "dwell_seconds_per_visit": [float(v) for v in entry["visits"]],
                "first_visited_at": iso8601_utc_z(entry["first"]),
                "last_visited_at": iso8601_utc_z(entry["last"]),
            }
            for sid, entry in stats.items()
        },
    }


def resolve_section_id_for_playbook(context_extra: Mapping[str, Any]) -> str | None:
    """The playbook section to speak about, or ``None``.

    Order: a non-blank ``current_section_id`` that is in ``section_playbook``; then the top
    section of ``product_section_playbook`` (:func:`top_playbook_section_id`); then that
    mapping's ``runtime.current_section_id`` when it is in the playbook.
    """
    book = context_extra.get("section_playbook")
    if not isinstance(book, dict):
        return None
    current = str(context_extra.get("current_section_id") or "").strip()
    if current and current in book:
        return current
    psp = context_extra.get("product_section_playbook")
    if isinstance(psp, dict):
        top = top_playbook_section_id(psp, book)
        if top:
            return top
        runtime = psp.get("runtime")
        if isinstance(runtime, dict):
            runtime_sid = str(runtime.get("current_section_id") or "").strip()
            if runtime_sid and runtime_sid in book:
                return runtime_sid
    return None
