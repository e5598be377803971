"""Inbound-message watermarks shared by every replica: :class:`RedisInboundWatermarkStore`.

Satisfies :class:`~autoplay_sdk.rag.query.watermark.InboundWatermarkStore` over
``redis.asyncio``, so a chat turn handled by replica B sees the watermark replica A recorded.

Decisions:

- One string key per thread: ``<prefix>wm:<tenant>\\x1f<product>\\x1f<conversation>`` (an absent
  tenant or product is written as ``\\x00``, so ``None`` and ``""`` stay distinct, as in
  :class:`~autoplay_sdk.rag.query.watermark.InMemoryInboundWatermarkStore`).  The value is
  ``repr(float)``, so it round-trips exactly.
- Every key expires ``ttl_s`` (default 7 days) after its last write: a thread idle for longer
  starts again with no watermark (no delta block), which is the first-turn behaviour.
- Writes overwrite unconditionally, like the in-memory store: the caller owns the policy.
- Redis errors are raised as :class:`~autoplay_sdk.core.exceptions.SdkUpstreamError` (from the
  Redis error) after the client's retries: a chat turn should know its watermark was not read
  or not recorded.
- A stored value that is not a number (corrupt, or written by something else) reads as
  no watermark (``None``, the first-turn behaviour) and is logged at WARNING with its size and
  the error type; the next ``set_last_inbound_at`` replaces it.
"""

from __future__ import annotations

import math
from typing import Any

from autoplay_sdk._logging import get_logger
from autoplay_sdk.context._redis_core import DEFAULT_PREFIX, check_prefix, upstream
from autoplay_sdk.context.redis_store import async_client
from autoplay_sdk.rag.query.watermark import ChatWatermarkScope

__all__ = ["RedisInboundWatermarkStore"]

logger = get_logger(__name__)

DEFAULT_WATERMARK_TTL_S = 7 * 24 * 3600.0


def _watermark(raw: bytes | str) -> float | None:
    """The float a stored value holds; ``None`` (logged) when it is not a number."""
    try:
        value = float(raw)
    except (ValueError, TypeError) as exc:
        logger.warning(
            "watermark: ignoring a corrupt stored value (%d bytes, %s)",
            len(raw),
            type(exc).__name__,
            extra={"value_bytes": len(raw), "error_type": type(exc).__name__},
        )
        return None
    return value


def _part(value: str | None) -> str:
    return "\x00" if value is None else value


class RedisInboundWatermarkStore:
    """An :class:`~autoplay_sdk.rag.query.watermark.InboundWatermarkStore` in Redis.

    ``redis`` is a URL or a ``redis.asyncio.Redis`` client.  Safe from many tasks and processes.
    With a URL, connection errors are retried with capped, jittered backoff for about ``retry_s``
    seconds before :class:`~autoplay_sdk.core.exceptions.SdkUpstreamError` is raised.

    Raises:
        ValueError: ``ttl_s`` is not a finite number > 0.
        ModuleNotFoundError: the ``redis`` extra is not installed.
    """

    def __init__(
        self,
        redis: Any,
        *,
        key_prefix: str = DEFAULT_PREFIX,
        ttl_s: float = DEFAULT_WATERMARK_TTL_S,
        retry_s: float = 5.0,
    ) -> None:
        if not isinstance(ttl_s, (int, float)) or not ttl_s > 0 or math.isinf(ttl_s):
            raise ValueError(f"ttl_s must be a finite number > 0, got {ttl_s!r}")
        self._prefix = check_prefix(key_prefix) + "wm:"
        self._ttl_ms = max(1, math.ceil(ttl_s * 1000))
        self._redis = async_client(redis, retry_s)

    def _key(self, scope: ChatWatermarkScope) -> str:
        return self._prefix + "\x1f".join((_part(scope.tenant_id), _part(scope.product_id), scope.conversation_id))

    async def get_previous_inbound_at(self, scope: ChatWatermarkScope) -> float | None:
        """The float stored for ``scope``, or ``None`` if never set (or expired).

        Raises:
            SdkUpstreamError: Redis cannot be reached.
        """
        with upstream("watermark"):
            raw = await self._redis.get(self._key(scope))
        return None if raw is None else _watermark(raw)

    async def set_last_inbound_at(self, scope: ChatWatermarkScope, at: float) -> None:
        """Store ``float(at)`` for ``scope`` (overwriting; it may go backwards) and renew its TTL.

        Raises:
            TypeError, ValueError: ``at`` cannot be converted by ``float()``; nothing is stored.
            SdkUpstreamError: Redis cannot be reached.
        """
        value = float(at)
        with upstream("watermark"):
            await self._redis.set(self._key(scope), repr(value), px=self._ttl_ms)

    async def aclose(self) -> None:
        """Close the client's connections."""
        await self._redis.aclose()
