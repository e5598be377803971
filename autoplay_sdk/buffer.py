"""Pull-mode buffers: collect payloads from a stream now, hand them out in batches later.

* :class:`EventBuffer` — in memory, thread-safe, synchronous.  Its ``add`` can be passed
  directly as ``on_actions``/``on_summary`` to either client.
* :class:`RedisEventBuffer` — asynchronous, a sliding window per session in Redis sorted sets,
  shared by every process that uses the same ``key_prefix``.  Needs the ``redis`` extra
  (``pip install 'autoplay-sdk[redis]'``); without it every ``add`` reports the payload dropped.
* :class:`BufferBackend` — the protocol both satisfy (``add``, ``drain``, ``size``).

Guarantees and decisions:

* Nothing is lost silently.  A payload handed to ``add`` either comes back from a later
  ``drain`` or is passed to ``on_drop`` (and, for the Redis buffer, usually reported to the
  metrics hook).  When the connection to Redis breaks after a write was sent, the buffer cannot
  tell whether Redis applied it; it reports the payload dropped, and the write may still be
  drained later.
* ``on_drop`` is never called while a lock is held, so it may use the buffer itself.
* ``RedisEventBuffer.add`` writes in one ``MULTI``/``EXEC`` transaction.  While one write is in
  flight, the adds that arrive queue behind it and go out together in the next transaction, each
  add's commands in arrival order: the effect is that of the same adds made one after another,
  and each add still has its own outcome (log record, ``on_drop``, metrics call).  A command Redis
  rejects fails only its own add, with the error that add would have met alone; a transaction
  that fails as a whole (the connection broke) fails every add in it.
* ``RedisEventBuffer.drain`` reads and deletes in one ``MULTI``/``EXEC`` transaction and then
  removes from the session set only the sessions it read.  A drain racing with ``add`` calls
  therefore neither loses nor duplicates a payload, and no session key is orphaned.
* Payloads round-trip through Redis whole, ``conversation_id`` included (payload-level and
  per action); members written by older versions, with or without the random prefix, still
  parse.
* Redis URLs are logged without credentials or query string.  Drop records carry ids, the
  payload's type and the reason (``extra["drop_reason"]``), never its content; a corrupt stored
  entry is logged with its size at WARNING and its first 200 characters only at DEBUG.
* Every drop goes through the SDK's one drop path, which also forwards it to the process-wide
  error reporter (:mod:`autoplay_sdk.observability`) after the buffer's lock is released:
  ``"Event buffer full — payload dropped"`` (``product_id``, ``session_id``, ``payload_type``,
  ``max_size``) for an ``EventBuffer`` eviction, ``"Redis buffer write failed — payload
  dropped"`` (``product_id``, ``session_id``, ``payload_type``, ``reason``) for every
  ``RedisEventBuffer`` drop.  With no reporter installed, nothing more is logged.
* ``RedisEventBuffer.aclose()`` (also ``async with``) releases the connection pool.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from autoplay_sdk import _json
from autoplay_sdk._drops import DropPath
from autoplay_sdk._logging import get_logger
from autoplay_sdk._metrics import safe_call
from autoplay_sdk._stream import NO_SESSION, _describe, parse_payload, redact_url
from autoplay_sdk.core.metrics import SdkMetricsHook
from autoplay_sdk.core.models import ActionsPayload, AnyPayload, SummaryPayload

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = get_logger(__name__)

_SESSIONS_KEY = "autoplay:sdk:sessions:{prefix}"
_BUFFER_KEY = "autoplay:sdk:buffer:{prefix}:{session_id}"
_DEFAULT_WINDOW_S = 120.0

_RETRY_COOLDOWN_S = 30.0
_SEMAPHORE_TIMEOUT_S = 0.1
_INSTALL_HINT = "RedisEventBuffer needs the 'redis' extra: pip install 'autoplay-sdk[redis]'"

DropCallback = Callable[[AnyPayload], None]
# One add's write: (session key, buffer key, trim cutoff, member, score).
_WriteOp = tuple[str, str, float, str, float]
_COMMANDS_PER_WRITE = 3  # SADD, ZREMRANGEBYSCORE, ZADD


@runtime_checkable
class BufferBackend(Protocol):
    """An asynchronous buffer: ``add`` payloads, ``drain`` them oldest first, ask the ``size``."""

    async def add(self, payload: AnyPayload) -> None: ...

    async def drain(self) -> list[AnyPayload]: ...

    async def size(self) -> int: ...


def _ids(payload: Any) -> dict[str, Any]:
    return {"session_id": getattr(payload, "session_id", None), "product_id": getattr(payload, "product_id", None)}


def _drop_path(on_drop: DropCallback | None, metrics: Any, error_event: str) -> DropPath:
    """The buffers' drop path: ``on_drop(payload)``, its failures at WARNING, no own count shown."""
    return DropPath(
        logger,
        metrics=metrics,
        on_drop=on_drop,
        with_total=False,
        on_drop_failed="on_drop callback raised",
        on_drop_failed_level=logging.WARNING,
        error_event=error_event,
    )


def _dropped(
    drops: DropPath,
    payload: Any,
    why: str,
    /,
    *,
    log: tuple[int, str, tuple[Any, ...]] | None,
    extra: dict[str, Any] | None = None,
    metrics: bool = True,
    **context: Any,
) -> None:
    ids = _ids(payload)
    drops.drop(
        why,
        event_type=_event_type(payload),
        subject=payload,
        log=log,
        extra={**ids, **(extra or {})},
        metrics=metrics,
        context={**ids, "payload_type": type(payload).__name__, **context},
        **ids,
    )


# --------------------------------------------------------------------------- in memory


class EventBuffer:
    """An in-memory FIFO of payloads, safe to use from several threads.

    ``max_size`` bounds it (``0`` = unlimited; negative raises ``ValueError``).  When full,
    ``add`` evicts the oldest item, logs a WARNING and passes the evicted item to ``on_drop``
    after releasing the lock.  No method blocks beyond that short lock.
    """

    def __init__(self, max_size: int = 1000, on_drop: DropCallback | None = None) -> None:
        if max_size < 0:
            raise ValueError(f"max_size must be >= 0 (0 = unlimited), got {max_size!r}")
        self._max_size = max_size
        self._drops = _drop_path(on_drop, None, "Event buffer full — payload dropped")
        # A bounded deque evicts its oldest item itself on append; ``_full`` is the length at
        # which an append evicts (-1, never reached, when unlimited).
        self._items: deque[Any] = deque(maxlen=max_size or None)
        self._full = max_size or -1
        self._lock = threading.Lock()

    def add(self, payload: AnyPayload) -> None:
        """Append ``payload`` (any object is accepted), evicting the oldest item when full."""
        with self._lock:
            items = self._items
            if len(items) != self._full:
                items.append(payload)
                return
            oldest = items[0]
            items.append(payload)  # evicts ``oldest``
        drops = self._drops
        if drops.unobserved(logging.WARNING):  # nobody listens: the count is the whole drop
            drops.count_unobserved()
            return
        message = "EventBuffer full (max_size=%d) — dropping %s session=%s"
        args = (self._max_size, type(oldest).__name__, getattr(oldest, "session_id", None))
        _dropped(drops, oldest, "buffer_full", log=(logging.WARNING, message, args), max_size=self._max_size)

    def drain(self) -> list[Any]:
        """Remove and return every item, oldest first."""
        with self._lock:
            items = list(self._items)
            self._items.clear()
        return items

    def peek(self, n: int | None = None) -> list[Any]:
        """A copy of the last ``n`` items (oldest first; ``None`` = all, ``0`` = none); nothing is removed.

        ``n`` follows slice semantics: ``peek(n)`` is ``items[-n:]``, so a negative ``n`` skips
        the ``-n`` oldest items.
        """
        with self._lock:
            items = list(self._items)
        if n is None:
            return items
        if n == 0:
            return []
        return items[-n:]

    def drain_by_type(self, *, actions: bool = True, summaries: bool = True) -> list[Any]:
        """Remove and return the selected payload kinds in arrival order; the rest stays, in order."""
        kinds: tuple[type, ...] = (ActionsPayload,) * actions + (SummaryPayload,) * summaries
        with self._lock:
            taken = [item for item in self._items if isinstance(item, kinds)]
            if taken:
                kept = [item for item in self._items if not isinstance(item, kinds)]
                self._items.clear()
                self._items.extend(kept)
        return taken

    def clear(self) -> None:
        """Discard every item (``on_drop`` is not called)."""
        with self._lock:
            self._items.clear()

    @property
    def size(self) -> int:
        """How many items are buffered."""
        with self._lock:
            return len(self._items)

    @property
    def is_empty(self) -> bool:
        """True when nothing is buffered."""
        return self.size == 0

    @property
    def max_size(self) -> int:
        """The configured bound (``0`` = unlimited)."""
        return self._max_size

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"EventBuffer(size={self.size}, max_size={self._max_size})"


# --------------------------------------------------------------------------- serialisation


def _payload_to_json(payload: AnyPayload) -> str:
    """The compact JSON stored in Redis: the payload's wire object (``type`` first)."""
    if isinstance(payload, (ActionsPayload, SummaryPayload)):
        data = payload.to_dict()
    else:  # a look-alike object: stored as a summary
        data = {
            "type": "summary",
            "product_id": getattr(payload, "product_id", ""),
            "session_id": getattr(payload, "session_id", None),
            "summary": getattr(payload, "summary", ""),
            "replaces": getattr(payload, "replaces", 0),
            "forwarded_at": getattr(payload, "forwarded_at", 0.0),
        }
    return json.dumps(data, separators=(",", ":"))


def _payload_from_json(raw: str | bytes) -> AnyPayload | None:
    """Parse one stored member (with or without its 9-character random prefix); ``None`` to skip.

    Never raises for what Redis holds: any member that does not decode (invalid UTF-8, not JSON,
    not an object, nesting too deep, fields the models reject) is logged and skipped.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw
        raw = text
        data = _json.loads(text[9:] if len(text) > 9 and text[8] == ":" else text)
        if type(data) is not dict:
            raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    except MemoryError:
        raise
    except Exception:  # any decode failure (RecursionError included) is a corrupt entry
        size = len(raw) if isinstance(raw, (str, bytes)) else None
        logger.warning("RedisEventBuffer corrupt JSON in drain — skipping entry", extra={"raw_size": size})
        logger.debug("RedisEventBuffer corrupt entry: %s", raw[:200] if isinstance(raw, str) else None, exc_info=True)
        return None
    event_type = data.get("type")
    try:
        return parse_payload(data)
    except MemoryError:
        raise
    except Exception:
        logger.warning(
            "RedisEventBuffer could not deserialize %s payload in drain — skipping",
            event_type,
            exc_info=True,
            extra={"event_type": event_type},
        )
        return None


def _member(payload: AnyPayload) -> str:
    return f"{uuid.uuid4().hex[:8]}:{_payload_to_json(payload)}"


def _event_type(payload: Any) -> str:
    return "actions" if isinstance(payload, ActionsPayload) else "summary"


# --------------------------------------------------------------------------- Redis


class RedisEventBuffer:
    """An asynchronous buffer in Redis: one sorted set per session, scored by ``forwarded_at``.

    Construction does no I/O and no validation; the first ``add``/``drain``/``size`` connects.
    A failed connection attempt is logged once and retried no sooner than 30 s later; meanwhile
    ``add`` reports every payload dropped (metrics ``record_event_dropped(reason=
    "redis_unavailable")`` and ``on_drop``) and ``drain``/``size`` return ``[]``/``0``.

    At most ``max_concurrent`` writes run at once; an ``add`` that cannot get a slot within
    0.1 s is dropped (``reason="semaphore_timeout"``).  No method raises for Redis problems.
    Each write trims entries of its own session older than ``window_seconds`` before its
    timestamp; there is no TTL and no size cap.  Call :meth:`aclose` (or use ``async with``)
    to release the connections.
    """

    def __init__(
        self,
        redis_url: str,
        key_prefix: str = "default",
        window_seconds: float = _DEFAULT_WINDOW_S,
        max_concurrent: int = 10,
        on_drop: DropCallback | None = None,
        metrics: SdkMetricsHook | None = None,
    ) -> None:
        self._redis_url = redis_url
        self._safe_url = redact_url(redis_url)
        self._prefix = key_prefix
        self._window_s = window_seconds
        self._max_concurrent = max_concurrent
        self._drops = _drop_path(on_drop, metrics, "Redis buffer write failed — payload dropped")
        self._metrics = metrics
        self._sessions_key = _SESSIONS_KEY.format(prefix=key_prefix)
        self._redis: Redis | None = None
        self._available: bool | None = None
        self._retry_after = 0.0
        self._semaphore: asyncio.Semaphore | None = None
        self._connect_lock: asyncio.Lock | None = None
        # The loop whose write is in flight (None: no write is), and the adds queued behind it.
        self._writing: asyncio.AbstractEventLoop | None = None
        self._queued: list[tuple[_WriteOp, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    def _buffer_key(self, session_key: str) -> str:
        return _BUFFER_KEY.format(prefix=self._prefix, session_id=session_key)

    def _log_extra(self) -> dict[str, Any]:
        return {"redis_url": self._safe_url, "key_prefix": self._prefix}

    async def _get_redis(self) -> tuple[Redis | None, bool]:
        """The connected client and True, or ``(None, False)`` while Redis is unavailable."""
        if self._available and self._redis is not None:
            return self._redis, True
        if self._available is False and time.time() < self._retry_after:
            return None, False
        if self._connect_lock is None:
            self._connect_lock = asyncio.Lock()
        async with self._connect_lock:
            if self._available and self._redis is not None:
                return self._redis, True
            if self._available is False and time.time() < self._retry_after:
                return None, False
            client: Redis | None = None
            try:
                try:
                    import redis.asyncio as aioredis
                except ImportError as exc:
                    raise ImportError(_INSTALL_HINT) from exc
                pool = aioredis.ConnectionPool.from_url(
                    self._redis_url,
                    max_connections=self._max_concurrent + 2,
                    socket_connect_timeout=2,
                    socket_timeout=2,
                )  # bytes replies: a member that is not UTF-8 is skipped alone, not the whole drain
                client = aioredis.Redis(connection_pool=pool)
                await client.ping()
            except Exception as exc:
                if client is not None:
                    await _close_quietly(client)
                logger.warning(
                    "RedisEventBuffer Redis unavailable — on_drop will fire: %s",
                    _describe(exc),
                    exc_info=True,
                    extra=self._log_extra(),
                )
                self._available = False
                self._retry_after = time.time() + _RETRY_COOLDOWN_S
                return None, False
            self._redis, self._available = client, True
            logger.info(
                "RedisEventBuffer connected to %s (prefix=%s)", self._safe_url, self._prefix, extra=self._log_extra()
            )
            return client, True

    async def add(self, payload: AnyPayload) -> None:
        """Store ``payload`` in its session's window, or report it dropped; never raises for Redis errors."""
        client, ok = await self._get_redis()
        if client is None or not ok:
            _dropped(self._drops, payload, "redis_unavailable", log=None, reason="redis_unavailable")
            return
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self._max_concurrent)
        semaphore = self._semaphore
        try:
            if semaphore.locked():  # only a contended slot pays for a timeout task
                await asyncio.wait_for(semaphore.acquire(), timeout=_SEMAPHORE_TIMEOUT_S)
            else:
                await semaphore.acquire()
        except asyncio.TimeoutError:
            ids = _ids(payload)
            safe_call(self._metrics, "record_semaphore_timeout", **ids)
            message = "RedisEventBuffer semaphore full — dropping payload session=%s"
            _dropped(
                self._drops,
                payload,
                "semaphore_timeout",
                log=(logging.WARNING, message, (ids["session_id"] or "unknown",)),
                extra={"redis_url": self._safe_url, "backpressure_reason": "semaphore_timeout"},
                reason="semaphore_timeout",
            )
            return
        session_key = getattr(payload, "session_id", None) or NO_SESSION
        ts = getattr(payload, "forwarded_at", None) or time.time()
        started = time.perf_counter()
        success = False
        failure: BaseException | None = None
        try:
            write = (session_key, self._buffer_key(session_key), ts - self._window_s, _member(payload), ts)
            await self._write(client, write)
            success = True
        except Exception as exc:
            failure = exc
            ids = _ids(payload)
            logger.warning(
                "RedisEventBuffer.add failed for session=%s product=%s: %s",
                ids["session_id"],
                ids["product_id"],
                _describe(exc),
                exc_info=True,
                extra={**ids, "redis_url": self._safe_url, "drop_reason": "write_failed"},
            )
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000.0
            safe_call(self._metrics, "record_redis_operation", operation="add", elapsed_ms=elapsed_ms, success=success)
            semaphore.release()
        if failure is not None:  # logged above, with its traceback; as in 0.7.5 no metrics drop record
            _dropped(self._drops, payload, "write_failed", log=None, metrics=False, reason="write_failed")

    # -- writes: one transaction per add, or one for all the adds that queued behind a write ---

    async def _write(self, client: Redis, write: _WriteOp) -> None:
        """Apply ``write``; raise what made it fail.

        With no write in flight, the add sends its own transaction at once.  Otherwise it queues,
        and the queue is sent as one ``MULTI``/``EXEC`` as soon as the write in flight finishes:
        each add's three commands in arrival order, so the effect is that of the same adds made
        one after another, and a ``drain`` (a transaction too) sees all of them or none.
        """
        loop = asyncio.get_running_loop()
        if self._writing is loop:
            future: asyncio.Future[None] = loop.create_future()
            self._queued.append((write, future))
            await future
            return
        if self._writing is not None:  # a loop closed with a write in flight: its queue is dead
            self._queued = []
        self._writing = loop
        try:
            [outcome] = await self._send(client, [write])
        finally:
            if self._queued:
                self._flusher = loop.create_task(self._flush(client))
            else:
                self._writing = None
        if outcome is not None:
            raise outcome

    async def _flush(self, client: Redis) -> None:
        """Send the queued writes, one transaction per round, until none is left."""
        batch: list[tuple[_WriteOp, asyncio.Future[None]]] = []
        try:
            while self._queued:
                # A queued add cancelled meanwhile is not written: its caller is gone.
                batch = [(write, future) for write, future in self._queued if not future.done()]
                self._queued = []
                if not batch:
                    continue
                try:
                    outcomes = await self._send(client, [write for write, _ in batch])
                except Exception as exc:  # the transaction as a whole: every add in it fails alike
                    outcomes = [exc] * len(batch)
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if not future.done():
                        if outcome is None:
                            future.set_result(None)
                        else:
                            future.set_exception(outcome)
        finally:
            self._writing = None
            # Only when this task itself was cancelled (its loop is closing) are adds left waiting.
            for _, future in (*batch, *self._queued):
                future.cancel()
            self._queued = []

    async def _send(self, client: Redis, writes: list[_WriteOp]) -> list[BaseException | None]:
        """One ``MULTI``/``EXEC`` with each write's commands; each write's own error, or ``None``.

        A single write raises as redis-py raises.  In a larger transaction a command that Redis
        rejects fails only its own write, with the error redis-py would have raised had that write
        been sent alone (numbered within its three commands).
        """
        async with client.pipeline() as pipe:
            sessions_key = self._sessions_key
            for session_key, key, cutoff, member, ts in writes:
                pipe.sadd(sessions_key, session_key)
                pipe.zremrangebyscore(key, "-inf", cutoff)
                pipe.zadd(key, {member: ts})
            if len(writes) == 1:
                await pipe.execute()
                return [None]
            commands = [args for args, _ in pipe.command_stack]
            results = await pipe.execute(raise_on_error=False)
        from redis.exceptions import ResponseError

        outcomes: list[BaseException | None] = []
        for first in range(0, len(results), _COMMANDS_PER_WRITE):
            outcome: BaseException | None = None
            for number, result in enumerate(results[first : first + _COMMANDS_PER_WRITE], 1):
                if isinstance(result, ResponseError):
                    pipe.annotate_exception(result, number, commands[first + number - 1])
                    outcome = result
                    break
            outcomes.append(outcome)
        return outcomes

    async def drain(self) -> list[AnyPayload]:
        """Remove and return every buffered payload, oldest ``forwarded_at`` first.

        Returns ``[]`` when Redis is unavailable or the read fails (logged); in that case
        nothing was removed.
        """
        client, ok = await self._get_redis()
        if client is None or not ok:
            return []
        try:
            sessions = _members(await client.smembers(self._sessions_key))
        except Exception as exc:
            logger.warning(
                "RedisEventBuffer.drain could not fetch sessions: %s",
                _describe(exc),
                exc_info=True,
                extra=self._log_extra(),
            )
            return []
        if not sessions:
            return []
        base = self._buffer_key("").encode()
        keys = [base + s for s in sessions]  # raw bytes: a session id that is not UTF-8 still drains
        started = time.perf_counter()
        success = False
        try:
            async with client.pipeline() as pipe:  # MULTI/EXEC: read and delete as one step
                for key in keys:
                    pipe.zrange(key, 0, -1, withscores=True)
                pipe.delete(*keys)
                pipe.srem(self._sessions_key, *sessions)
                results = await pipe.execute()
            success = True
        except Exception as exc:
            logger.warning(
                "RedisEventBuffer.drain pipeline failed: %s", _describe(exc), exc_info=True, extra=self._log_extra()
            )
            return []
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000.0
            safe_call(
                self._metrics, "record_redis_operation", operation="drain", elapsed_ms=elapsed_ms, success=success
            )
        scored: list[tuple[float, AnyPayload]] = []
        for entries in results[: len(keys)]:
            for raw, score in entries:
                payload = _payload_from_json(raw)
                if payload is not None:
                    scored.append((float(score), payload))
        scored.sort(key=lambda pair: pair[0])
        return [payload for _, payload in scored]

    async def size(self) -> int:
        """How many payloads are stored (stale ones not yet trimmed included); ``0`` on any error."""
        client, ok = await self._get_redis()
        if client is None or not ok:
            return 0
        try:
            sessions = _members(await client.smembers(self._sessions_key))
            if not sessions:
                return 0
            base = self._buffer_key("").encode()
            async with client.pipeline(transaction=False) as pipe:
                for session in sessions:
                    pipe.zcard(base + session)
                counts = await pipe.execute()
            return int(sum(counts))
        except Exception as exc:
            logger.warning("RedisEventBuffer.size failed: %s", _describe(exc), exc_info=True, extra=self._log_extra())
            return 0

    async def aclose(self) -> None:
        """Close the connection pool.  A later call connects again."""
        client, self._redis = self._redis, None
        if self._available:
            self._available = None
        if client is not None:
            await _close_quietly(client)

    async def __aenter__(self) -> RedisEventBuffer:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return (
            f"RedisEventBuffer(prefix={self._prefix!r}, window_seconds={self._window_s}, available={self._available})"
        )


def _members(values: Any) -> list[bytes]:
    """Set members as the bytes Redis holds (whatever the client decodes), sorted for a stable order."""
    return sorted(v if isinstance(v, bytes) else str(v).encode("utf-8", "surrogateescape") for v in values)


async def _close_quietly(client: Redis) -> None:
    try:
        await client.aclose(close_connection_pool=True)
    except Exception:
        logger.debug("closing the Redis client failed", exc_info=True)
