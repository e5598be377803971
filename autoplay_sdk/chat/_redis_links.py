"""``RedisConversationLinkStore``: the conversation-link index in Redis, shared by every replica.

The chatbot webhook and the activity stream usually reach different processes; with this store
a link recorded on one replica decides ``NEW`` vs ``REPLY_EXISTING`` (and routing) on all of them.
Served as ``autoplay_sdk.chat.chatbot.RedisConversationLinkStore``.
"""

from __future__ import annotations

import math
from typing import Any

from autoplay_sdk.chat._links import ConversationLink
from autoplay_sdk.context._redis_core import DEFAULT_PREFIX, check_prefix, text, upstream
from autoplay_sdk.context.redis_store import sync_client

__all__ = ["RedisConversationLinkStore"]


class RedisConversationLinkStore:
    """A :class:`~autoplay_sdk.chat.chatbot.ConversationLinkStore` in Redis (sync client).

    Key ``f"{key_prefix}conversation_link:{conversation_id}"``, value the session id; every
    ``save`` (re)sets the expiry to ``ttl_s`` seconds.  ``redis`` is a URL, a ``redis.Redis`` or
    a ``redis.asyncio.Redis`` (whose server and credentials are reused by a sync client).  Calls
    block for one Redis round trip (connection errors are retried for a few seconds first); a
    Redis fault raises :class:`~autoplay_sdk.core.exceptions.SdkUpstreamError`, so
    ``link_conversation`` leaves the session state unchanged.

    Raises:
        ValueError: ``ttl_s`` is not a finite number > 0.
        ModuleNotFoundError: the ``redis`` extra is not installed.
    """

    def __init__(self, redis: Any, *, key_prefix: str = DEFAULT_PREFIX, ttl_s: float = 86400.0) -> None:
        if isinstance(ttl_s, bool) or not isinstance(ttl_s, (int, float)) or not ttl_s > 0 or math.isinf(ttl_s):
            raise ValueError(f"ttl_s must be a finite number > 0, got {ttl_s!r}")
        self._ttl_ms = max(1, math.ceil(ttl_s * 1000))
        self._prefix = check_prefix(key_prefix) + "conversation_link:"
        self._redis = sync_client(redis)

    def key(self, conversation_id: str) -> str:
        """The Redis key of ``conversation_id``."""
        return self._prefix + conversation_id

    def save(self, link: ConversationLink) -> None:
        """Record ``link.conversation_id → link.session_id`` (overwrites; refreshes the expiry)."""
        with upstream("conversation_link_store"):
            self._redis.set(self.key(link.conversation_id), link.session_id, px=self._ttl_ms)

    def get_session_id(self, conversation_id: str) -> str | None:
        """The session that holds ``conversation_id``, or ``None``."""
        with upstream("conversation_link_store"):
            return text(self._redis.get(self.key(conversation_id)))

    def __repr__(self) -> str:
        return f"RedisConversationLinkStore(key_prefix={self._prefix[: -len('conversation_link:')]!r})"
