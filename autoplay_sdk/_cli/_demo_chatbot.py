"""The chatbot stage of ``autoplay-sdk demo``: a user opens a chat mid-stream, and the manager delivers.

:class:`ChatbotStage` hands every ``actions`` payload to an
:class:`~autoplay_sdk.chat.chatbot.AutoplayChatbotManager` whose writer is :class:`DemoDeskWriter`,
a :class:`~autoplay_sdk.BaseChatbotWriter` over :class:`DemoDesk` — an in-memory chat platform
that keeps the notes it receives (no network).  The user of the first sample session "opens the
chat" once :data:`CHAT_OPENS_AFTER` of that session's batches have streamed: the desk's
``conversation.user.created`` webhook is simulated (a dict as the platform would POST it), parsed
with ``DemoDeskWriter.extract_conversation_event``, mapped to the user's session, and passed to
``manager.on_chatbot_event``.  The link flushes what the writer buffered before the chat as one
note; later batches follow as debounced notes (:data:`DEBOUNCE_S`).

Before annotating, the stage waits (an ``asyncio.Condition``, bounded by :data:`DELIVERY_TIMEOUT_S`)
until the desk holds a note line for every action the manager was given, so the result does not
depend on when the debounce fired.  How many follow-up notes the debounce makes depends on the
timing of the stream; what was delivered does not.  The result is :attr:`ChatbotStage.flow`, a
:class:`ChatFlow`; the session gets a section with the link and every note.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from autoplay_sdk._cli._demo import DemoSection, DemoSession
from autoplay_sdk.chat.chatbot import (
    AutoplayChatbotManager,
    BaseChatbotWriter,
    ConversationEvent,
    ConversationLink,
    resolve_linked_conversation_id,
)
from autoplay_sdk.core.models import ActionsPayload, AnyPayload

__all__ = [
    "CHAT_OPENS_AFTER",
    "CHAT_WEBHOOK_TOPIC",
    "DEBOUNCE_S",
    "DELIVERY_TIMEOUT_S",
    "PRE_LINK_WINDOW_S",
    "ChatFlow",
    "ChatNote",
    "ChatbotStage",
    "DemoDesk",
    "DemoDeskWriter",
    "chat_webhook",
    "describe_flow",
    "note_action_lines",
]

CHAT_OPENS_AFTER = 2
"""Batches of the first sample session that stream before its user opens the chat."""

CHAT_WEBHOOK_TOPIC = "conversation.user.created"

DEBOUNCE_S = 0.05
"""The writer's post-link debounce: short, so the demo's last note lands right after its last batch."""

DELIVERY_TIMEOUT_S = 5.0
"""Upper bound on waiting for the debounced notes (reached only if delivery is broken)."""

PRE_LINK_WINDOW_S = 3600.0
"""The sample session began minutes before the chat opens: keep all of it for the first note."""

_ACTION_LINE = re.compile(r"^\[\d+\] ", re.MULTILINE)


def note_action_lines(body: str) -> list[str]:
    """The ``[i] description`` lines of a note (one per delivered action), header left out."""
    return [line for line in body.splitlines() if _ACTION_LINE.match(line)]


@dataclass(frozen=True)
class ChatNote:
    """A note as the chat platform received it."""

    note_id: str
    conversation_id: str
    body: str

    @property
    def action_lines(self) -> list[str]:
        return note_action_lines(self.body)


class DemoDesk:
    """An in-memory chat platform: keeps the notes posted to each conversation, in order."""

    def __init__(self) -> None:
        self.notes: list[ChatNote] = []
        self._changed = asyncio.Condition()

    async def post(self, conversation_id: str, body: str) -> str:
        """Store a note; returns its id (``note-1``, ``note-2``, …)."""
        async with self._changed:
            note = ChatNote(f"note-{len(self.notes) + 1}", conversation_id, body)
            self.notes.append(note)
            self._changed.notify_all()
        return note.note_id

    def notes_in(self, conversation_id: str) -> list[ChatNote]:
        return [n for n in self.notes if n.conversation_id == conversation_id]

    def delivered(self, conversation_id: str) -> int:
        """Actions delivered into ``conversation_id`` (note lines)."""
        return sum(len(n.action_lines) for n in self.notes_in(conversation_id))

    async def wait_for(self, conversation_id: str, actions: int, timeout_s: float) -> bool:
        """Wait until ``actions`` actions were delivered into the conversation; ``False`` on timeout."""
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.delivered(conversation_id) >= actions), timeout_s
                )
            except asyncio.TimeoutError:
                return False
        return True


class DemoDeskWriter(BaseChatbotWriter, strict_session_link=True):
    """Posts notes to a :class:`DemoDesk`; parses the desk's "conversation started" webhook."""

    SESSION_LINK_WEBHOOK_TOPICS = (CHAT_WEBHOOK_TOPIC,)

    def __init__(self, desk: DemoDesk, product_id: str = "demo-product") -> None:
        super().__init__(product_id, pre_link_window_s=PRE_LINK_WINDOW_S, post_link_debounce_s=DEBOUNCE_S)
        self.desk = desk

    @classmethod
    def _parse_session_link_webhook_payload(cls, payload: dict[str, Any]) -> ConversationEvent | None:
        data = payload.get("data") or {}
        user = data.get("user") or {}
        if not data.get("id"):
            return None
        return ConversationEvent(str(data["id"]), external_id=str(user.get("external_id") or ""))

    async def _post_note(self, conversation_id: str, body: str) -> str | None:
        return await self.desk.post(conversation_id, body)


@dataclass
class ChatFlow:
    """The chatbot flow of one session: the simulated webhook, the link, and what was delivered."""

    session_id: str
    user_id: str
    email: str | None
    webhook: dict[str, Any]
    """The chat platform's webhook body, as it would be POSTed to your endpoint."""
    link: ConversationLink
    """What ``manager.on_chatbot_event`` returned."""
    batches_before: int
    actions_before: int
    """Actions the manager was given before the link (they wait in the writer's buffer)."""
    actions_after: int = 0
    """Actions the manager was given after the link."""
    notes: list[ChatNote] = field(default_factory=list)
    """What the desk received for the conversation, in order (filled when the stream is complete)."""
    proactive_target: str | None = None
    """``resolve_linked_conversation_id`` of the stored session state: where a proactive message goes."""

    @property
    def conversation_id(self) -> str:
        return self.link.conversation_id

    @property
    def delivered(self) -> int:
        """Actions delivered into the conversation (note lines)."""
        return sum(len(n.action_lines) for n in self.notes)

    @property
    def complete(self) -> bool:
        """Every action the manager was given reached the conversation."""
        return self.delivered >= self.actions_before + self.actions_after


def chat_webhook(conversation_id: str, user_id: str) -> dict[str, Any]:
    """The body of the desk's ``conversation.user.created`` webhook."""
    return {"topic": CHAT_WEBHOOK_TOPIC, "data": {"id": conversation_id, "user": {"external_id": user_id}}}


class ChatbotStage:
    """Streams into an ``AutoplayChatbotManager``; the first sample user opens a chat mid-stream."""

    title = "Chatbot conversation"

    def __init__(self, *, opens_after: int = CHAT_OPENS_AFTER, conversation_id: str = "conv-1") -> None:
        self.desk = DemoDesk()
        self.manager = AutoplayChatbotManager(DemoDeskWriter(self.desk))
        self.opens_after = opens_after
        self.conversation_id = conversation_id
        self.chat_user: str | None = None
        """The user who opens the chat (set by :meth:`start`)."""
        self.flow: ChatFlow | None = None
        """Set once the chat opened."""
        self._sessions_by_user: dict[str, str] = {}
        self._batches: dict[str, int] = {}
        self._actions: dict[str, int] = {}

    async def start(self, sessions: Sequence[DemoSession]) -> None:
        """Pick the user of the first sample session (with a user id) as the one who opens the chat."""
        self.chat_user = next((s.user_id for s in sessions if s.user_id), None)

    async def observe(self, payload: AnyPayload) -> None:
        if not isinstance(payload, ActionsPayload) or not payload.session_id:
            return
        sid = payload.session_id
        await self.manager.on_actions(payload)
        self._batches[sid] = self._batches.get(sid, 0) + 1
        self._actions[sid] = self._actions.get(sid, 0) + len(payload.actions)
        if payload.user_id:
            self._sessions_by_user[payload.user_id] = sid
        if self.flow is not None and self.flow.session_id == sid:
            self.flow.actions_after += len(payload.actions)
        elif self.flow is None and payload.user_id == self.chat_user and self._batches[sid] == self.opens_after:
            await self._open_chat(payload)

    async def _open_chat(self, payload: ActionsPayload) -> None:
        user_id = payload.user_id or ""
        webhook = chat_webhook(self.conversation_id, user_id)
        event = DemoDeskWriter.extract_conversation_event(webhook)
        if event is None:
            return
        session_id = self._sessions_by_user[event.external_id]
        link = await self.manager.on_chatbot_event(session_id, event.conversation_id, {"user_id": user_id})
        self.flow = ChatFlow(
            session_id=session_id,
            user_id=user_id,
            email=payload.email,
            webhook=webhook,
            link=link,
            batches_before=self._batches[session_id],
            actions_before=self._actions[session_id],
        )

    async def annotate(self, session: DemoSession) -> DemoSection | None:
        flow = self.flow
        if flow is None or flow.session_id != session.session_id:
            return None
        expected = flow.actions_before + flow.actions_after
        await self.desk.wait_for(flow.conversation_id, expected, DELIVERY_TIMEOUT_S)
        flow.notes = self.desk.notes_in(flow.conversation_id)
        state = await self.manager.session_store.get(flow.session_id)
        flow.proactive_target = resolve_linked_conversation_id(state) if state is not None else None
        return DemoSection(self.title, describe_flow(flow))


def describe_flow(flow: ChatFlow) -> str:
    """The text of the linked session's section: the webhook, the link, then every note in full."""
    lines = [
        f"Webhook {flow.webhook['topic']} (conversation {flow.conversation_id}, user {flow.user_id}) "
        f"after {flow.batches_before} batches",
        f"on_chatbot_event → {flow.link.session_id} linked to {flow.conversation_id} ({flow.link.event.value})",
        f"Delivered {flow.delivered} of {flow.actions_before + flow.actions_after} actions in "
        f"{len(flow.notes)} notes; proactive messages go to {flow.proactive_target or 'nowhere (unlinked)'}",
    ]
    for note in flow.notes:
        lines += ["", f"── {note.note_id} in {note.conversation_id} ──", note.body]
    return "\n".join(lines)
