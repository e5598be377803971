"""Conversation links in the copilot bridge: ``POST /link/{user_id}`` and the linked conversation in ``/context``.

A chat platform's webhook handler (or the host) tells the bridge which conversation a user is
talking in; ``GET /context/{user_id}`` then adds ``"conversation_id"`` — only for a linked user,
so the response of an app that never links is unchanged.  The user id is the bridge's session
key.  With ``redis_url`` the link index lives in Redis (shared by every replica) and the session
states in the bridge's shared store.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from autoplay_sdk.chat._links import (
    ConversationLinkStore,
    InMemoryConversationLinkStore,
    link_conversation,
    resolve_linked_conversation_id,
)

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["add_link_routes", "link_store_for"]


def link_store_for(redis_url: str | None) -> ConversationLinkStore:
    """The bridge's link index: in memory, or in Redis when the app is shared through ``redis_url``."""
    if redis_url is None:
        return InMemoryConversationLinkStore()
    from autoplay_sdk.chat._redis_links import RedisConversationLinkStore

    return RedisConversationLinkStore(redis_url)


def add_link_routes(
    app: FastAPI,
    *,
    session_states: MutableMapping[str, Any],
    session_state_class: type[Any] | None,
    link_store: ConversationLinkStore,
) -> Callable[[str], dict[str, str]]:
    """Add ``POST /link/{user_id}?conversation_id=``; return ``linked(user_id)`` for ``/context``.

    The route answers ``{"user_id", "conversation_id" (the one the user is now linked to),
    "event" ("NEW" or "REPLY_EXISTING")}``, or 422 for an empty ``conversation_id``.  Without the
    v2 session state the route is not added and ``linked`` is always ``{}``.
    """
    from fastapi import HTTPException

    def linked(user_id: str) -> dict[str, str]:
        state: Any = session_states.get(user_id) if session_state_class is not None else None
        conversation = resolve_linked_conversation_id(state) if hasattr(state, "conversation_linked") else None
        return {"conversation_id": conversation} if conversation else {}

    if session_state_class is None or not hasattr(session_state_class, "on_conversation_linked"):
        return linked

    @app.post("/link/{user_id}")
    async def link(user_id: str, conversation_id: str) -> dict[str, str | None]:
        state = session_states.get(user_id)
        if state is None:
            state = session_state_class()
        try:
            made = link_conversation(state=state, store=link_store, conversation_id=conversation_id, session_id=user_id)
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from None
        session_states[user_id] = state  # stores with copy semantics keep only what is written back
        return {
            "user_id": user_id,
            "conversation_id": resolve_linked_conversation_id(state),
            "event": made.event.value,
        }

    return linked
