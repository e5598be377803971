"""The store the resilience state lives in: a small subset of Redis commands."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["ProactiveResilienceStore"]


@runtime_checkable
class ProactiveResilienceStore(Protocol):
    """Async key-value store with TTLs, shaped like the matching Redis commands.

    ``redis.asyncio.Redis`` fits it as is; :mod:`autoplay_sdk.proactive.resilience.stores` ships a
    Redis-backed and an in-memory implementation with the same behaviour.
    """

    async def exists(self, key: str) -> bool:
        """True when ``key`` is present (and not expired)."""
        ...

    async def get(self, key: str) -> bytes | None:
        """The value of ``key``, or None."""
        ...

    async def setex(self, key: str, seconds: float | int, value: bytes | str) -> object:
        """Set ``key`` to ``value``, expiring after ``seconds``."""
        ...

    async def incr(self, key: str) -> int:
        """Add one to the integer at ``key`` (a missing key counts as 0) and return the new value."""
        ...

    async def delete(self, key: str) -> object:
        """Remove ``key`` if present."""
        ...

    async def expire(self, key: str, seconds: float | int) -> object:
        """Make an existing ``key`` expire after ``seconds``."""
        ...
