"""Where v2 :class:`~autoplay_sdk.agent_state.v2.SessionState` objects live between chat turns:
:class:`InMemorySessionStateStore` (one process) and :class:`RedisSessionStateStore` (every replica).

Both are ``MutableMapping[str, SessionState]`` keyed by user (or session) id, with **copy
semantics**: ``store[key]`` returns a fresh object, so a change is kept only when it is written
back (``store[key] = state``).  ``update_state`` does that read-modify-write in one step (atomic
across processes on Redis).  Entries expire ``ttl_s`` seconds after their last write.

**The portable form.**  ``SessionState.to_dict()`` holds raw ``time.monotonic()`` readings,
which mean nothing in another process (or after a reboot).  The stores therefore keep
:func:`to_portable` snapshots: the same dict with every timestamp converted to wall-clock Unix
seconds (``wall = t - monotonic() + time()`` at write time) and ``"clock": "wall"`` added;
:func:`from_portable` converts them back to this process's monotonic clock.  Durations (idle
time, cooldown elapsed) survive the trip up to the two hosts' wall-clock skew.  A cooldown start
of ``0.0`` while no cooldown runs is a "never" marker and stays ``0.0``.

**Corrupt entries.**  A Redis value that does not decode to a portable snapshot (not UTF-8,
not JSON, nesting too deep, a missing or wrong-typed field, another clock) reads as absent:
``store[key]`` raises ``KeyError`` (``store.get(key)`` gives ``None``), ``update_state`` starts
from ``default()`` and overwrites it (``key in store`` stays true until then).
It is logged at WARNING with its key, size and the error type, never its content.

**Two APIs, one short name.**  ``autoplay_sdk.chat.chatbot.InMemorySessionStateStore`` and
``RedisSessionStateStore`` (also at the package root) are different classes: the *async* stores
of :mod:`autoplay_sdk.agent_state.v2.async_store` (``await store.get_or_create(session_id)``,
live objects in memory, Redis faults degrade instead of raising).  Their
:class:`~autoplay_sdk.agent_state.v2.async_store.MappingSessionStateStore` presents a store of
this module through that async API.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

from autoplay_sdk._logging import get_logger
from autoplay_sdk.agent_state.v2.session_state import SessionState
from autoplay_sdk.context._redis_core import DEFAULT_PREFIX, check_prefix, text, upstream
from autoplay_sdk.context.redis_store import sync_client

__all__ = ["InMemorySessionStateStore", "RedisSessionStateStore", "from_portable", "to_portable"]

logger = get_logger(__name__)

DEFAULT_STATE_TTL_S = 24 * 3600.0
_TIMER_PARTS = ("proactive", "reactive")


def _shift(snapshot: dict[str, Any], delta: float) -> dict[str, Any]:
    out = dict(snapshot)
    out["last_interaction_at"] = snapshot["last_interaction_at"] + delta
    thinking = dict(snapshot.get("thinking", {}))
    if thinking.get("cooldown_active"):
        thinking["cooldown_started_at"] = thinking.get("cooldown_started_at", 0.0) + delta
    out["thinking"] = thinking
    for part in _TIMER_PARTS:
        timer = dict(snapshot.get(part, {}))
        if "last_message_at" in timer:
            timer["last_message_at"] = timer["last_message_at"] + delta
        out[part] = timer
    return out


def to_portable(state: SessionState) -> dict[str, Any]:
    """``state.to_dict()`` with monotonic timestamps turned into wall-clock seconds, plus ``"clock": "wall"``."""
    portable = _shift(state.to_dict(), time.time() - time.monotonic())
    portable["clock"] = "wall"
    return portable


def from_portable(snapshot: dict[str, Any], *, lenient: bool = False) -> SessionState:
    """The :class:`SessionState` of a :func:`to_portable` snapshot, on this process's monotonic clock.

    ``lenient`` is passed to ``SessionState.from_dict`` (a missing ``last_interaction_at`` then
    means now, a bad state THINKING).

    Raises:
        ValueError: not a portable snapshot (no ``"clock": "wall"``) or an unknown version.
        KeyError: required fields are missing (as ``SessionState.from_dict``).
    """
    if snapshot.get("clock") != "wall":
        raise ValueError("not a portable SessionState snapshot (expected 'clock': 'wall')")
    delta = time.monotonic() - time.time()
    if lenient and "last_interaction_at" not in snapshot:
        snapshot = {**snapshot, "last_interaction_at": time.time()}
    local = _shift(snapshot, delta)
    local.pop("clock")
    return SessionState.from_dict(local, lenient=lenient)


def _stored_state(key: str, raw: bytes | str | None) -> SessionState | None:
    """The state a Redis value holds; ``None`` when there is none or it is corrupt (logged)."""
    if raw is None:
        return None
    try:
        snapshot = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)  # strict UTF-8
        _check_shape(snapshot, _template(), "snapshot")
        return from_portable(snapshot)
    except MemoryError:
        raise
    except Exception as exc:  # any decode failure (RecursionError included) is a corrupt entry
        logger.warning(
            "state_store: ignoring a corrupt SessionState for key=%s (%d bytes, %s)",
            key,
            len(raw),
            type(exc).__name__,
            extra={"key": key, "value_bytes": len(raw), "error_type": type(exc).__name__},
        )
        return None


_TEMPLATE: list[dict[str, Any]] = []


def _template() -> dict[str, Any]:
    """``SessionState().to_dict()``: the shape a stored snapshot must have (built once)."""
    if not _TEMPLATE:
        _TEMPLATE.append(SessionState().to_dict())
    return _TEMPLATE[0]


def _check_shape(value: Any, template: Any, field: str) -> None:
    """Raise ``ValueError`` naming ``field`` where ``value`` does not have the template's types.

    A missing key is left to ``from_dict`` (its default, or ``KeyError`` for a required one);
    a template ``None`` accepts ``None``, a string or a number.
    """
    if isinstance(template, dict):
        if type(value) is not dict:
            raise ValueError(f"{field} must be an object")
        for key, sub in template.items():
            if key in value:
                _check_shape(value[key], sub, f"{field}.{key}")
        return
    if isinstance(template, bool):
        ok = type(value) is bool
    elif isinstance(template, (int, float)):
        ok = type(value) in (int, float) and math.isfinite(value)
    elif isinstance(template, str):
        ok = type(value) is str
    else:
        ok = value is None or type(value) in (str, int, float)
    if not ok:
        raise ValueError(f"{field} has the wrong type ({type(value).__name__})")


def _check_ttl(ttl_s: float) -> float:
    if not isinstance(ttl_s, (int, float)) or not ttl_s > 0 or math.isinf(ttl_s):
        raise ValueError(f"ttl_s must be a finite number > 0, got {ttl_s!r}")
    return float(ttl_s)


class InMemorySessionStateStore(MutableMapping[str, SessionState]):
    """A process-local store of portable snapshots with idle expiry (``ttl_s`` after the last write).

    Thread-safe.  Expired entries are removed lazily (at every call), no timer.  The async store
    of the same short name is
    :class:`~autoplay_sdk.agent_state.v2.async_store.AsyncInMemorySessionStateStore`.

    Raises:
        ValueError: ``ttl_s`` is not a finite number > 0.
    """

    def __init__(self, *, ttl_s: float = DEFAULT_STATE_TTL_S) -> None:
        self._ttl_s = _check_ttl(ttl_s)
        self._lock = threading.Lock()
        self._items: dict[str, tuple[float, dict[str, Any]]] = {}  # key -> (expires at, snapshot)
        self._clock: Callable[[], float] = time.monotonic

    def _live(self) -> dict[str, tuple[float, dict[str, Any]]]:
        now = self._clock()
        for key in [k for k, (exp, _) in self._items.items() if exp <= now]:
            del self._items[key]
        return self._items

    def __getitem__(self, key: str) -> SessionState:
        with self._lock:
            snapshot = self._live()[key][1]
        return from_portable(snapshot)

    def __setitem__(self, key: str, state: SessionState) -> None:
        snapshot = to_portable(state)
        with self._lock:
            self._live()[key] = (self._clock() + self._ttl_s, snapshot)

    def __delitem__(self, key: str) -> None:
        with self._lock:
            del self._live()[key]

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._live()))

    def __len__(self) -> int:
        with self._lock:
            return len(self._live())

    def add_if_absent(self, key: str, state: SessionState) -> bool:
        """Store ``state`` only if ``key`` holds none; ``True`` if it was stored."""
        snapshot = to_portable(state)
        with self._lock:
            items = self._live()
            if key in items:
                return False
            items[key] = (self._clock() + self._ttl_s, snapshot)
            return True

    def update_state(
        self, key: str, fn: Callable[[SessionState], None], *, default: Callable[[], SessionState]
    ) -> SessionState:
        """Apply ``fn`` to the stored state (or ``default()``), store and return it, under the lock."""
        with self._lock:
            entry = self._live().get(key)
            state = from_portable(entry[1]) if entry is not None else default()
            fn(state)
            self._items[key] = (self._clock() + self._ttl_s, to_portable(state))
        return state


class RedisSessionStateStore(MutableMapping[str, SessionState]):
    """Session states in Redis (one JSON string per key, ``PX`` = ``ttl_s``), shared by every replica.

    ``redis`` is a URL or a ``redis.Redis`` client.  Iteration and ``len`` scan the prefix (an
    operator tool, not for the chat path).  Redis faults raise
    :class:`~autoplay_sdk.core.exceptions.SdkUpstreamError`.  The async store of the same short
    name is :class:`~autoplay_sdk.agent_state.v2.async_store.AsyncRedisSessionStateStore`.

    Raises:
        ValueError: ``ttl_s`` is not a finite number > 0.
        ModuleNotFoundError: the ``redis`` extra is not installed.
    """

    def __init__(self, redis: Any, *, key_prefix: str = DEFAULT_PREFIX, ttl_s: float = DEFAULT_STATE_TTL_S) -> None:
        self._ttl_ms = max(1, math.ceil(_check_ttl(ttl_s) * 1000))
        self._prefix = check_prefix(key_prefix) + "state:"
        self._redis = sync_client(redis)

    def _call(self, fn: Callable[[], Any]) -> Any:
        with upstream("state_store"):
            return fn()

    def __getitem__(self, key: str) -> SessionState:
        state = _stored_state(key, self._call(lambda: self._redis.get(self._prefix + key)))
        if state is None:
            raise KeyError(key)
        return state

    def __setitem__(self, key: str, state: SessionState) -> None:
        data = json.dumps(to_portable(state))
        self._call(lambda: self._redis.set(self._prefix + key, data, px=self._ttl_ms))

    def __delitem__(self, key: str) -> None:
        if not self._call(lambda: self._redis.delete(self._prefix + key)):
            raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(self._call(lambda: self._redis.exists(self._prefix + key)))

    def __iter__(self) -> Iterator[str]:
        start = len(self._prefix)
        pattern = "".join("\\" + c if c in "*?[]\\" else c for c in self._prefix) + "*"
        names = self._call(lambda: list(self._redis.scan_iter(match=pattern, count=1000)))
        return iter([(text(n) or "")[start:] for n in names])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def add_if_absent(self, key: str, state: SessionState) -> bool:
        """Store ``state`` only if ``key`` holds none (one ``SET NX``); ``True`` if it was stored."""
        data = json.dumps(to_portable(state))
        return bool(self._call(lambda: self._redis.set(self._prefix + key, data, px=self._ttl_ms, nx=True)))

    def update_state(
        self, key: str, fn: Callable[[SessionState], None], *, default: Callable[[], SessionState]
    ) -> SessionState:
        """Apply ``fn`` to the stored state (or ``default()``) and store it, atomically across replicas.

        Optimistic: ``WATCH``/``MULTI``; a concurrent write makes it read and apply ``fn`` again.
        """
        name = self._prefix + key

        def attempt(pipe: Any) -> SessionState:
            stored = _stored_state(key, pipe.get(name))
            state = default() if stored is None else stored
            fn(state)
            pipe.multi()
            pipe.set(name, json.dumps(to_portable(state)), px=self._ttl_ms)
            return state

        result: SessionState = self._call(lambda: self._redis.transaction(attempt, name, value_from_callable=True))
        return result
