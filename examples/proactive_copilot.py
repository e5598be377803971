"""Proactive copilot: speak first when a user hesitates.

Streams ``actions`` payloads into an ``AsyncProactiveCopilot`` and prints every offer it makes,
with the reason.  With no arguments it starts a local connector loaded with sample traffic (four
ordinary sessions and three that hesitate), prints the offers and ends by itself once every event
has arrived.  Given a stream URL and a token it listens to that connector until Ctrl-C.

    python examples/proactive_copilot.py
    python examples/proactive_copilot.py https://connector.example/stream/my-product sk-...

Needs the ``serve`` extra for the local connector: ``pip install 'autoplay-sdk[serve]'`` (this
SDK, installed as in its README: PyPI's ``autoplay-sdk`` is a different package).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Sequence

from autoplay_sdk import AsyncConnectorClient
from autoplay_sdk.core.models import ActionsPayload
from autoplay_sdk.proactive.copilot import AsyncProactiveCopilot, section_playbook_extra
from autoplay_sdk.proactive.triggers import (
    BUILTIN_TRIGGER_CATALOG,
    TRIGGERING_TYPE_INSTANT,
    TRIGGERING_TYPE_LLM_JUDGE,
    ProactiveTriggerContext,
    ProactiveTriggerEntity,
    ProactiveTriggerRegistry,
    ProactiveTriggerResult,
)
from autoplay_sdk.proactive.triggers.triggers import CanonicalPingPongTrigger

APP = "https://app.tasklane.example"

# Which product section a URL belongs to, and what to say in the sections you have a nudge for.
SECTION_RULES = [
    {"prefix": f"{APP}/settings/import", "section_id": "csv_import"},
    {"prefix": f"{APP}/settings", "section_id": "settings"},
]
SECTION_PLAYBOOK = {
    "csv_import": {
        "body": "Importing tasks from a spreadsheet? I can help you map the columns.",
        "reply_option_labels": ["Yes please", "No thanks"],
    },
}


def build_registry() -> ProactiveTriggerRegistry:
    """Ping-pong (3 bounces, checked by the judge), page dwell and section playbook (both instant)."""
    return ProactiveTriggerRegistry(
        [
            ProactiveTriggerEntity(CanonicalPingPongTrigger(min_cycles=3), triggering_type=TRIGGERING_TYPE_LLM_JUDGE),
            BUILTIN_TRIGGER_CATALOG["user_page_dwell"].build(None, triggering_type=TRIGGERING_TYPE_INSTANT),
            BUILTIN_TRIGGER_CATALOG["section_playbook_match"].build(None, triggering_type=TRIGGERING_TYPE_INSTANT),
        ]
    )


async def judge(context: ProactiveTriggerContext, candidates: Sequence[ProactiveTriggerResult]) -> str:
    """Stands in for a model call: return the model's raw text (JSON, fenced or not).

    A real judge sends the recent actions and the candidates to a model and returns its reply;
    ``parse_llm_judge_json`` reads it (``send``, ``proactive_valid_timing``,
    ``short_user_message``, ``reasoning``).
    """
    pages = [a.title for a in context.recent_actions[-4:]]
    verdict = {
        "send": True,
        "proactive_valid_timing": True,
        "short_user_message": f"Going back and forth between {pages[-2]} and {pages[-1]}? Want a hand?",
        "reasoning": f"{len(candidates)} hesitation signal(s) on the last {len(pages)} actions",
    }
    return "```json\n" + json.dumps(verdict) + "\n```"


def on_proactive(session_id: str, result: ProactiveTriggerResult) -> None:
    """Where a real host posts the message (e.g. an Intercom quick reply)."""
    replies = f"  [{' | '.join(result.reply_option_labels)}]" if result.reply_option_labels else ""
    print(f"{session_id}  {result.trigger_id}: {result.body}{replies}")


async def run(url: str, token: str, expected: int | None) -> None:
    copilot = AsyncProactiveCopilot(
        on_proactive,
        registry=build_registry(),
        judge=judge,
        context_extra=section_playbook_extra(rules=SECTION_RULES, playbook=SECTION_PLAYBOOK),
    )
    client = AsyncConnectorClient(url, token=token, session_concurrency=1)
    seen = 0
    all_seen = asyncio.Event()

    async def on_actions(payload: ActionsPayload) -> None:
        nonlocal seen
        try:
            await copilot.on_actions(payload)
        finally:
            seen += 1
            if expected is not None and seen >= expected:
                all_seen.set()

    client.on_actions(on_actions)
    async with copilot:  # ticks the session state machines in the background
        reader = asyncio.ensure_future(client.run())
        waiter = asyncio.ensure_future(all_seen.wait())
        try:
            await asyncio.wait({reader, waiter}, timeout=60 if expected else None, return_when=asyncio.FIRST_COMPLETED)
        finally:  # also when Ctrl-C cancels this task: stop reading, then report
            client.stop()
            await reader
            waiter.cancel()
            print(f"{copilot.counts.get('delivered', 0)} offers; outcomes: {dict(sorted(copilot.counts.items()))}")


def main() -> None:
    if len(sys.argv) > 1:
        asyncio.run(run(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "", expected=None))
        return
    from autoplay_sdk.testing import LocalConnector, sample_events

    events = sample_events(hesitant=True)
    with LocalConnector(events) as server:
        expected = sum(e["type"] == "actions" for e in events)
        asyncio.run(run(server.stream_url, server.token, expected))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a live run ends: no traceback
        main()
