"""Two implementations of :class:`~autoplay_sdk.proactive.resilience.protocol.ProactiveResilienceStore`.

- :class:`RedisProactiveResilienceStore` keeps the state in Redis (extra ``redis``:
  ``pip install 'autoplay-sdk[redis]'``), so every process of a deployment shares limits and the
  circuit.
- :class:`InMemoryProactiveResilienceStore` keeps it in this process, with the same behaviour
  (TTLs included), for a single process and for tests.

Both behave like the Redis commands of the same names, with these choices:

- TTLs may be fractional seconds; they are applied with millisecond precision (rounded up).
- ``setex`` with ``seconds <= 0`` raises ``ValueError`` naming ``seconds``; ``expire`` with
  ``seconds <= 0`` deletes the key, as Redis does.
- ``incr`` on a value that is not an integer raises ``ValueError``; it keeps the key's TTL.
- ``get`` always returns ``bytes`` (a ``str`` value is stored as UTF-8).
- ``incr_with_expiry(key, seconds)`` increments and, when that created the key, sets its TTL in
  the same atomic step (a Lua script on Redis).  :class:`~autoplay_sdk.proactive.resilience.gate.ProactiveDeliveryGate`
  uses it for window counters so that a crash or cancellation can never leave a counter without
  a TTL.

Neither store logs anything.
"""

from __future__ import annotations

import math
import time
from typing import Any

__all__ = ["InMemoryProactiveResilienceStore", "RedisProactiveResilienceStore"]

_INSTALL_HINT = "redis is required for RedisProactiveResilienceStore. Install with: pip install 'autoplay-sdk[redis]'"

# INCR, and PEXPIRE when this INCR created the key; returns the new value.
_INCR_WITH_EXPIRY = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
"""


def _ttl_ms(seconds: float | int) -> int:
    return max(1, math.ceil(float(seconds) * 1000))


def _positive(seconds: float | int) -> float | int:
    if not seconds > 0:
        raise ValueError(f"seconds must be > 0, got {seconds!r}")
    return seconds


def _as_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def _as_int(raw: bytes) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError("value is not an integer or out of range") from None


class InMemoryProactiveResilienceStore:
    """A per-process store with Redis-like TTLs, read from ``time.monotonic()`` at call time.

    Not shared between processes; not thread-safe (use it from one event loop).
    """

    def __init__(self) -> None:
        self._data: dict[str, tuple[bytes, float | None]] = {}

    def _live(self, key: str) -> tuple[bytes, float | None] | None:
        entry = self._data.get(key)
        if entry is not None and entry[1] is not None and time.monotonic() >= entry[1]:
            del self._data[key]
            return None
        return entry

    @staticmethod
    def _deadline(seconds: float | int) -> float:
        return time.monotonic() + _ttl_ms(seconds) / 1000

    async def exists(self, key: str) -> bool:
        """True when ``key`` is present and not expired."""
        return self._live(key) is not None

    async def get(self, key: str) -> bytes | None:
        """The value of ``key``, or None."""
        entry = self._live(key)
        return None if entry is None else entry[0]

    async def setex(self, key: str, seconds: float | int, value: bytes | str) -> None:
        """Set ``key`` to ``value`` expiring after ``seconds`` (> 0, else ``ValueError``)."""
        self._data[key] = (_as_bytes(value), self._deadline(_positive(seconds)))

    async def incr(self, key: str) -> int:
        """Add one (a missing key counts as 0), keeping any TTL; ``ValueError`` for a non-integer value."""
        entry = self._live(key)
        value = 1 if entry is None else _as_int(entry[0]) + 1
        self._data[key] = (str(value).encode(), None if entry is None else entry[1])
        return value

    async def incr_with_expiry(self, key: str, seconds: float | int) -> int:
        """:meth:`incr`, setting a TTL of ``seconds`` when the key is new."""
        value = await self.incr(key)
        if value == 1:
            self._data[key] = (b"1", self._deadline(_positive(seconds)))
        return value

    async def delete(self, key: str) -> int:
        """Remove ``key``; returns how many keys were removed (0 or 1)."""
        existed = self._live(key) is not None
        self._data.pop(key, None)
        return int(existed)

    async def expire(self, key: str, seconds: float | int) -> bool:
        """Give an existing ``key`` a TTL (``seconds <= 0`` deletes it); False when it is missing."""
        entry = self._live(key)
        if entry is None:
            return False
        if not seconds > 0:
            del self._data[key]
        else:
            self._data[key] = (entry[0], self._deadline(seconds))
        return True


class RedisProactiveResilienceStore:
    """The store in Redis, through a ``redis.asyncio.Redis`` client.

    Pass a client you own, or build one with :meth:`from_url` (then :meth:`aclose` closes it; the
    store is also an async context manager).  Connection errors from Redis propagate.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._owns_client = False

    @classmethod
    def from_url(cls, url: str, **client_kwargs: Any) -> RedisProactiveResilienceStore:
        """Connect lazily to ``url`` (``redis://…``); raises ``ModuleNotFoundError`` without the ``redis`` extra."""
        try:
            import redis.asyncio as redis_asyncio
        except ModuleNotFoundError as exc:
            raise ModuleNotFoundError(_INSTALL_HINT) from exc
        store = cls(redis_asyncio.Redis.from_url(url, **client_kwargs))
        store._owns_client = True
        return store

    async def aclose(self) -> None:
        """Close the client if this store created it."""
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> RedisProactiveResilienceStore:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def exists(self, key: str) -> bool:
        """True when ``key`` is present."""
        return bool(await self._client.exists(key))

    async def get(self, key: str) -> bytes | None:
        """The value of ``key`` as bytes, or None."""
        value = await self._client.get(key)
        return None if value is None else _as_bytes(value)

    async def setex(self, key: str, seconds: float | int, value: bytes | str) -> None:
        """Set ``key`` to ``value`` expiring after ``seconds`` (> 0, else ``ValueError``)."""
        await self._client.set(key, _as_bytes(value), px=_ttl_ms(_positive(seconds)))

    async def incr(self, key: str) -> int:
        """Redis ``INCR``; ``ValueError`` for a non-integer value."""
        return await self._checked_int(self._client.incr(key))

    async def incr_with_expiry(self, key: str, seconds: float | int) -> int:
        """``INCR``, plus ``PEXPIRE`` when that created the key, atomically (one Lua script)."""
        return await self._checked_int(self._client.eval(_INCR_WITH_EXPIRY, 1, key, _ttl_ms(_positive(seconds))))

    async def delete(self, key: str) -> int:
        """Redis ``DEL``; returns how many keys were removed."""
        return int(await self._client.delete(key))

    async def expire(self, key: str, seconds: float | int) -> bool:
        """Redis ``PEXPIRE`` (``seconds <= 0`` deletes the key); False when the key is missing."""
        if not seconds > 0:
            return bool(await self._client.delete(key))
        return bool(await self._client.pexpire(key, _ttl_ms(seconds)))

    @staticmethod
    async def _checked_int(pending: Any) -> int:
        from redis.exceptions import ResponseError

        try:
            return int(await pending)
        except ResponseError as exc:
            if "not an integer" in str(exc):
                raise ValueError("value is not an integer or out of range") from exc
            raise
