"""The proactive stage of ``autoplay-sdk demo``: which sample sessions get a proactive offer, and why.

:class:`ProactiveStage` feeds every ``actions`` payload, as it arrives, to an
:class:`~autoplay_sdk.proactive.copilot.AsyncProactiveCopilot` configured for the sample app
(:func:`demo_copilot`), and attaches to each session the offer it made (body, quick replies, the
trigger and the evidence) or says that none was made.  Everything is offline and deterministic:
the judge is :func:`stand_in_judge`, a function that approves a ping-pong candidate with a message
naming the two pages, instead of a model.

The demo registry, in evaluation order:

* URL ping-pong with ``min_cycles=3`` (three A → B → A bounces), judge-gated — one bounce
  happens in ordinary work (a task page and back to the board);
* page dwell (60 s, at most 5 actions), instant;
* section playbook over :data:`DEMO_SECTION_RULES` / :data:`DEMO_SECTION_PLAYBOOK` (only the CSV
  import section has a nudge), instant.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from autoplay_sdk._cli._demo import DemoSection, DemoSession
from autoplay_sdk.core.models import ActionsPayload, AnyPayload
from autoplay_sdk.proactive.copilot import AsyncProactiveCopilot, ProactiveDecision, section_playbook_extra
from autoplay_sdk.proactive.triggers import (
    BUILTIN_TRIGGER_CATALOG,
    TRIGGER_ID_CANONICAL_URL_PING_PONG,
    TRIGGER_ID_SECTION_PLAYBOOK_MATCH,
    TRIGGER_ID_USER_PAGE_DWELL,
    TRIGGERING_TYPE_INSTANT,
    TRIGGERING_TYPE_LLM_JUDGE,
    ProactiveTriggerContext,
    ProactiveTriggerEntity,
    ProactiveTriggerRegistry,
    ProactiveTriggerResult,
)
from autoplay_sdk.proactive.triggers.triggers import CanonicalPingPongTrigger

__all__ = [
    "DEMO_PING_PONG_MIN_CYCLES",
    "DEMO_SECTION_PLAYBOOK",
    "DEMO_SECTION_RULES",
    "ProactiveStage",
    "demo_copilot",
    "demo_registry",
    "describe_decision",
    "stand_in_judge",
]

_ORIGIN = "https://app.tasklane.example"

DEMO_PING_PONG_MIN_CYCLES = 3

DEMO_SECTION_RULES: list[dict[str, str]] = [
    {"prefix": f"{_ORIGIN}/settings/import", "section_id": "csv_import"},
    {"prefix": f"{_ORIGIN}/settings", "section_id": "settings"},
    {"prefix": f"{_ORIGIN}/projects", "section_id": "projects"},
    {"prefix": f"{_ORIGIN}/reports", "section_id": "reports"},
]

DEMO_SECTION_PLAYBOOK: dict[str, Any] = {
    "csv_import": {
        "body": "Importing tasks from a spreadsheet? I can help you map the columns.",
        "reply_option_labels": ["Yes, help me map them", "No thanks"],
    },
}


def demo_registry() -> ProactiveTriggerRegistry:
    """The demo's triggers (see the module docstring)."""
    catalog = BUILTIN_TRIGGER_CATALOG
    return ProactiveTriggerRegistry(
        [
            ProactiveTriggerEntity(
                CanonicalPingPongTrigger(min_cycles=DEMO_PING_PONG_MIN_CYCLES),
                triggering_type=TRIGGERING_TYPE_LLM_JUDGE,
            ),
            catalog[TRIGGER_ID_USER_PAGE_DWELL].build(None, triggering_type=TRIGGERING_TYPE_INSTANT),
            catalog[TRIGGER_ID_SECTION_PLAYBOOK_MATCH].build(None, triggering_type=TRIGGERING_TYPE_INSTANT),
        ]
    )


def _bounced_pages(ctx: ProactiveTriggerContext) -> tuple[str, str] | None:
    """The titles of the last two pages the user bounced between, if the newest actions alternate."""
    actions = [a for a in ctx.recent_actions if a.canonical_url]
    for i in range(len(actions) - 3, -1, -1):
        a, b, c = actions[i : i + 3]
        if a.canonical_url == c.canonical_url != b.canonical_url:
            return a.title, b.title
    return None


async def stand_in_judge(ctx: ProactiveTriggerContext, candidates: Sequence[ProactiveTriggerResult]) -> str:
    """An offline judge: approves a ping-pong candidate with a message naming the two pages.

    Returns the JSON text a judge model would (see ``parse_llm_judge_json``); declines anything
    else, and a ping-pong it cannot explain.
    """
    pages = _bounced_pages(ctx) if any(c.trigger_id == TRIGGER_ID_CANONICAL_URL_PING_PONG for c in candidates) else None
    if pages is None:
        return json.dumps({"send": False, "proactive_valid_timing": False, "reasoning": "no clear hesitation"})
    first, second = pages
    return json.dumps(
        {
            "send": True,
            "proactive_valid_timing": True,
            "short_user_message": f"Switching between {first} and {second}? I can show you what each view is best for.",
            "reasoning": f"the user went back and forth between {first} and {second}",
            "proactive_intent": "assist",
        }
    )


def demo_copilot(on_proactive: Any) -> AsyncProactiveCopilot:
    """The copilot the demo runs: :func:`demo_registry`, :func:`stand_in_judge`, the section playbook."""
    return AsyncProactiveCopilot(
        on_proactive,
        registry=demo_registry(),
        judge=stand_in_judge,
        context_extra=section_playbook_extra(rules=DEMO_SECTION_RULES, playbook=DEMO_SECTION_PLAYBOOK),
    )


def _why(result: ProactiveTriggerResult) -> str:
    md = result.metadata
    name = BUILTIN_TRIGGER_CATALOG[result.trigger_id].name if result.trigger_id in BUILTIN_TRIGGER_CATALOG else ""
    head = f"{result.trigger_id} ({name}), {md.get('triggering_type', 'no triggering type')}"
    if result.trigger_id == TRIGGER_ID_USER_PAGE_DWELL:
        detail = (
            f"{md['user_page_dwell_seconds']:.0f} s on {md['user_page_dwell_canonical_url']} with "
            f"{md['user_page_dwell_action_count']} actions (threshold {md['dwell_threshold_seconds']:.0f} s, "
            f"at most {md['user_page_dwell_max_actions']} actions)"
        )
    elif result.trigger_id == TRIGGER_ID_SECTION_PLAYBOOK_MATCH:
        detail = f"the session's top playbook section is {md['section_id']!r}"
    elif result.trigger_id == TRIGGER_ID_CANONICAL_URL_PING_PONG:
        detail = f"at least {md.get('min_cycles')} back-and-forth bounces; judge: {md.get('judge_reasoning', '-')}"
    else:
        detail = ", ".join(f"{k}={v}" for k, v in md.items())
    return f"{head}: {detail}"


def describe_decision(decision: ProactiveDecision | None, outcomes: Mapping[str, int]) -> str:
    """The text of a session's section: the offer and why, or that none was made and why not."""
    if decision is None or decision.result is None:
        seen = ", ".join(f"{outcome} \u00d7{n}" for outcome, n in sorted(outcomes.items())) or "none"
        return f"No proactive offer: no hesitation found (copilot outcomes per actions payload: {seen})."
    result = decision.result
    lines = [f"Offer: {result.body}"]
    if result.reply_option_labels:
        lines.append("Quick replies: " + " | ".join(result.reply_option_labels))
    lines.append(f"Why: {_why(result)}")
    lines.append(
        f"Session state: proactive for {result.interaction_timeout_s:.0f} s, then {result.cooldown_s:.0f} s cooldown"
    )
    return "\n".join(lines)


class ProactiveStage:
    """Runs every ``actions`` payload through the demo copilot; shows each session's offer."""

    title = "Proactive copilot"

    def __init__(self) -> None:
        self.offers: dict[str, ProactiveDecision] = {}
        self.outcomes: dict[str, Counter[str]] = {}
        self.copilot = demo_copilot(lambda session_id, result: None)

    async def observe(self, payload: AnyPayload) -> None:
        if not isinstance(payload, ActionsPayload):
            return
        sid = payload.session_id or ""
        decision = await self.copilot.on_actions(payload)
        self.outcomes.setdefault(sid, Counter())[decision.outcome.value] += 1
        if decision.delivered:
            self.offers.setdefault(sid, decision)

    async def annotate(self, session: DemoSession) -> DemoSection | None:
        if not session.actions:
            return None
        sid = session.session_id
        return DemoSection(self.title, describe_decision(self.offers.get(sid), self.outcomes.get(sid, Counter())))
