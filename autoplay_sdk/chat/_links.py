"""Conversation links: which chat conversation a product-activity session belongs to.

A chatbot webhook says "session S is talking in conversation C"; :func:`link_conversation`
records that twice — in a :class:`ConversationLinkStore` (the reverse index ``C → S``, shared by
every process that can see the store) and on the session's
:class:`~autoplay_sdk.agent_state.v2.SessionState` (``conversation_linked`` / ``conversation_id``).
:func:`resolve_linked_conversation_id` then answers "where do notes and proactive messages for
this session go?".

The names are served from :mod:`autoplay_sdk.chat.chatbot` (their public home), from
:mod:`autoplay_sdk.chat` and from the package root.  Nothing here locks or does I/O except the
store you pass; callers serialise per session.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from autoplay_sdk.agent_state.v2.session_state import SessionState

__all__ = [
    "ConversationEventType",
    "ConversationLink",
    "ConversationLinkStore",
    "InMemoryConversationLinkStore",
    "link_conversation",
    "resolve_linked_conversation_id",
]

_MISSING_SESSION = (
    "link_conversation: session_id is required. Set state.session_id before calling link_conversation, "
    "or use InMemorySessionStateStore.get_or_create() to initialise the state."
)
_MISSING_CONVERSATION = "link_conversation: conversation_id is required."


class ConversationEventType(str, Enum):
    """Whether a session-link webhook opened a conversation (``NEW``) or replied in one (``REPLY_EXISTING``)."""

    NEW = "NEW"
    REPLY_EXISTING = "REPLY_EXISTING"


@dataclass(frozen=True)
class ConversationLink:
    """One link of a session to a conversation; hashable, compared on all fields, not validated."""

    session_id: str
    conversation_id: str
    event: ConversationEventType = ConversationEventType.NEW

    @property
    def is_reply_existing(self) -> bool:
        """True for a ``REPLY_EXISTING`` link."""
        return self.event == ConversationEventType.REPLY_EXISTING


@runtime_checkable
class ConversationLinkStore(Protocol):
    """The reverse index ``conversation_id → session_id`` (sync; ``isinstance`` checks the two names)."""

    def save(self, link: ConversationLink) -> None:
        """Record ``link.conversation_id → link.session_id``, overwriting any earlier session."""
        ...

    def get_session_id(self, conversation_id: str) -> str | None:
        """The session that holds ``conversation_id``, or ``None``."""
        ...


class InMemoryConversationLinkStore:
    """A process-local, thread-safe :class:`ConversationLinkStore`: a dict, no expiry, no bound.

    Replicas that must agree on links share a
    :class:`~autoplay_sdk.chat.chatbot.RedisConversationLinkStore` instead.
    """

    def __init__(self) -> None:
        self._index: dict[str, str] = {}
        self._lock = threading.Lock()

    def save(self, link: ConversationLink) -> None:
        """Record ``link.conversation_id → link.session_id`` (overwrites)."""
        with self._lock:
            self._index[link.conversation_id] = link.session_id

    def get_session_id(self, conversation_id: str) -> str | None:
        """The session that holds ``conversation_id``, or ``None``."""
        with self._lock:
            return self._index.get(conversation_id)

    def __len__(self) -> int:
        with self._lock:
            return len(self._index)

    def __repr__(self) -> str:
        return f"InMemoryConversationLinkStore(links={len(self)})"


def link_conversation(
    *,
    state: SessionState,
    store: ConversationLinkStore,
    conversation_id: str,
    event: ConversationEventType | None = None,
    session_id: str | None = None,
) -> ConversationLink:
    """Link a session to ``conversation_id``: write the store first, then the state; return the link.

    The session is ``session_id`` or else ``state.session_id``.  Without ``event``, the link is
    ``REPLY_EXISTING`` when the store already maps ``conversation_id`` to *any* session, else
    ``NEW``.  The state then applies it (``SessionState.on_conversation_linked``: ``NEW``
    overwrites an earlier link, ``REPLY_EXISTING`` never does); the store is written either way.

    Raises:
        ValueError: no session id, or an empty ``conversation_id`` (nothing is written).
        Exception: whatever the store raises; the state is then unchanged.
    """
    sid = session_id or state.session_id
    if not sid:
        raise ValueError(_MISSING_SESSION)
    if not conversation_id:
        raise ValueError(_MISSING_CONVERSATION)
    if event is None:
        known = store.get_session_id(conversation_id)
        event = ConversationEventType.REPLY_EXISTING if known else ConversationEventType.NEW
    link = ConversationLink(sid, conversation_id, event)
    store.save(link)
    state.on_conversation_linked(link)
    return link


def resolve_linked_conversation_id(state: SessionState) -> str | None:
    """The conversation that notes and proactive messages for this session go to, or ``None`` when unlinked."""
    if state.conversation_linked and state.conversation_id:
        return state.conversation_id
    return None
