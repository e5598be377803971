"""Async session-state stores: ``await store.get_or_create(session_id)`` / ``get`` / ``save``.

This is the API the chatbot layer uses (:class:`~autoplay_sdk.chat.chatbot.AutoplayChatbotManager`);
``autoplay_sdk.chat.chatbot.InMemorySessionStateStore`` and ``RedisSessionStateStore`` (and the
same names at the package root) are these async classes.  The *sync* stores of
:mod:`autoplay_sdk.agent_state.v2.state_store` are different classes with the same short names:
``MutableMapping`` objects with copy semantics that raise ``SdkUpstreamError`` on Redis faults.
:class:`MappingSessionStateStore` presents one of those (or any
``MutableMapping[str, SessionState]``) through this async API.

Contract shared by the stores here:

* ``get_or_create(session_id, metadata=None)`` returns the stored state, or creates one with
  ``session_id`` and a copy of ``metadata`` (``metadata`` is ignored when the state exists);
* ``save(state)`` stores ``state`` under ``state.session_id``;
* an empty session id raises ``ValueError("session_id must be a non-empty string")`` from
  ``get_or_create`` and ``save``; ``get("")`` is ``None``.

:class:`AsyncInMemorySessionStateStore` hands out *live* objects (a change is visible without
``save``), optionally forgetting sessions idle for ``ttl_s``.  :class:`AsyncRedisSessionStateStore`
never raises on a Redis fault: it logs a WARNING (the error's type name only, never the value or
URL) and degrades — a fresh, unsaved state from ``get_or_create``, ``None`` from ``get``, a
dropped write from ``save`` (also forwarded to the error reporter as
``"Session state write failed"``).  It stores wall-clock snapshots
(:func:`~autoplay_sdk.agent_state.v2.state_store.to_portable`), so any replica can read them, and
creates a state with ``SET NX``, so two replicas creating the same session agree on one state.
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from collections.abc import Mapping, MutableMapping
from typing import Any, Protocol, runtime_checkable

from autoplay_sdk._logging import get_logger
from autoplay_sdk.agent_state.v2.session_state import SessionState
from autoplay_sdk.agent_state.v2.state_store import from_portable, to_portable
from autoplay_sdk.observability import _forward as _forward_error

__all__ = [
    "AsyncInMemorySessionStateStore",
    "AsyncRedisSessionStateStore",
    "AsyncSessionStateStore",
    "MappingSessionStateStore",
]

logger = get_logger(__name__)

_EMPTY_ID = "session_id must be a non-empty string"
_RESET = (
    "RedisSessionStateStore get failed — session=%s reset to THINKING/unlinked. "
    "conversation_linked and conversation_id are lost for this request. error=%s"
)
_GET_FAILED = "RedisSessionStateStore get failed session=%s: %s"
_SAVE_FAILED = "RedisSessionStateStore save failed session=%s: %s"
_INSTALL = '{name} requires the redis package. Install it with: pip install "autoplay-sdk[redis]"'


def _check_id(session_id: str) -> str:
    if not isinstance(session_id, str) or not session_id:
        raise ValueError(_EMPTY_ID)
    return session_id


def _fresh(session_id: str, metadata: Mapping[str, Any] | None) -> SessionState:
    return SessionState(session_id=session_id, metadata=dict(metadata or {}))


@runtime_checkable
class AsyncSessionStateStore(Protocol):
    """What the chatbot layer needs from a session store (structural)."""

    async def get_or_create(self, session_id: str, metadata: dict[str, Any] | None = None) -> SessionState:
        """The state of ``session_id``, created (with ``metadata``) when absent."""
        ...

    async def get(self, session_id: str) -> SessionState | None:
        """The state of ``session_id``, or ``None``."""
        ...

    async def save(self, state: SessionState) -> None:
        """Persist ``state`` under ``state.session_id``."""
        ...


class AsyncInMemorySessionStateStore:
    """Session states of one process, as live objects (thread-safe; no size bound).

    ``ttl_s``: forget a session after this many seconds without ``get_or_create``/``get``/``save``
    (checked lazily, at each call); ``None`` (the default) keeps states forever.

    Raises:
        ValueError: ``ttl_s`` is given and not a finite number > 0.
    """

    def __init__(self, *, ttl_s: float | None = None) -> None:
        if ttl_s is not None and (not isinstance(ttl_s, (int, float)) or not ttl_s > 0 or math.isinf(ttl_s)):
            raise ValueError(f"ttl_s must be a finite number > 0 or None, got {ttl_s!r}")
        self._ttl_s = ttl_s
        self._states: dict[str, tuple[SessionState, float]] = {}
        self._lock = threading.Lock()

    def _take(self, session_id: str) -> SessionState | None:
        """The live state (refreshing its idle clock), evicting idle entries first; call under the lock."""
        now = time.monotonic()
        if self._ttl_s is not None:
            cutoff = now - self._ttl_s
            for key in [k for k, (_, seen) in self._states.items() if seen <= cutoff]:
                del self._states[key]
        entry = self._states.get(session_id)
        if entry is None:
            return None
        self._states[session_id] = (entry[0], now)
        return entry[0]

    async def get_or_create(self, session_id: str, metadata: dict[str, Any] | None = None) -> SessionState:
        """The live state of ``session_id``; created with a copy of ``metadata`` when absent."""
        _check_id(session_id)
        with self._lock:
            state = self._take(session_id)
            if state is None:
                state = _fresh(session_id, metadata)
                self._states[session_id] = (state, time.monotonic())
            return state

    async def get(self, session_id: str) -> SessionState | None:
        """The live state of ``session_id``, or ``None``."""
        with self._lock:
            return self._take(session_id)

    async def save(self, state: SessionState) -> None:
        """Store ``state`` under ``state.session_id`` (a state built elsewhere joins the store)."""
        sid = _check_id(state.session_id)
        with self._lock:
            self._take(sid)
            self._states[sid] = (state, time.monotonic())

    def __len__(self) -> int:
        with self._lock:
            return len(self._states)


class AsyncRedisSessionStateStore:
    """Session states in Redis, shared by every replica; degrades instead of raising.

    Key ``f"{key_prefix}session_state:{session_id}"``; value the JSON of a wall-clock snapshot;
    every ``save`` (and creation) sets the expiry to ``ttl_s`` seconds (a sliding TTL — reads do
    not refresh it).  Values written without the wall-clock marker (by other SDK versions, which
    stored raw monotonic readings) are still read.

    ``client``: an existing ``redis.asyncio.Redis`` (``redis_url`` is then ignored, and the SDK
    never closes it).  Otherwise a client for ``redis_url`` is created here (no connection yet),
    bound to the event loop that first uses it; :meth:`aclose` closes it.

    Raises:
        ValueError: ``ttl_s`` is not a finite number > 0.
        ImportError: the ``redis`` extra is not installed.
    """

    def __init__(
        self, redis_url: str, ttl_s: int = 86400, *, client: Any = None, key_prefix: str = "autoplay:"
    ) -> None:
        if isinstance(ttl_s, bool) or not isinstance(ttl_s, (int, float)) or not ttl_s > 0 or math.isinf(ttl_s):
            raise ValueError(f"ttl_s must be a finite number > 0, got {ttl_s!r}")
        self._ttl_ms = max(1, math.ceil(ttl_s * 1000))
        self._prefix = f"{key_prefix}session_state:"
        self._owned = client is None
        if client is None:
            try:
                import redis.asyncio as redis_asyncio
            except ImportError as exc:
                raise ImportError(_INSTALL.format(name=type(self).__name__)) from exc
            client = redis_asyncio.from_url(
                redis_url, decode_responses=True, socket_connect_timeout=2.0, socket_timeout=5.0
            )
        self._redis = client

    def key(self, session_id: str) -> str:
        """The Redis key of ``session_id``."""
        return self._prefix + session_id

    def _parse(self, session_id: str, raw: Any) -> SessionState:
        """Decode a stored value; raises ``ValueError``/``KeyError``/``TypeError`` when it is unreadable."""
        text = raw.decode() if isinstance(raw, bytes) else raw
        obj = json.loads(text)
        if not isinstance(obj, dict):
            raise ValueError("not a SessionState snapshot")
        state = (
            from_portable(obj, lenient=True)
            if obj.get("clock") == "wall"
            else SessionState.from_dict(obj, lenient=True)
        )
        state.session_id = session_id
        return state

    async def get_or_create(self, session_id: str, metadata: dict[str, Any] | None = None) -> SessionState:
        """The stored state of ``session_id``, or a new one created with ``SET NX`` (never raises on Redis faults).

        An unreadable stored value is replaced by a fresh state (after a WARNING).  On a Redis
        error the WARNING is logged and a fresh state is returned *without* being written, so a
        live state is never overwritten because of a failed read.
        """
        key = self.key(_check_id(session_id))
        try:
            raw = await self._redis.get(key)
        except Exception as exc:
            self._warn_reset(session_id, exc)
            return _fresh(session_id, metadata)
        corrupt: BaseException | None = None
        if raw is not None:
            try:
                return self._parse(session_id, raw)
            except (ValueError, KeyError, TypeError) as exc:
                corrupt = exc
                self._warn_reset(session_id, exc)
        state = _fresh(session_id, metadata)
        data = json.dumps(to_portable(state))
        try:
            if corrupt is not None:
                await self._redis.set(key, data, px=self._ttl_ms)
                return state
            if await self._redis.set(key, data, px=self._ttl_ms, nx=True):
                return state
            raw = await self._redis.get(key)  # another replica created it first: use theirs
            if raw is not None:
                return self._parse(session_id, raw)
        except Exception as exc:
            self._write_failed(session_id, exc)
        return state

    async def get(self, session_id: str) -> SessionState | None:
        """The stored state, or ``None`` when absent, unreadable or Redis fails (WARNING)."""
        if not session_id:
            return None
        try:
            raw = await self._redis.get(self.key(session_id))
            return None if raw is None else self._parse(session_id, raw)
        except Exception as exc:
            logger.warning(_GET_FAILED, session_id, type(exc).__name__)
            return None

    async def save(self, state: SessionState) -> None:
        """Write ``state`` with a fresh ``ttl_s`` expiry; a Redis fault is logged and reported, never raised."""
        sid = _check_id(state.session_id)
        data = json.dumps(to_portable(state))
        try:
            await self._redis.set(self.key(sid), data, px=self._ttl_ms)
        except Exception as exc:
            self._write_failed(sid, exc)

    async def aclose(self) -> None:
        """Close the client this store created (a client passed in is left open)."""
        if self._owned:
            close = getattr(self._redis, "aclose", None) or self._redis.close  # aclose: redis >= 5.0.1
            await close()

    def _warn_reset(self, session_id: str, exc: BaseException) -> None:
        logger.warning(
            _RESET,
            session_id,
            type(exc).__name__,
            extra={
                "event_type": "session_state_reset",
                "session_id": session_id,
                "conversation_linked_after_reset": False,
            },
        )

    def _write_failed(self, session_id: str, exc: BaseException) -> None:
        logger.warning(_SAVE_FAILED, session_id, type(exc).__name__)
        _forward_error("Session state write failed", exc, session_id=session_id)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key_prefix={self._prefix[: -len('session_state:')]!r})"


class MappingSessionStateStore:
    """The async store API over any ``MutableMapping[str, SessionState]``.

    Typically one of :mod:`autoplay_sdk.agent_state.v2.state_store`'s sync stores, which return
    *copies* — so call ``save`` after changing a state.  ``get_or_create`` uses the mapping's
    ``add_if_absent`` when it has one (atomic across replicas on Redis), then reads the stored
    state; ``get`` is ``mapping.get``; ``save`` assigns ``mapping[state.session_id] = state``.

    ``blocking``: run the mapping's calls in a worker thread (``asyncio.to_thread``) so network
    I/O never blocks the event loop.  ``None`` (the default) decides by type: on for the sync
    Redis store, off otherwise.  The mapping's exceptions propagate.
    """

    def __init__(self, mapping: MutableMapping[str, SessionState], *, blocking: bool | None = None) -> None:
        if blocking is None:
            from autoplay_sdk.agent_state.v2.state_store import RedisSessionStateStore

            blocking = isinstance(mapping, RedisSessionStateStore)
        self._mapping = mapping
        self._blocking = blocking

    @property
    def mapping(self) -> MutableMapping[str, SessionState]:
        """The wrapped mapping."""
        return self._mapping

    async def _run(self, fn: Any, *args: Any) -> Any:
        if self._blocking:
            return await asyncio.to_thread(fn, *args)
        return fn(*args)

    def _get_or_create(self, session_id: str, metadata: dict[str, Any] | None) -> SessionState:
        fresh = _fresh(session_id, metadata)
        add_if_absent = getattr(self._mapping, "add_if_absent", None)
        if callable(add_if_absent):
            if add_if_absent(session_id, fresh):
                return fresh
        elif session_id not in self._mapping:
            self._mapping[session_id] = fresh
            return fresh
        state = self._mapping.get(session_id)
        if state is None:  # expired between the two calls
            return fresh
        state.session_id = session_id
        return state

    async def get_or_create(self, session_id: str, metadata: dict[str, Any] | None = None) -> SessionState:
        """The stored state of ``session_id``, created (and stored) with ``metadata`` when absent."""
        _check_id(session_id)
        result: SessionState = await self._run(self._get_or_create, session_id, metadata)
        return result

    async def get(self, session_id: str) -> SessionState | None:
        """``mapping.get(session_id)``."""
        if not session_id:
            return None
        result: SessionState | None = await self._run(self._mapping.get, session_id)
        return result

    async def save(self, state: SessionState) -> None:
        """``mapping[state.session_id] = state``."""
        sid = _check_id(state.session_id)
        await self._run(self._mapping.__setitem__, sid, state)
