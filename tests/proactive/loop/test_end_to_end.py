"""The proactive loop end to end: local connector → client → copilot → offers, for both twins,
and the same decisions from ``autoplay-sdk demo``.

The sample's three hesitating sessions (``sample_events(hesitant=True)``) must each get exactly
one offer, from the trigger matching their hesitation; every ordinary session must get none.
"""

from __future__ import annotations

import asyncio
import io
import re
import threading
from collections.abc import Sequence
from typing import Any

import pytest
from rich.console import Console

from autoplay_sdk import AsyncConnectorClient, ConnectorClient
from autoplay_sdk._cli import main
from autoplay_sdk._cli._demo_proactive import (
    DEMO_SECTION_PLAYBOOK,
    DEMO_SECTION_RULES,
    demo_copilot,
    demo_registry,
    stand_in_judge,
)
from autoplay_sdk.core.models import ActionsPayload
from autoplay_sdk.proactive.copilot import ProactiveCopilot, section_playbook_extra
from autoplay_sdk.proactive.triggers import ProactiveTriggerContext, ProactiveTriggerResult
from autoplay_sdk.testing import LocalConnector, sample_events

pytestmark = pytest.mark.timeout(60)

SESSIONS, SEED = 4, 7
TRIGGER_OF = {"ping_pong": "canonical_url_ping_pong", "dwell": "user_page_dwell", "section": "section_playbook_match"}


def split_sessions(events: list[dict[str, Any]]) -> tuple[set[str], dict[str, str]]:
    """(ordinary session ids, hesitating session id → expected trigger id)."""
    ordinary = {e["session_id"] for e in sample_events(sessions=SESSIONS, seed=SEED)}
    hesitant = [s for s in dict.fromkeys(e["session_id"] for e in events) if s not in ordinary]
    # sample_events gives the hesitating personas consecutive indexes; map them by their last URL.
    expected: dict[str, str] = {}
    for sid in hesitant:
        last = [e for e in events if e["session_id"] == sid][-1]["actions"][-1]["canonical_url"]
        kind = "section" if "/settings/import" in last else "dwell" if "/automations" in last else "ping_pong"
        expected[sid] = TRIGGER_OF[kind]
    assert sorted(expected.values()) == sorted(TRIGGER_OF.values())
    return ordinary, expected


class Offers:
    def __init__(self, expected_payloads: int) -> None:
        self.offers: list[tuple[str, ProactiveTriggerResult]] = []
        self.payloads = 0
        self.expected = expected_payloads
        self.done = threading.Event()

    def deliver(self, session_id: str, result: ProactiveTriggerResult) -> None:
        self.offers.append((session_id, result))

    def count(self) -> None:
        self.payloads += 1
        if self.payloads >= self.expected:
            self.done.set()


def check(offers: Offers, ordinary: set[str], expected: dict[str, str]) -> None:
    assert {sid: r.trigger_id for sid, r in offers.offers} == expected
    assert len(offers.offers) == 3  # one offer each, no repeats
    assert not ordinary & {sid for sid, _ in offers.offers}
    bodies = {r.trigger_id: r.body for _, r in offers.offers}
    assert bodies["canonical_url_ping_pong"].startswith("Switching between Board and Timeline?")
    assert bodies["section_playbook_match"] == DEMO_SECTION_PLAYBOOK["csv_import"]["body"]
    assert bodies["user_page_dwell"] == "Still on this page \u2014 want a quick tip?"


def test_async_client_and_copilot_offer_exactly_to_the_hesitating_sessions() -> None:
    events = sample_events(sessions=SESSIONS, seed=SEED, hesitant=True)
    ordinary, expected = split_sessions(events)
    offers = Offers(sum(e["type"] == "actions" for e in events))

    async def main_() -> None:
        copilot = demo_copilot(offers.deliver)

        async def take(payload: ActionsPayload) -> None:
            try:
                await copilot.on_actions(payload)
            finally:
                offers.count()

        with LocalConnector(events) as server:
            client = AsyncConnectorClient(server.stream_url, token=server.token, session_concurrency=1)
            client.on_actions(take)
            async with copilot:
                reader = asyncio.ensure_future(client.run())
                assert await asyncio.to_thread(offers.done.wait, 30)
                client.stop()
                await reader

    asyncio.run(main_())
    check(offers, ordinary, expected)


def test_sync_client_and_copilot_decide_the_same() -> None:
    events = sample_events(sessions=SESSIONS, seed=SEED, hesitant=True)
    ordinary, expected = split_sessions(events)
    offers = Offers(sum(e["type"] == "actions" for e in events))

    def judge(ctx: ProactiveTriggerContext, candidates: Sequence[ProactiveTriggerResult]) -> str:
        return asyncio.run(stand_in_judge(ctx, candidates))

    copilot = ProactiveCopilot(
        offers.deliver,
        registry=demo_registry(),
        judge=judge,
        context_extra=section_playbook_extra(rules=DEMO_SECTION_RULES, playbook=DEMO_SECTION_PLAYBOOK),
    )

    def take(payload: ActionsPayload) -> None:
        try:
            copilot.on_actions(payload)
        finally:
            offers.count()

    with LocalConnector(events) as server, copilot:
        client = ConnectorClient(server.stream_url, token=server.token)
        client.on_actions(take)
        thread = client.run_in_background()
        assert offers.done.wait(30)
        client.stop()
        thread.join(30)
    check(offers, ordinary, expected)


def test_the_short_demo_names_exactly_the_hesitating_sessions_and_their_triggers() -> None:
    out = Console(file=io.StringIO(), width=200)
    err = Console(file=io.StringIO(), width=200)
    code = main(["demo", "--sessions", str(SESSIONS), "--seed", str(SEED)], console=out, err_console=err)
    assert isinstance(out.file, io.StringIO)
    text = out.file.getvalue()
    assert code == 0
    ordinary, expected = split_sessions(sample_events(sessions=SESSIONS, seed=SEED, hesitant=True))
    block = text[text.index("Proactive copilot: speaks first to") :]
    assert f"speaks first to {len(expected)} of {len(ordinary) + len(expected)} sessions" in block
    offered = dict(re.findall(r"(ps_\w{9})…\s+(\w+):", block))
    assert offered == {sid[:12]: trigger_id for sid, trigger_id in expected.items()}


def test_the_verbose_demo_shows_the_offers_and_why() -> None:
    out = Console(file=io.StringIO(), width=200)
    err = Console(file=io.StringIO(), width=200)
    code = main(["demo", "-v", "--sessions", str(SESSIONS), "--seed", str(SEED)], console=out, err_console=err)
    assert isinstance(out.file, io.StringIO)
    text = out.file.getvalue()
    assert code == 0
    events = sample_events(sessions=SESSIONS, seed=SEED, hesitant=True)
    ordinary, expected = split_sessions(events)
    panels = text.split("╭─ Session ")[1:]
    assert len(panels) == len(ordinary) + len(expected)
    flat = {p.split(" ", 1)[0]: " ".join(p.replace("│", " ").split()) for p in panels}
    for sid in ordinary:
        assert "No proactive offer: no hesitation found" in flat[sid]
        assert "Offer:" not in flat[sid]
    for sid, trigger_id in expected.items():
        assert f"Why: {trigger_id} (" in flat[sid]
    assert "the session's top playbook section is 'csv_import'" in " ".join(flat.values())
    assert "judge: the user went back and forth between Board and Timeline" in " ".join(flat.values())
