"""``RedisStorageAdapter``: user state and session snapshots in Redis, shared by every replica.

Values are JSON objects under the keys of :mod:`autoplay_sdk.storage.keys`.  User state is a
plain ``SET`` (last writer wins); a session snapshot is ``SET NX`` (write-once: the first
replica to end a session records it, a retried end changes nothing).  ``ttl_s`` (a positive
int) sets an expiry on every write; ``None`` keeps keys forever.

No method raises on a Redis failure: a failed write is logged at WARNING and forwarded to the
error reporter (``"User state write failed"`` / ``"Session snapshot write failed"``); a failed
or unparsable read is logged and returns ``None``.  Log records carry the ids and the error
type, never the document, the URL or the error text (which can echo the server address).
After a Redis restart the client reconnects on the next command; what was lost is
re-initialised by :func:`autoplay_sdk.storage.on_session_start`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from autoplay_sdk.observability import _forward
from autoplay_sdk.storage.base import AutoplayStorageAdapter
from autoplay_sdk.storage.keys import session_key, user_state_key

__all__ = ["RedisStorageAdapter"]

logger = logging.getLogger(__name__)

_MISSING_EXTRA = 'RedisStorageAdapter requires the redis package. Install it with: pip install "autoplay-sdk[redis]"'


def _kind(exc: BaseException) -> str:
    return type(exc).__name__


class RedisStorageAdapter(AutoplayStorageAdapter):
    """Storage in Redis.  Pass ``client=`` (a ``redis.asyncio.Redis``) to share one you own.

    Raises ``ImportError`` naming the ``redis`` extra when it is not installed, and
    ``ValueError`` for a ``ttl_s`` that is not a positive int.  :meth:`aclose` closes the
    client this adapter created (never one passed in).
    """

    def __init__(self, redis_url: str, *, ttl_s: int | None = None, client: Any = None) -> None:
        if ttl_s is not None and (isinstance(ttl_s, bool) or not isinstance(ttl_s, int) or ttl_s <= 0):
            raise ValueError(f"ttl_s must be a positive int or None, got {ttl_s!r}")
        self._ttl_s = ttl_s
        if client is not None:
            self._client = client
            self._owns_client = False
            return
        try:
            import redis.asyncio as redis_asyncio
        except ImportError as exc:
            raise ImportError(_MISSING_EXTRA) from exc
        self._client = redis_asyncio.from_url(redis_url, decode_responses=True)
        self._owns_client = True

    async def aclose(self) -> None:
        """Close the client this adapter created; a client passed in stays open."""
        if self._owns_client:
            await self._client.aclose()

    async def save_user_state(self, product_id: str, user_id: str, state: dict[str, Any]) -> None:
        try:
            await self._client.set(user_state_key(product_id, user_id), json.dumps(state), ex=self._ttl_s)
        except Exception as exc:
            logger.warning(
                "RedisStorageAdapter: save_user_state failed product=%s user=%s: %s", product_id, user_id, _kind(exc)
            )
            _forward("User state write failed", exc, product_id=product_id, user_id=user_id)

    async def save_session_snapshot(
        self, product_id: str, user_id: str, session_id: str, snapshot: dict[str, Any]
    ) -> None:
        key = session_key(product_id, user_id, session_id)
        try:
            await self._client.set(key, json.dumps(snapshot), nx=True, ex=self._ttl_s)
        except Exception as exc:
            logger.warning(
                "RedisStorageAdapter: save_session_snapshot failed product=%s user=%s session=%s: %s",
                product_id,
                user_id,
                session_id,
                _kind(exc),
            )
            _forward(
                "Session snapshot write failed", exc, product_id=product_id, user_id=user_id, session_id=session_id
            )

    async def get_user_state(self, product_id: str, user_id: str) -> dict[str, Any] | None:
        try:
            raw = await self._client.get(user_state_key(product_id, user_id))
        except Exception as exc:
            logger.warning(
                "RedisStorageAdapter: get_user_state failed product=%s user=%s: %s", product_id, user_id, _kind(exc)
            )
            return None
        return _parse(raw, user_state_key(product_id, user_id))

    async def get_session_snapshot(self, product_id: str, user_id: str, session_id: str) -> dict[str, Any] | None:
        key = session_key(product_id, user_id, session_id)
        try:
            raw = await self._client.get(key)
        except Exception as exc:
            logger.warning(
                "RedisStorageAdapter: get_session_snapshot failed product=%s user=%s session=%s: %s",
                product_id,
                user_id,
                session_id,
                _kind(exc),
            )
            return None
        return _parse(raw, key)


def _parse(raw: Any, key: str) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except (ValueError, TypeError):
        logger.warning("RedisStorageAdapter: corrupt JSON in redis: %s", key)
        return None
    return value if isinstance(value, dict) else None
