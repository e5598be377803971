"""``autoplay-sdk demo`` grown to the whole pipeline: stream → context → enriched query → assembled prompt.

The end-to-end test runs the real command once (local connector, async client, both stages) and
checks every session's panel against what ``sample_events`` says that session did.  The unit
tests feed hand-made payloads to each stage.  Synchronisation is by counting and flushing, never
by sleeping.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from rich.console import Console

from autoplay_sdk._cli import main
from autoplay_sdk._cli._demo import DemoSection, DemoSession
from autoplay_sdk._cli._demo_stages import (
    DEFAULT_QUESTION,
    SUMMARY_FROM_CONNECTOR,
    SUMMARY_FROM_LOCAL,
    SUMMARY_THRESHOLD,
    SYSTEM_PROMPT_LINES,
    ContextStage,
    PromptStage,
    ReplyRequest,
    stand_in_reply,
)
from autoplay_sdk.core.models import ActionsPayload, SlimAction, SummaryPayload
from autoplay_sdk.testing import local_summarizer_llm_sync, sample_events

pytestmark = pytest.mark.timeout(30)

SESSIONS, SEED = 3, 11
INVITE_ARTICLE = "Invite teammates to your workspace"


def flat(text: str) -> str:
    """Whitespace-insensitive form: rich wraps long lines inside the panels."""
    return " ".join(text.split())


# --------------------------------------------------------------------------- reading the output


@dataclass
class Panel:
    """One session panel of the demo output: its title line and its stage sections by title."""

    title: str
    sections: dict[str, str]


def _inner(line: str, depth: int) -> str:
    """A panel line without ``depth`` levels of ``│`` borders on each side."""
    for _ in range(depth):
        line = line.strip()
        line = line.removeprefix("│").removesuffix("│")
    return line.strip()


def session_panels(out: str) -> list[Panel]:
    """The session panels of ``out``, in order, with each nested section's text (borders removed)."""
    raw: list[tuple[str, dict[str, list[str]]]] = []
    section: list[str] | None = None
    for line in out.splitlines():
        if line.startswith("╭─ Session "):
            raw.append((line.strip("╭─╮ "), {}))
        elif line.startswith("│ ╭─ "):
            title = line.removeprefix("│ ╭─ ").split(" ──", 1)[0].rstrip("─ ")
            section = raw[-1][1][title] = []
        elif line.startswith("│ ╰"):
            section = None
        elif section is not None:
            section.append(_inner(line, 2))
    return [Panel(title, {t: "\n".join(lines) for t, lines in sections.items()}) for title, sections in raw]


# --------------------------------------------------------------------------- what each session did


@dataclass
class Expected:
    session_id: str
    email: str
    last_action: SlimAction
    summary_source: str
    summary: str


def expected_sessions(events: list[dict[str, Any]]) -> list[Expected]:
    """Per session, in sample order: its last action and the summary the store should end with.

    Summaries land in one slot per session, newest wins in stream order: a connector ``summary``
    event, or a local summary each time ``SUMMARY_THRESHOLD`` actions are pending (the summary of
    exactly those actions; ``local_summarizer_llm`` reads the same fields from ``to_text()`` lines).
    """
    out: list[Expected] = []
    for sid in dict.fromkeys(e["session_id"] for e in events):
        mine = [e for e in events if e["session_id"] == sid]
        pending: list[SlimAction] = []
        source, summary = "", ""
        for event in mine:
            if event["type"] == "actions":
                pending += ActionsPayload.from_dict(event).actions
                if len(pending) >= SUMMARY_THRESHOLD:
                    source = SUMMARY_FROM_LOCAL
                    summary = local_summarizer_llm_sync("\n".join(a.to_text() for a in pending))
                    pending = []
            else:
                source, summary = SUMMARY_FROM_CONNECTOR, event["summary"]
        actions = [e for e in mine if e["type"] == "actions"]
        last = ActionsPayload.from_dict(actions[-1]).actions[-1]
        out.append(Expected(sid, actions[0]["email"], last, source, summary))
    return out


@dataclass
class DemoRun:
    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
def demo_run() -> DemoRun:
    out = Console(file=io.StringIO(), width=140)
    err = Console(file=io.StringIO(), width=140)
    code = main(["demo", "-v", "--sessions", str(SESSIONS), "--seed", str(SEED)], console=out, err_console=err)
    assert isinstance(out.file, io.StringIO) and isinstance(err.file, io.StringIO)
    return DemoRun(code, out.file.getvalue(), err.file.getvalue())


@pytest.fixture(scope="module")
def expected() -> list[Expected]:
    return expected_sessions(sample_events(sessions=SESSIONS, seed=SEED, hesitant=True))


def _section(panel: Panel, prefix: str) -> str:
    matches = [text for title, text in panel.sections.items() if title.startswith(prefix)]
    assert len(matches) == 1, f"{prefix!r} not exactly once in {list(panel.sections)}"
    return matches[0]


# --------------------------------------------------------------------------- end to end


def test_demo_exits_0_with_every_event_and_one_panel_per_session(demo_run: DemoRun, expected: list[Expected]) -> None:
    assert demo_run.code == 0, demo_run.err
    assert demo_run.err == ""
    n = len(sample_events(sessions=SESSIONS, seed=SEED, hesitant=True))
    assert f"Received {n}/{n} events" in flat(demo_run.out)
    panels = session_panels(demo_run.out)
    assert [p.title.split(" · ")[0] for p in panels] == [f"Session {e.session_id}" for e in expected]


def test_demo_shows_each_sessions_enriched_query(demo_run: DemoRun, expected: list[Expected]) -> None:
    for panel, exp in zip(session_panels(demo_run.out), expected, strict=True):
        title = next(t for t in panel.sections if t.startswith("Enriched query"))
        assert title == f"Enriched query · summary from {exp.summary_source}"
        enriched = flat(_section(panel, "Enriched query"))
        assert enriched.startswith("[Session context] Summary: ")
        assert f"Summary: {flat(exp.summary)} Recent activity: 1. " in enriched
        # The newest streamed action of this session is the last activity line, right before the
        # query, exactly as the store renders it ("10. [3] pageview: …").
        assert re.search(rf" \d+\. {re.escape(flat(exp.last_action.to_text()))} \[Query\] ", enriched)
        assert enriched.endswith(f"[Query] {DEFAULT_QUESTION}")
    # The sample and seed exercise both summary sources: the connector's and the local summarizer's.
    assert {e.summary_source for e in expected} == {SUMMARY_FROM_CONNECTOR, SUMMARY_FROM_LOCAL}


def test_demo_shows_each_sessions_assembled_prompt_and_reply(demo_run: DemoRun, expected: list[Expected]) -> None:
    for panel, exp in zip(session_panels(demo_run.out), expected, strict=True):
        enriched = flat(_section(panel, "Enriched query"))
        activity = enriched.removeprefix("[Session context] ").split(" [Query] ")[0]
        prompt = flat(_section(panel, "Assembled chat prompt"))

        system, _, rest = prompt.partition("── user message (assemble_rag_chat_context) ──")
        assert "You are the Adoption Copilot" in system
        assert f'The user\'s current question: "{DEFAULT_QUESTION}"' in system
        assert "more lines)" in system  # the long system prompt is cut …
        user_block, _, reply = rest.partition("── reply (offline stand-in model, no network) ──")
        # … but the user block is whole: the same activity as the enriched query, KB, the question.
        assert user_block.strip().startswith(f"[RECENT PRODUCT ACTIVITY] {activity} Knowledge base excerpts:")
        assert f"--- {INVITE_ARTICLE} ---" in user_block
        assert user_block.strip().endswith(f"[CURRENT USER MESSAGE] {DEFAULT_QUESTION}")
        # The stand-in answers from the prompt: the session's latest step and the help article.
        assert exp.last_action.canonical_url in reply
        assert exp.last_action.description.removeprefix("User ").split("'")[0].strip() in reply
        assert f"From the help article “{INVITE_ARTICLE}”" in reply


def test_demo_verbose_shows_the_chat_notes_and_every_users_adoption_state(
    demo_run: DemoRun, expected: list[Expected]
) -> None:
    panels = session_panels(demo_run.out)
    events = sample_events(sessions=SESSIONS, seed=SEED, hesitant=True)
    # Only the first session's user opens a chat; its section holds every note, so every action.
    chat = flat(_section(panels[0], "Chatbot conversation"))
    assert "on_chatbot_event → " + expected[0].session_id + " linked to conv-1 (NEW)" in chat
    assert "── note-1 in conv-1 ──" in chat
    first = [
        a for e in events if e["type"] == "actions" and e["session_id"] == expected[0].session_id for a in e["actions"]
    ]
    assert f"Delivered {len(first)} of {len(first)} actions in " in chat
    for action in first:
        assert flat(action["description"]) in chat
    for panel in panels[1:]:
        assert not any(t.startswith("Chatbot conversation") for t in panel.sections)
    # Every session says where its user stands in the onboarding plan.
    for panel in panels:
        adoption = flat(_section(panel, "Adoption state"))
        assert "Journey: onboarding" in adoption and "Next eligible: " in adoption
    assert "Completed Create a task (create-task) with batch " in flat(_section(panels[0], "Adoption state"))


# --------------------------------------------------------------------------- stages, directly


def actions(session_id: str, at: float, *steps: tuple[str, str, str]) -> ActionsPayload:
    slim = [
        SlimAction(title=d, description=d, canonical_url=url, index=i, type=kind)
        for i, (kind, d, url) in enumerate(steps)
    ]
    return ActionsPayload("prod-1", session_id, "u-1", "ada@example.com", slim, len(slim), at)


BOARD = ("pageview", "User viewed the Website board", "https://app.tasklane.example/projects/:id/board")
NEW_TASK = ("click", "User clicked the 'New task' button", "https://app.tasklane.example/projects/:id/board")
TEAM = ("pageview", "User viewed the Team settings page", "https://app.tasklane.example/settings/team")
INVITE = ("click", "User clicked the 'Invite member' button", "https://app.tasklane.example/settings/team")


@pytest.fixture
async def context() -> AsyncIterator[ContextStage]:
    stage = ContextStage(threshold=3)
    yield stage
    await stage.aclose()


def session(session_id: str = "s1") -> DemoSession:
    return DemoSession(session_id, user_id="u-1", email="ada@example.com")


async def test_context_stage_enriches_with_actions_and_the_newest_summary_in_stream_order(
    context: ContextStage,
) -> None:
    await context.observe(actions("s1", 100.0, BOARD, NEW_TASK))
    section = await context.annotate(session())
    assert section == DemoSection(
        "Enriched query · no summary yet",
        "[Session context]\nRecent activity:\n"
        f"1. [0] pageview: {BOARD[1]} — {BOARD[2]}\n"
        f"2. [1] click: {NEW_TASK[1]} — {NEW_TASK[2]}\n\n"
        f"[Query]\n{DEFAULT_QUESTION}",
    )

    # 4 actions pending ≥ threshold 3: the local summarizer summarises them, off the caller's
    # path; a connector summary arriving right after is newer in the stream, so it is the one shown.
    await context.observe(actions("s1", 101.0, TEAM, INVITE))
    await context.observe(SummaryPayload("prod-1", "s1", "Ada opened the board and the team page.", 4, 102.0))
    section = await context.annotate(session())
    assert section is not None and section.title == "Enriched query · summary from the connector"
    assert section.text.startswith("[Session context]\nSummary: Ada opened the board and the team page.\n\n")
    assert section.text.endswith(f"4. [1] click: {INVITE[1]} — {INVITE[2]}\n\n[Query]\n{DEFAULT_QUESTION}")

    # Three more actions: a new local summary of just those, newest again.
    await context.observe(actions("s1", 103.0, BOARD, NEW_TASK, TEAM))
    section = await context.annotate(session())
    assert section is not None and section.title == "Enriched query · summary from local_summarizer_llm"
    newest = local_summarizer_llm_sync(
        "\n".join(f"[{i}] {k}: {d} — {u}" for i, (k, d, u) in enumerate((BOARD, NEW_TASK, TEAM)))
    )
    assert f"Summary: {newest}\n" in section.text


async def test_context_stage_skips_sessions_without_context(context: ContextStage) -> None:
    await context.observe(actions("s1", 100.0, BOARD))
    assert await context.annotate(session("other")) is None


async def test_context_stage_aclose_stops_the_summarizer_workers() -> None:
    stage = ContextStage(threshold=100)
    await stage.observe(actions("s1", 100.0, BOARD))
    await stage.observe(actions("s2", 100.0, TEAM))
    assert len(stage.summarizer.workers) == 2
    workers = list(stage.summarizer.workers.values())
    await stage.aclose()
    assert stage.summarizer.queues == {}
    assert all(w.done() for w in workers)


async def test_prompt_stage_builds_system_prompt_and_whole_user_block(context: ContextStage) -> None:
    await context.observe(actions("s1", 100.0, BOARD, TEAM))
    prompts = PromptStage(context)
    section = await prompts.annotate(session())
    assert section is not None and section.title == "Assembled chat prompt → stand-in reply"
    prompt = prompts.prompts["s1"]

    activity = context.store.get("s1", product_id="prod-1")
    assert prompt.user_block.startswith(f"[RECENT PRODUCT ACTIVITY]\n{activity}\n\nKnowledge base excerpts:")
    assert prompt.user_block.endswith(f"[CURRENT USER MESSAGE]\n{DEFAULT_QUESTION}")
    assert f"--- {INVITE_ARTICLE} ---" in prompt.user_block
    # The system prompt carries the question and the same activity as its selected context.
    assert f'"{DEFAULT_QUESTION}"' in prompt.system_prompt
    assert activity in prompt.system_prompt

    total = len(prompt.system_prompt.splitlines())
    head = prompt.system_prompt.splitlines()[0]
    assert section.text.startswith(f"── system prompt (format_rag_system_prompt, {total} lines) ──\n{head}\n")
    assert f"\n… ({total - SYSTEM_PROMPT_LINES} more lines)\n" in section.text
    assert "Core rules:" in prompt.system_prompt and "Core rules:" not in section.text
    assert f"\n{prompt.user_block}\n" in section.text  # the user block is shown whole
    assert section.text.endswith(f"── reply (offline stand-in model, no network) ──\n{prompt.reply}")
    assert prompt.reply.startswith(f"I can see you just viewed the Team settings page ({TEAM[2]}).")


async def test_prompt_stage_sends_the_prompt_to_the_given_model(context: ContextStage) -> None:
    await context.observe(actions("s1", 100.0, BOARD))
    received: list[tuple[str, str]] = []

    async def model(request: ReplyRequest) -> str:
        received.append((request.system_prompt, request.user_block))
        assert request.latest_action is not None and request.latest_action.description == BOARD[1]
        assert [a["title"] for a in request.articles] == ["Connect GitHub"]
        return "Use the Team page."

    prompts = PromptStage(context, question="How do I connect GitHub?", llm=model)
    section = await prompts.annotate(session())
    prompt = prompts.prompts["s1"]
    assert received == [(prompt.system_prompt, prompt.user_block)]
    assert "--- Connect GitHub ---" in prompt.user_block
    assert section is not None and section.text.endswith("\nUse the Team page.")
    assert await prompts.annotate(session("nobody")) is None


async def test_stand_in_reply_does_not_guess_without_an_article() -> None:
    latest = SlimAction(title=BOARD[1], description=BOARD[1], canonical_url=BOARD[2], type=BOARD[0])
    request = ReplyRequest("system", "not read by the stand-in", "What is the weather?", latest, ())
    reply = await stand_in_reply(request)
    assert reply == (
        f"I can see you just viewed the Website board ({BOARD[2]}).\n"
        "I could not find a help article about “What is the weather?”, so I would rather not guess."
    )


def test_demo_question_option_reaches_every_enriched_query() -> None:
    out = io.StringIO()
    code = main(
        ["demo", "-v", "--sessions", "2", "--question", "Where do I change billing?"],
        console=Console(file=out, width=140),
    )
    text = out.getvalue()
    assert code == 0
    assert text.count("Where do I change billing?") >= 4  # enriched query and user message, per session
    assert DEFAULT_QUESTION not in text


async def test_stand_in_reply_answers_from_the_first_article_and_never_reads_the_prompt_text() -> None:
    article = {"title": "Export a report as CSV", "content": " Open Reports and click 'Export CSV'. "}
    request = ReplyRequest("", "", "How do I export?", None, (article, {"title": "Other", "content": "no"}))
    assert await stand_in_reply(request) == (
        "From the help article “Export a report as CSV”: Open Reports and click 'Export CSV'."
    )
