"""``AutoplayChatbotManager``: the activity stream, chatbot webhooks and session state, wired together.

Served as ``autoplay_sdk.chat.chatbot.AutoplayChatbotManager`` (and from ``autoplay_sdk.chat`` and
the package root).  Register :meth:`AutoplayChatbotManager.on_actions` as a stream callback and
call :meth:`AutoplayChatbotManager.on_chatbot_event` from your chatbot's webhook handler; the
writer then posts notes into the linked conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Mapping, MutableMapping
from typing import Any

from autoplay_sdk.agent_state.v2.async_store import (
    AsyncInMemorySessionStateStore,
    AsyncSessionStateStore,
    MappingSessionStateStore,
)
from autoplay_sdk.agent_state.v2.session_state import SessionState
from autoplay_sdk.chat._links import (
    ConversationLink,
    ConversationLinkStore,
    InMemoryConversationLinkStore,
    link_conversation,
    resolve_linked_conversation_id,
)
from autoplay_sdk.chat.chatbot import ConversationWriter
from autoplay_sdk.core.models import ActionsPayload

__all__ = ["AutoplayChatbotManager"]

_EMPTY_SESSION = "session_id must be a non-empty string"
_EMPTY_CONVERSATION = "link_conversation: conversation_id is required."


def _action_dict(action: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(action) and not isinstance(action, type):
        return dataclasses.asdict(action)
    if isinstance(action, Mapping):
        return dict(action)
    dump = getattr(action, "model_dump", None)
    if callable(dump):
        result: dict[str, Any] = dump()
        return result
    raise TypeError(f"unsupported action type: {type(action).__name__}")


class _SessionLocks:
    """One ``asyncio.Lock`` per session id, created on demand and dropped when nobody holds or waits."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, session_id: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(session_id) or (asyncio.Lock(), 0)
        self._locks[session_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[session_id]
            if users == 1:
                del self._locks[session_id]
            else:
                self._locks[session_id] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class AutoplayChatbotManager:
    """Routes stream actions to a chatbot writer, by the conversation each session is linked to.

    Args:
        writer: any :class:`~autoplay_sdk.chat.chatbot.ConversationWriter` (usually a
            ``BaseChatbotWriter`` subclass).
        session_store: an async session store (``None``: a new in-memory one).  A
            ``MutableMapping[str, SessionState]`` — such as the sync stores of
            :mod:`autoplay_sdk.agent_state.v2.state_store` — is wrapped in
            :class:`~autoplay_sdk.agent_state.v2.async_store.MappingSessionStateStore`.
        link_store: the conversation-link index (``None``: a new in-memory one).  Replicas share
            one, e.g. a :class:`~autoplay_sdk.chat.chatbot.RedisConversationLinkStore`.

    Calls for one session id are serialised within the process (one lock per session, held
    only while the call runs); there is no ordering across replicas.  Writer and store
    exceptions propagate.  The manager validates nothing at construction, does no I/O there, and
    logs nothing itself.  A sync link store (Redis included) is called on the event loop.
    """

    def __init__(
        self,
        writer: ConversationWriter,
        session_store: AsyncSessionStateStore | MutableMapping[str, SessionState] | None = None,
        *,
        link_store: ConversationLinkStore | None = None,
    ) -> None:
        self._writer = writer
        store: AsyncSessionStateStore
        if session_store is None:
            store = AsyncInMemorySessionStateStore()
        elif isinstance(session_store, MutableMapping):
            store = MappingSessionStateStore(session_store)
        else:
            store = session_store
        self._session_store = store
        self._link_store: ConversationLinkStore = (
            link_store if link_store is not None else InMemoryConversationLinkStore()
        )
        self._locks = _SessionLocks()

    @property
    def writer(self) -> ConversationWriter:
        """The chatbot writer."""
        return self._writer

    @property
    def session_store(self) -> AsyncSessionStateStore:
        """The async session store in use."""
        return self._session_store

    @property
    def link_store(self) -> ConversationLinkStore:
        """The conversation-link index in use."""
        return self._link_store

    async def on_actions(self, payload: ActionsPayload) -> None:
        """Hand a stream batch to the writer, for the session's linked conversation.

        A payload without a session id is ignored.  When the stored state says the session is
        linked, the writer is told first (``on_session_linked``), so a writer that restarted, or
        runs on another replica, catches up.  Actions go to ``writer.write_actions`` as dicts
        (dataclasses through ``dataclasses.asdict``, mappings copied, models through
        ``model_dump()``); ``conversation_id`` is the linked conversation or ``""``.

        Raises:
            TypeError: an action of another kind (``"unsupported action type: <name>"``).
        """
        sid = payload.session_id
        if not sid:
            return
        async with self._locks.hold(sid):
            state = await self._session_store.get_or_create(sid)
            conversation = resolve_linked_conversation_id(state)
            if conversation:
                await self._writer.on_session_linked(sid, conversation)
            actions = [_action_dict(a) for a in payload.actions]
            await self._writer.write_actions(
                conversation_id=conversation or "",
                session_id=sid,
                slim_actions=actions,
                user_id=payload.user_id,
                email=payload.email,
            )

    async def on_chatbot_event(
        self, session_id: str, conversation_id: str, metadata: dict[str, Any] | None = None
    ) -> ConversationLink:
        """Link ``session_id`` to ``conversation_id`` (a chatbot webhook said so); return the link.

        Loads or creates the session (``metadata`` is used only on creation), records the link
        (``NEW`` unless the link store already knows the conversation), saves the state, and
        tells the writer the conversation the *state* now holds (a reply in an older
        conversation does not move an already linked session).

        Raises:
            ValueError: an empty ``session_id`` or ``conversation_id``.
        """
        if not session_id:
            raise ValueError(_EMPTY_SESSION)
        if not conversation_id:
            raise ValueError(_EMPTY_CONVERSATION)
        async with self._locks.hold(session_id):
            state = await self._session_store.get_or_create(session_id, metadata)
            link = link_conversation(state=state, store=self._link_store, conversation_id=conversation_id)
            await self._session_store.save(state)
            target = resolve_linked_conversation_id(state) or conversation_id
            await self._writer.on_session_linked(session_id, target)
            return link

    async def save_state(self, state: SessionState) -> None:
        """Persist ``state`` (call it after changing a state outside the manager: transitions, ``tick``, metadata)."""
        await self._session_store.save(state)
