"""The default ``autoplay-sdk demo`` output: a short story instead of every session in full.

A header says what runs and where its code is; one session is followed through the whole
pipeline (stream → typed payload → context → enriched query → assembled prompt → reply); the
other sessions get one row each in a table.  ``-v`` shows every session in full instead
(``_render.demo_panels``).  Functions here build renderables; they never print.

Every text shown is what the SDK returned, unedited: the short view asks the store for fewer
actions (``enrich(..., max_actions=3)``) and rebuilds the user message with
:func:`~autoplay_sdk.rag.query.build_user_prompt_block` from the assembly, with the activity
block stood in for by a pointer to step 3, instead of cutting the rendered text apart.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from rich import box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from autoplay_sdk._cli._common import plural as _plural
from autoplay_sdk._cli._demo import DemoResult, DemoSession
from autoplay_sdk._cli._demo_adoption import AdoptionStanding
from autoplay_sdk._cli._demo_chatbot import ChatFlow
from autoplay_sdk._cli._demo_stages import BRIEF_ACTIONS, AssembledPrompt
from autoplay_sdk.core.models import ActionsPayload
from autoplay_sdk.proactive.copilot import ProactiveDecision
from autoplay_sdk.rag.query import build_user_prompt_block

PAYLOAD_LINES = 2  # action lines shown of the spotlighted payload
STEP_3_POINTER = "(the session context: its summary and newest actions, as in step 3)"


def demo_header(result: DemoResult, *, question: str) -> RenderableType:
    """What is running, where, and where its code lives."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row("Stream", f"LocalConnector + sample_events() at {result.stream_url} → AsyncConnectorClient")
    grid.add_row("Pipeline", "AsyncContextStore, AsyncSessionSummarizer, assemble_rag_chat_context (offline)")
    grid.add_row("Question", question)
    grid.add_row("Code", "autoplay_sdk/_cli/_demo_stages.py; programs to copy: examples/")
    return Panel(grid, title="autoplay-sdk demo: the whole pipeline, offline", border_style="green", expand=False)


def _step(number: int, title: str, body: RenderableType | None = None) -> RenderableType:
    head = Text.assemble((f"{number}. ", "bold green"), (title, "bold"))
    return head if body is None else Group(head, Padding(body, (0, 0, 0, 3)))


def _payload_text(payload: ActionsPayload) -> Text:
    lines = payload.to_text().splitlines()
    shown = lines[: PAYLOAD_LINES + 1]
    if len(lines) > len(shown):
        shown.append(f"… {len(lines) - len(shown)} more actions")
    return Text("\n".join(shown))


def demo_story(
    result: DemoResult, session: DemoSession, prompt: AssembledPrompt | None, brief: str | None = None
) -> RenderableType:
    """``session`` through every step of the pipeline; ``brief`` is its short enriched query."""
    steps: list[RenderableType] = [
        _step(
            1,
            f"Stream: {_plural(result.received, 'payload')} ({result.actions_received} actions, "
            f"{result.summaries_received} summaries) from {_plural(len(result.sessions), 'session')}",
        )
    ]
    first = next(iter(session.actions), None)
    if first is not None:
        steps.append(_step(2, f"Typed payload: ActionsPayload, count={first.count}, to_text():", _payload_text(first)))
    context = next((s for s in session.sections if s.title.startswith("Enriched query")), None)
    if context is not None:
        source = context.title.partition(" · ")[2] or "no summary yet"
        call = f"store.enrich(…, max_actions={BRIEF_ACTIONS})" if brief is not None else "store.enrich()"
        steps.append(_step(3, f"Enriched query: {call}, {source}", Text(brief if brief is not None else context.text)))
    if prompt is not None:
        system_lines = len(prompt.system_prompt.splitlines())
        user = prompt.user_block
        if prompt.assembly is not None and prompt.assembly.recent_activity.strip():
            user = build_user_prompt_block(dataclasses.replace(prompt.assembly, recent_activity=STEP_3_POINTER))
        steps.append(
            _step(
                4,
                f"Assembled prompt: a {system_lines}-line system prompt (see -v) and this user message",
                Text(user),
            )
        )
        steps.append(_step(5, "Reply (offline stand-in model)", Text(prompt.reply, style="italic")))
    who = session.email or session.user_id or "anonymous"
    return Panel(
        Group(*steps),
        title=Text.assemble(("One session, step by step: ", "bold"), session.session_id, f" · {who}"),
        title_align="left",
        border_style="cyan",
    )


def demo_table(sessions: Sequence[DemoSession], prompts: Mapping[str, AssembledPrompt]) -> RenderableType:
    """One row per session: who, what arrived, and the first line of the stand-in's reply."""
    table = Table(title="The other sessions", box=box.SIMPLE_HEAD, title_justify="left", expand=False)
    table.add_column("Session", no_wrap=True, min_width=12)
    table.add_column("User", no_wrap=True, overflow="ellipsis", max_width=24)
    table.add_column("Actions", justify="right", no_wrap=True, min_width=7)
    table.add_column("Summaries", justify="right", no_wrap=True, min_width=9)
    table.add_column("Reply starts", overflow="ellipsis", no_wrap=True, max_width=40)
    for session in sessions:
        prompt = prompts.get(session.session_id)
        reply = prompt.reply.splitlines()[0] if prompt is not None and prompt.reply else ""
        table.add_row(
            session.session_id,
            session.email or session.user_id or "",
            str(sum(p.count for p in session.actions)),
            str(len(session.summaries)),
            reply,
        )
    return table


def demo_offers(sessions: Sequence[DemoSession], offers: Mapping[str, ProactiveDecision]) -> RenderableType:
    """Which sessions the proactive copilot speaks to first: one line each, trigger and offer."""
    text = Text()
    text.append(f"Proactive copilot: speaks first to {len(offers)} of {len(sessions)} sessions", style="bold")
    text.append(" (-v shows why)\n", style="dim")
    for session in sessions:
        decision = offers.get(session.session_id)
        if decision is None or decision.result is None:
            continue
        text.append(f"  {session.session_id[:12]}…  ", style="cyan")
        text.append(f"{decision.result.trigger_id}: ", style="bold")
        text.append(f"{decision.result.body}\n")
    text.rstrip()
    return text


def demo_chat(flow: ChatFlow | None) -> RenderableType:
    """The chatbot flow in a few lines: the webhook, the link, what the manager delivered, the proactive target."""
    text = Text()
    text.append("Chatbot conversation", style="bold")
    if flow is None:
        text.append(": no chat opened (the first session ended too soon)")
        return text
    text.append(" (-v shows the notes)", style="dim")
    total = flow.actions_before + flow.actions_after
    text.append(
        f": after {flow.batches_before} batches, the chat webhook ({flow.webhook['topic']}) links "
        f"{flow.link.session_id} to {flow.conversation_id} ({flow.link.event.value}). "
        f"AutoplayChatbotManager delivered {flow.delivered}/{total} actions there: {flow.actions_before} from "
        f"before the chat in one note, {flow.actions_after} as debounced notes. Proactive messages go to "
        f"{flow.proactive_target or 'nowhere (unlinked)'} too."
    )
    return text


def demo_adoption(
    sessions: Sequence[DemoSession], standings: Mapping[str, AdoptionStanding], names: Mapping[str, str]
) -> RenderableType:
    """How many users completed an onboarding workflow on the stream; the first of them, and what is next."""
    done = [(s, standings[s.session_id]) for s in sessions if s.session_id in standings]
    completing = [(s, st) for s, st in done if st.completions]
    text = Text()
    text.append(
        f"Adoption state: {len(completing)} of {_plural(len(done), 'user')} completed an onboarding workflow",
        style="bold",
    )
    text.append(" (-v shows every user)", style="dim")
    if not completing:
        return text
    session, standing = completing[0]
    first = standing.completions[0]
    evidence = first.matching[0].description if first.matching else first.evidence
    upcoming = ", ".join(names.get(w, w) for w in standing.next_eligible) or "nothing (onboarded)"
    text.append(f"\n  {session.email or standing.user_id} ", style="cyan")
    text.append(f"completed {first.name}", style="bold")
    text.append(
        f" (batch {first.batch}: {evidence}) · {len(standing.completed)}/{standing.workflows} done, "
        f"{standing.journey} · next: {upcoming}"
    )
    return text


def demo_hint() -> Text:
    """How to see more."""
    return Text(
        "More: --sessions N for more sample sessions, -v for every session in full, --question to ask something else.",
        style="dim",
    )
