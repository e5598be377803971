"""The demo's chatbot conversation and adoption state: a real linked conversation, a real completion.

The end-to-end tests run ``run_demo`` with the demo's default stages (a real local connector and
the async client) and check the stages' structured results against what ``sample_events`` says
each session did, computed here independently of the SDK: which actions the linked conversation
must have received, and which batch of which session completes which onboarding workflow.  The
unit tests feed hand-made payloads to each stage.  Synchronisation is by conditions and counts.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from rich.console import Console

from autoplay_sdk._cli import main
from autoplay_sdk._cli._demo import DemoResult, DemoSession, run_demo
from autoplay_sdk._cli._demo_adoption import AdoptionStage
from autoplay_sdk._cli._demo_chatbot import (
    CHAT_OPENS_AFTER,
    CHAT_WEBHOOK_TOPIC,
    ChatbotStage,
    DemoDeskWriter,
    note_action_lines,
)
from autoplay_sdk._cli._demo_stages import default_stages
from autoplay_sdk.chat.chatbot import ConversationEventType
from autoplay_sdk.core.models import ActionsPayload, SlimAction
from autoplay_sdk.testing import sample_events

pytestmark = pytest.mark.timeout(60)

SESSIONS, SEED = 3, 11


def flat(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- what the sample did


def batches_of(events: list[dict[str, Any]], session_id: str) -> list[list[dict[str, Any]]]:
    return [e["actions"] for e in events if e["type"] == "actions" and e["session_id"] == session_id]


def _create_task(a: dict[str, Any]) -> bool:
    return a["type"] == "submit" and "create task" in a["title"].lower()


def _invite(a: dict[str, Any]) -> bool:
    return a["type"] == "submit" and a["canonical_url"].endswith("/settings/team")


def _comment(a: dict[str, Any]) -> bool:
    return a["type"] == "submit" and "comment" in a["title"].lower()


# The demo plan, restated: (workflow id, predicate, matching actions needed).
PLAN_RULES = [("create-task", _create_task, 1), ("invite-teammate", _invite, 1), ("discuss-task", _comment, 2)]


def expected_completions(batches: list[list[dict[str, Any]]]) -> dict[str, int]:
    """Workflow id -> the 1-based batch in which its count of matching actions is reached."""
    out: dict[str, int] = {}
    for workflow_id, matches, needed in PLAN_RULES:
        seen = 0
        for number, batch in enumerate(batches, 1):
            seen += sum(1 for a in batch if matches(a))
            if seen >= needed:
                out[workflow_id] = number
                break
    return out


@dataclass
class Demo:
    result: DemoResult
    chat: ChatbotStage
    adoption: AdoptionStage
    events: list[dict[str, Any]]


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    stages = default_stages()
    result = asyncio.run(run_demo(sessions=SESSIONS, seed=SEED, stages=stages))
    chat = next(s for s in stages if isinstance(s, ChatbotStage))
    adoption = next(s for s in stages if isinstance(s, AdoptionStage))
    yield Demo(result, chat, adoption, sample_events(sessions=SESSIONS, seed=SEED, hesitant=True))


# --------------------------------------------------------------------------- end to end: the chatbot flow


def test_the_first_users_chat_is_linked_mid_stream_and_receives_all_their_activity(demo: Demo) -> None:
    assert demo.result.complete
    first = demo.result.sessions[0]
    flow = demo.chat.flow
    assert flow is not None
    # The simulated webhook named the first user; the manager linked their session.
    assert flow.webhook == {
        "topic": CHAT_WEBHOOK_TOPIC,
        "data": {"id": "conv-1", "user": {"external_id": first.user_id}},
    }
    assert (flow.session_id, flow.user_id, flow.email) == (first.session_id, first.user_id, first.email)
    assert (flow.link.session_id, flow.link.conversation_id) == (first.session_id, "conv-1")
    assert flow.link.event is ConversationEventType.NEW
    assert demo.chat.manager.link_store.get_session_id("conv-1") == first.session_id

    batches = batches_of(demo.events, first.session_id)
    before = [a["description"] for batch in batches[:CHAT_OPENS_AFTER] for a in batch]
    after = [a["description"] for batch in batches[CHAT_OPENS_AFTER:] for a in batch]
    assert flow.batches_before == CHAT_OPENS_AFTER
    assert (flow.actions_before, flow.actions_after) == (len(before), len(after))
    assert after, "the sample session streams on after the chat opens"

    # The link flushed the pre-chat buffer as the first note; the rest followed, in order.
    assert flow.complete and flow.delivered == len(before) + len(after)
    assert all(n.conversation_id == "conv-1" for n in flow.notes)
    assert [line.split("] ", 1)[1] for line in flow.notes[0].action_lines] == before
    later = [line.split("] ", 1)[1] for note in flow.notes[1:] for line in note.action_lines]
    assert later == after
    assert flow.notes[0].body.startswith(f"session_id: {first.session_id}\ntimestamp: ")
    # No other session opened a chat, so the desk holds nothing else.
    assert demo.chat.desk.notes == flow.notes
    # The stored session state is linked: a proactive message goes to the same conversation.
    assert flow.proactive_target == "conv-1"


# --------------------------------------------------------------------------- end to end: adoption state


def test_each_user_completes_the_workflows_their_stream_shows(demo: Demo) -> None:
    completed_somewhere = False
    for session in demo.result.sessions:
        batches = batches_of(demo.events, session.session_id)
        expected = expected_completions(batches)
        got = demo.adoption.completions.get(session.session_id, [])
        assert {c.workflow_id: c.batch for c in got} == expected, session.session_id
        for completion in got:
            assert completion.matching, "the batch holds the action that completed it"
            assert all(a.type == "submit" for a in completion.matching)
        standing = demo.adoption.standings[session.session_id]
        assert set(standing.completed) == set(expected)
        assert standing.user_id == session.user_id
        assert standing.journey == ("onboarded" if len(expected) == len(PLAN_RULES) else "onboarding")
        completed_somewhere = completed_somewhere or bool(expected)
    assert completed_somewhere
    # The spotlight user creates a task in the sample: the short view's example completion.
    first = demo.result.sessions[0]
    assert [c.workflow_id for c in demo.adoption.completions[first.session_id]] == ["create-task"]
    standing = demo.adoption.standings[first.session_id]
    assert standing.next_eligible == ("invite-teammate", "discuss-task")  # inviting needed a task first


async def test_adoption_state_is_read_back_from_the_storage(demo: Demo) -> None:
    first = demo.result.sessions[0]
    assert first.user_id is not None
    state = await demo.adoption.tracker.get_state("demo-product", first.user_id)
    assert state is not None
    assert state.onboarding.completed_workflow_ids == list(demo.adoption.standings[first.session_id].completed)
    assert len(state.discovered_features) == demo.adoption.standings[first.session_id].pages > 0


# --------------------------------------------------------------------------- the short view


def test_the_short_view_shows_the_chat_and_a_completed_workflow() -> None:
    events = sample_events(sessions=SESSIONS, seed=SEED, hesitant=True)
    first_sid = events[0]["session_id"]
    batches = batches_of(events, first_sid)
    total = sum(len(b) for b in batches)
    before = sum(len(b) for b in batches[:CHAT_OPENS_AFTER])
    email = batches[0][0]["email"]

    out = io.StringIO()
    code = main(["demo", "--sessions", str(SESSIONS), "--seed", str(SEED)], console=Console(file=out, width=80))
    text = flat(out.getvalue())
    assert code == 0
    # After the proactive offers, before the summary line, in this order.
    order = [text.index(s) for s in ("Proactive copilot:", "Chatbot conversation", "Adoption state:", "Received ")]
    assert order == sorted(order)
    chat = text[text.index("Chatbot conversation") : text.index("Adoption state:")]
    assert f"links {first_sid} to conv-1 (NEW)" in chat
    assert f"delivered {total}/{total} actions there: {before} from before the chat in one note" in chat
    assert "Proactive messages go to conv-1 too." in chat
    adoption = text[text.index("Adoption state:") : text.index("Received ")]
    assert f"{email} completed Create a task (batch " in adoption
    assert "User submitted the 'Create task' form" in adoption
    assert "next: Invite a teammate, Discuss a task" in adoption


# --------------------------------------------------------------------------- stages, directly


def batch(session_id: str, user_id: str, *steps: tuple[str, str, str]) -> ActionsPayload:
    now = time.time()
    slim = [
        SlimAction(title=t, description=f"User did {t}", canonical_url=url, index=i, type=kind, timestamp_start=now)
        for i, (kind, t, url) in enumerate(steps)
    ]
    return ActionsPayload("prod-1", session_id, user_id, f"{user_id}@example.com", slim, len(slim), now)


BOARD = ("pageview", "Board", "https://app.tasklane.example/projects/:id/board")
CREATE = ("submit", "Create task", "https://app.tasklane.example/projects/:id/board")
INVITE = ("submit", "Send invite", "https://app.tasklane.example/settings/team")
COMMENT = ("submit", "Post comment", "https://app.tasklane.example/projects/:id/tasks/:id")


async def test_chatbot_stage_links_after_the_chosen_batches_and_delivers_later_ones() -> None:
    stage = ChatbotStage(opens_after=2)
    await stage.start([DemoSession("s1", user_id="u1"), DemoSession("s2", user_id="u2")])
    await stage.observe(batch("s2", "u2", BOARD))
    await stage.observe(batch("s2", "u2", BOARD))  # another user's second batch: no chat
    await stage.observe(batch("s1", "u1", BOARD))
    assert stage.flow is None and stage.desk.notes == []  # pre-link: buffered, nothing posted
    await stage.observe(batch("s1", "u1", CREATE, INVITE))
    assert stage.flow is not None and stage.flow.actions_before == 3
    # The link flushed the buffer at once, as one note.
    assert [n.action_lines for n in stage.desk.notes] == [
        ["[1] User did Board", "[2] User did Create task", "[3] User did Send invite"]
    ]
    await stage.observe(batch("s1", "u1", COMMENT))
    section = await stage.annotate(DemoSession("s1"))
    assert stage.flow.complete and stage.flow.actions_after == 1
    assert stage.flow.notes[-1].action_lines == ["[1] User did Post comment"]
    assert section is not None and section.title == "Chatbot conversation"
    assert "linked to conv-1 (NEW)" in section.text and "note-2 in conv-1" in section.text
    assert await stage.annotate(DemoSession("s2")) is None


async def test_chatbot_stage_without_enough_batches_opens_no_chat() -> None:
    stage = ChatbotStage(opens_after=3)
    await stage.start([DemoSession("s1", user_id="u1")])
    await stage.observe(batch("s1", "u1", BOARD))
    await stage.observe(batch("s1", "u1", BOARD))
    assert stage.flow is None
    assert await stage.annotate(DemoSession("s1")) is None


def test_the_desk_writer_parses_its_webhook_only() -> None:
    event = DemoDeskWriter.extract_conversation_event(
        {"topic": CHAT_WEBHOOK_TOPIC, "data": {"id": "c9", "user": {"external_id": "u1"}}}
    )
    assert event is not None and (event.conversation_id, event.external_id) == ("c9", "u1")
    assert DemoDeskWriter.extract_conversation_event({"topic": "conversation.closed", "data": {"id": "c9"}}) is None
    assert note_action_lines("session_id: s\ntimestamp: t\n\n[1] a\n\n[2] b") == ["[1] a", "[2] b"]


async def test_adoption_stage_completes_the_whole_plan_and_onboards_the_user() -> None:
    stage = AdoptionStage()
    await stage.observe(batch("s1", "u1", BOARD, CREATE))
    await stage.observe(batch("s1", "u1", COMMENT, INVITE))
    section = await stage.annotate(DemoSession("s1"))
    standing = stage.standings["s1"]
    assert standing.in_progress == {"discuss-task": 0.5}  # one comment of two
    assert not standing.onboarded
    await stage.observe(batch("s1", "u1", COMMENT))
    section = await stage.annotate(DemoSession("s1"))
    standing = stage.standings["s1"]
    assert [(c.workflow_id, c.batch) for c in standing.completions] == [
        ("create-task", 1),
        ("invite-teammate", 2),
        ("discuss-task", 3),
    ]
    assert standing.onboarded and standing.next_eligible == () and standing.in_progress == {}
    assert standing.pages == 3  # board, team settings, task
    assert section is not None and section.title == "Adoption state"
    assert "Journey: onboarded · completed 3 of 3" in section.text
    assert await stage.annotate(DemoSession("nobody")) is None
