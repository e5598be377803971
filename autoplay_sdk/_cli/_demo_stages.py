"""The default stages of ``autoplay-sdk demo``: context enrichment, then prompt assembly.

:func:`default_stages` adds the stages of the other modules after these two: the proactive
copilot, the chatbot conversation and adoption state.

Library code: the stages compute text and return it as :class:`~autoplay_sdk._cli._demo.DemoSection` s;
the CLI renders them.  Everything is offline and deterministic: the summarizer LLM is
:func:`~autoplay_sdk.testing.local_summarizer_llm`, the knowledge base is a handful of in-memory
help articles about the sample app ("Tasklane"), and the reply comes from :func:`stand_in_reply`,
a function that answers from the prompt it is given.  No network call is made.

- :class:`ContextStage` feeds every ``actions`` payload to an
  :class:`~autoplay_sdk.AsyncContextStore` and to an :class:`~autoplay_sdk.AsyncSessionSummarizer`
  (whose ``on_summary`` the store installs on itself), and every connector ``summary`` payload to
  the store's ``on_summary``.  Its section is ``store.enrich(session_id, question, product_id=...)``.
- :class:`PromptStage` builds what a reply model would receive for the same question: the user
  block from :func:`~autoplay_sdk.rag.query.assemble_rag_chat_context` (the store's activity and
  the in-memory knowledge base as providers) and the system prompt from
  :func:`~autoplay_sdk.rag.query.format_rag_system_prompt` over ``RAG_SYSTEM_PROMPT``.  It calls
  the stand-in model and shows the system prompt's head, the whole user block and the reply.

Nothing here reads text the SDK rendered: the stand-in model answers from a :class:`ReplyRequest`
(the prompt a real model would read, plus the session's latest action and the knowledge-base
records the assembly returned), and the short view gets the store's own ``enrich()`` with a
smaller ``max_actions`` rather than a trimmed copy.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autoplay_sdk._cli._demo import DemoSection, DemoSession, DemoStage
from autoplay_sdk._cli._demo_adoption import AdoptionStage
from autoplay_sdk._cli._demo_chatbot import ChatbotStage
from autoplay_sdk._cli._demo_proactive import ProactiveStage
from autoplay_sdk.context import AsyncContextStore, AsyncSessionSummarizer
from autoplay_sdk.core.models import ActionsPayload, AnyPayload, SlimAction
from autoplay_sdk.prompts import RAG_SYSTEM_PROMPT
from autoplay_sdk.rag.query import (
    ChatContextAssembly,
    RagChatProviders,
    assemble_rag_chat_context,
    format_rag_system_prompt,
)
from autoplay_sdk.testing import local_summarizer_llm

__all__ = [
    "BRIEF_ACTIONS",
    "DEFAULT_QUESTION",
    "MAX_ACTIONS",
    "SUMMARY_FROM_CONNECTOR",
    "SUMMARY_FROM_LOCAL",
    "SUMMARY_THRESHOLD",
    "SYSTEM_PROMPT_LINES",
    "AssembledPrompt",
    "ContextStage",
    "PromptStage",
    "ReplyLlm",
    "ReplyRequest",
    "TasklaneHelpCenter",
    "default_stages",
    "stand_in_reply",
]

DEFAULT_QUESTION = "How do I invite a teammate to this project?"
"""Fits the sample app: one of its journeys invites teammates from the Team settings page."""

SUMMARY_THRESHOLD = 8
"""Actions per local summary: low enough that every sample session (28-42 actions) gets several."""

MAX_ACTIONS = 10
"""Newest actions shown in the enriched context (keeps the output readable)."""

BRIEF_ACTIONS = 3
"""Newest actions in the short view's enriched query (``store.enrich(..., max_actions=3)``)."""

SYSTEM_PROMPT_LINES = 15
"""Lines of the (long) system prompt shown; the rest is counted, not shown."""

SUMMARY_FROM_CONNECTOR = "the connector"
SUMMARY_FROM_LOCAL = "local_summarizer_llm"


@dataclass(frozen=True)
class ReplyRequest:
    """What the reply model is asked: the prompt, and the structured parts it was built from.

    A real model reads ``system_prompt`` and ``user_block``; the offline stand-in answers from
    ``latest_action`` (the session's newest streamed action) and ``articles`` (the knowledge-base
    records placed in the prompt, ``{"title", "content"}``).
    """

    system_prompt: str
    user_block: str
    question: str
    latest_action: SlimAction | None = None
    articles: Sequence[dict[str, Any]] = ()


ReplyLlm = Callable[[ReplyRequest], Awaitable[str]]
"""``await llm(request)`` → the reply text."""


class ContextStage:
    """Feeds the stream into an ``AsyncContextStore`` + ``AsyncSessionSummarizer``; shows ``enrich()``.

    ``actions`` payloads go to the store and to the summarizer (``threshold`` actions per summary,
    summarised by ``llm``); connector ``summary`` payloads go to the store's ``on_summary``.  Both
    kinds of summary land in the same slot, so the store shows the newest one in stream order: a
    connector summary first waits for the local summaries of the actions before it
    (``summarizer.flush()``).  :meth:`annotate` flushes the summarizer, then returns
    ``store.enrich(session_id, question, product_id=...)``; ``None`` for a session with no context.
    Call :meth:`aclose` at the end (``run_demo`` does) to stop the summarizer's workers.
    """

    title = "Enriched query"

    def __init__(
        self,
        *,
        question: str = DEFAULT_QUESTION,
        threshold: int = SUMMARY_THRESHOLD,
        max_actions: int = MAX_ACTIONS,
        llm: Callable[[str], Awaitable[str]] = local_summarizer_llm,
    ) -> None:
        self.question = question
        self.summarizer = AsyncSessionSummarizer(llm=llm, threshold=threshold)
        self.store = AsyncContextStore(summarizer=self.summarizer, max_actions=max_actions)
        self._products: dict[str, str] = {}
        self._connector_summaries: dict[str, str] = {}
        self._latest: dict[str, SlimAction] = {}
        self.brief: dict[str, str] = {}
        """Per session, ``store.enrich(..., max_actions=BRIEF_ACTIONS)`` (filled by :meth:`annotate`)."""

    def latest_action(self, session_id: str) -> SlimAction | None:
        """The newest action streamed for the session (``None`` before any)."""
        return self._latest.get(session_id)

    def product_id(self, session_id: str) -> str | None:
        """The product the session's ``actions`` payloads came from (``None`` before any arrived)."""
        return self._products.get(session_id)

    async def activity(self, session_id: str) -> str:
        """The session's context text (``store.get``): latest summary and recent actions."""
        return self.store.get(session_id, product_id=self.product_id(session_id))

    def summary_source(self, session_id: str) -> str | None:
        """Where the session's current summary came from (:data:`SUMMARY_FROM_CONNECTOR` or
        :data:`SUMMARY_FROM_LOCAL`), or ``None`` without a summary."""
        summary = self.store.summaries.get(session_id)
        if not summary:
            return None
        return SUMMARY_FROM_CONNECTOR if summary == self._connector_summaries.get(session_id) else SUMMARY_FROM_LOCAL

    async def observe(self, payload: AnyPayload) -> None:
        sid = payload.session_id
        if sid is None:
            return  # nothing to enrich without a session
        if isinstance(payload, ActionsPayload):
            self._products.setdefault(sid, payload.product_id)
            if payload.actions:
                self._latest[sid] = payload.actions[-1]
            await self.store.add(payload)
            await self.summarizer.add(payload)
            return
        # Let local summaries of earlier actions land first, so "newest summary wins" follows the
        # stream order rather than the scheduling of the summarizer's worker tasks.
        await self.summarizer.flush()
        self._connector_summaries[sid] = payload.summary
        await self.store.on_summary(sid, payload.summary)

    async def annotate(self, session: DemoSession) -> DemoSection | None:
        await self.summarizer.flush()
        sid = session.session_id
        if not await self.activity(sid):
            return None
        enriched = self.store.enrich(sid, self.question, product_id=self.product_id(sid))
        self.brief[sid] = self.store.enrich(
            sid, self.question, product_id=self.product_id(sid), max_actions=BRIEF_ACTIONS
        )
        source = self.summary_source(sid)
        title = f"{self.title} · " + (f"summary from {source}" if source else "no summary yet")
        return DemoSection(title, enriched)

    async def aclose(self) -> None:
        """Stop the summarizer's per-session workers (their sub-threshold actions are dropped)."""
        for sid in list(self.summarizer.queues):
            await self.summarizer.reset(sid)
        await self.summarizer.flush()


# --------------------------------------------------------------------------- knowledge base


@dataclass(frozen=True)
class _Article:
    title: str
    content: str
    keywords: frozenset[str]


_ARTICLES = (
    _Article(
        "Invite teammates to your workspace",
        "Open Settings › Team (/settings/team) and click 'Invite member'. Type your teammate's work email "
        "in the 'Email address' field and press 'Send invite'. They join once they accept the email invite, "
        "and can then be added to any project board.",
        frozenset({"invite", "teammate", "teammates", "member", "members", "team", "colleague", "add", "join"}),
    ),
    _Article(
        "Connect GitHub",
        "Open Settings › Integrations and click 'Connect GitHub'. If you see 'We could not verify your GitHub "
        "organisation', ask an owner of that GitHub organisation to approve the Tasklane app, then click "
        "'Retry connection'.",
        frozenset({"github", "integration", "integrations", "connect", "verify", "organisation", "organization"}),
    ),
    _Article(
        "Export a report as CSV",
        "Open Reports, pick a report such as 'Cycle time', and click 'Export CSV'. The file downloads to your "
        "browser's downloads folder.",
        frozenset({"export", "csv", "report", "reports", "download", "cycle"}),
    ),
    _Article(
        "Change your plan",
        "Open Settings › Billing and click 'Compare plans'. Choose 'Upgrade to Business' to upgrade; the new "
        "plan applies at once.",
        frozenset({"plan", "plans", "billing", "upgrade", "pricing", "business", "price"}),
    ),
    _Article(
        "Create and assign a task",
        "Open the project board and click 'New task'. Type a title, pick someone in the 'Assignee' picker and "
        "submit 'Create task'. Change its progress later with the 'Status' dropdown on the task.",
        frozenset({"task", "tasks", "create", "assign", "assignee", "status", "board", "new"}),
    ),
)

_WORD = re.compile(r"[a-z]+")


class TasklaneHelpCenter:
    """An in-memory ``KnowledgeBaseRetriever`` over a few help articles about the sample app.

    ``retrieve`` returns the articles sharing the most words with the question (at most
    ``limit``, best first, none when nothing matches) as ``{"title", "content"}`` records.
    """

    def __init__(self, *, limit: int = 1) -> None:
        self.limit = limit

    async def retrieve(
        self,
        *,
        connector_product_id: str,
        kb_product_id: str | None,
        session_id: str,
        user_query: str,
        knowledge_id: str,
        activity_text_for_kb_injection: str,
    ) -> list[dict[str, Any]]:
        words = set(_WORD.findall(user_query.lower()))
        scored = [(len(words & a.keywords), -i, a) for i, a in enumerate(_ARTICLES)]
        best = sorted((s for s in scored if s[0] > 0), key=lambda s: (s[0], s[1]), reverse=True)
        return [{"title": a.title, "content": a.content} for _, _, a in best[: self.limit]]


# --------------------------------------------------------------------------- stand-in reply model

_THEIR = re.compile(r"\btheir\b")


async def stand_in_reply(request: ReplyRequest) -> str:
    """A deterministic, offline stand-in for the reply model (no network).

    It acknowledges the session's latest action, then answers with the first knowledge-base
    article of the prompt, or says it has no article rather than guessing.  It reads the
    request's structured parts; the prompt text is what a real model would read instead.
    """
    sentences: list[str] = []
    action = request.latest_action
    if action is not None:
        description, url = action.description, action.canonical_url
        if description.startswith("User "):  # the sample's "User viewed their …" → "you viewed your …"
            step = _THEIR.sub("your", description.removeprefix("User "))
            sentences.append(f"I can see you just {step} ({url}).")
        else:
            sentences.append(f"I can see your latest step: “{description}” ({url}).")
    article = next(iter(request.articles), None)
    if article is not None:
        sentences.append(f"From the help article “{article['title']}”: {str(article['content']).strip()}")
    else:
        sentences.append(
            f"I could not find a help article about “{request.question.strip()}”, so I would rather not guess."
        )
    return "\n".join(sentences)


# --------------------------------------------------------------------------- prompt assembly


@dataclass(frozen=True)
class AssembledPrompt:
    """What a reply model receives for one session, and what the stand-in answered."""

    session_id: str
    question: str
    system_prompt: str
    user_block: str
    reply: str
    assembly: ChatContextAssembly | None = field(default=None, compare=False)
    """The structured parts the prompt was built from."""


def _head(text: str, lines: int) -> tuple[str, int, int]:
    """The first ``lines`` lines of ``text`` (runs of blank lines shown as one), how many lines
    ``text`` has and how many were left out."""
    all_lines = text.splitlines()
    shown: list[str] = []
    for line in all_lines[:lines]:
        if line.strip() or (shown and shown[-1]):
            shown.append(line if line.strip() else "")
    return "\n".join(shown).rstrip(), len(all_lines), max(len(all_lines) - lines, 0)


class PromptStage:
    """Assembles the reply prompt for each session from ``context``'s store, and asks ``llm`` for a reply.

    Providers: ``session_activity_local`` is ``context.activity`` (the store's summary and recent
    actions), ``knowledge_base`` the in-memory :class:`TasklaneHelpCenter`; no memory provider and
    no delta (first turn).  Every :class:`AssembledPrompt` is kept in :attr:`prompts` (by session
    id); the section shows the first ``system_lines`` lines of the system prompt, the whole user
    block and the reply.  ``None`` for a session without activity.  Exceptions from ``llm`` or the
    assembly propagate.
    """

    title = "Assembled chat prompt"

    def __init__(
        self,
        context: ContextStage,
        *,
        question: str = DEFAULT_QUESTION,
        llm: ReplyLlm = stand_in_reply,
        system_lines: int = SYSTEM_PROMPT_LINES,
    ) -> None:
        self.context = context
        self.question = question
        self.llm = llm
        self.system_lines = system_lines
        self.providers = RagChatProviders(session_activity_local=context.activity, knowledge_base=TasklaneHelpCenter())
        self.prompts: dict[str, AssembledPrompt] = {}

    async def observe(self, payload: AnyPayload) -> None:
        return None  # reads the context stage's store; nothing to collect

    async def assemble(self, session: DemoSession) -> AssembledPrompt:
        """Build the prompt for ``session`` and get the reply (also stored in :attr:`prompts`)."""
        sid = session.session_id
        user_block, assembly = await assemble_rag_chat_context(
            product_id=self.context.product_id(sid) or "",
            integration_config={},
            conversation_id=f"demo-{sid}",
            user_message=self.question,
            email=session.email or "",
            session_id=sid,
            activity_since_cutoff=None,  # the first message of the conversation: no delta block
            providers=self.providers,
        )
        system_prompt = format_rag_system_prompt(
            template_content=RAG_SYSTEM_PROMPT["content"], assembly=assembly, user_question=self.question
        )
        request = ReplyRequest(
            system_prompt=system_prompt,
            user_block=user_block,
            question=self.question,
            latest_action=self.context.latest_action(sid),
            articles=tuple(assembly.kb_raw_records),
        )
        reply = await self.llm(request)
        prompt = AssembledPrompt(sid, self.question, system_prompt, user_block, reply, assembly)
        self.prompts[sid] = prompt
        return prompt

    async def annotate(self, session: DemoSession) -> DemoSection | None:
        if not await self.context.activity(session.session_id):
            return None
        prompt = await self.assemble(session)
        head, total, hidden = _head(prompt.system_prompt, self.system_lines)
        parts = [
            f"── system prompt (format_rag_system_prompt, {total} lines) ──",
            head,
        ]
        if hidden:
            parts.append(f"… ({hidden} more lines)")
        parts += [
            "",
            "── user message (assemble_rag_chat_context) ──",
            prompt.user_block,
            "",
            "── reply (offline stand-in model, no network) ──",
            prompt.reply,
        ]
        return DemoSection(f"{self.title} → stand-in reply", "\n".join(parts))


def default_stages(question: str = DEFAULT_QUESTION) -> list[DemoStage]:
    """The stages ``autoplay-sdk demo`` runs: context enrichment, prompt assembly, the proactive
    copilot, the chatbot conversation (``_demo_chatbot``) and adoption state (``_demo_adoption``)."""
    context = ContextStage(question=question)
    return [context, PromptStage(context, question=question), ProactiveStage(), ChatbotStage(), AdoptionStage()]
