"""Session context shared by many processes through Redis: :class:`RedisContextStore`,
:class:`AsyncRedisContextStore` and :class:`RedisUserSessionIndex`.

One process (the ingester) writes; any number of replicas read.  For the same stream,
``get()``/``enrich()`` return exactly the text an in-memory
:class:`~autoplay_sdk.context.context_store.ContextStore` built with the same options returns,
and :class:`RedisUserSessionIndex` answers like
:class:`~autoplay_sdk.context.user_index.UserSessionIndex`.

Data model: per-session keys read on demand.  A read touches only the keys of the session
asked for (its summary and the newest entries of its bucket, plus the session's product set
for the product fallback), in one round trip, so its cost follows the window and never the
number of sessions or the length of the session's history.  Writes are one Lua script call
each (atomic: a reader never sees half a payload, and a payload and its pruning land
together).  The key layout is in :mod:`autoplay_sdk.context._redis_core` and
``docs/scaling.md``.

Decisions:

- **Bounded.**  Every key expires ``session_ttl_s`` (default 3600 s, at least the lookback)
  after its last write, and a bucket holds at most ``max_actions_per_session`` actions (default
  10,000, as ``ContextStore``: the oldest payloads are dropped, each reported to the metrics hook
  with ``reason="max_actions_per_session"``).  There is no ``max_sessions`` (size Redis with
  ``maxmemory`` instead).  Buckets of one session expire independently, per product.
- **Bad payloads are refused** like ``ContextStore`` refuses them (WARNING, nothing written).
- **Faults are reported, not raised, on the write path.**  Clients built from a URL retry
  connection errors with capped, jittered exponential backoff (redis-py's ``Retry``; about
  ``write_retry_s`` seconds in total); a client you pass keeps its own retry settings.  An
  asyncio client passed to :class:`AsyncRedisContextStore` is mirrored by a sync client for the
  reads (same host, port, database, credentials and TLS).  A payload that still cannot be
  written is dropped: counted in ``dropped_count``, passed to ``on_drop(payload_dict,
  total_dropped)``, reported to the metrics hook
  (``record_event_dropped(reason="redis_unavailable", ...)``) and logged at WARNING with its ids
  only.  Reads raise :class:`~autoplay_sdk.core.exceptions.SdkUpstreamError` (from the Redis
  error) when Redis cannot be reached, rather than answering "no activity".
- **Replays are idempotent.**  ``add(payload, event_id=..., resumed_after=...)`` with a numeric
  SSE event id skips a payload whose id is not above the last one stored in its bucket (a
  resumed ingester may replay a few events), unless the id is at or below the ``Last-Event-ID``
  the connection resumed after (the connector restarted its numbering: stored).  Without an id
  every call appends, as the in-memory store does.
- ``max_actions`` / ``lookback_seconds`` / ``include_*`` and the per-call overrides behave as in
  ``ContextStore``; the product-fallback WARNING is logged once per session id and process.
- ``active_sessions`` scans the key space (``SCAN``): an operator tool, not for the chat path.
- Session ids containing U+001F are not supported by the product fallback (as in memory).
- Logs carry ids and counts only, never action text or summaries.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from typing import Any

from autoplay_sdk._logging import get_logger
from autoplay_sdk.context import _redis_core as core
from autoplay_sdk.context._admit import describe, payload_problem, record_drops, user_payload_problem
from autoplay_sdk.context._render import enrich_query
from autoplay_sdk.context.context_store import DEFAULT_MAX_ACTIONS_PER_SESSION, actions_bucket_id
from autoplay_sdk.context.user_index import SessionRef
from autoplay_sdk.core.models import ActionsPayload

__all__ = ["AsyncRedisContextStore", "RedisContextStore", "RedisUserSessionIndex"]

logger = get_logger(__name__)

DropCallback = Callable[[dict[str, Any], int], Any]

_WARN_SET_MAX = 10_000


class _Unset(enum.Enum):
    UNSET = 0


_UNSET = _Unset.UNSET


def _retry_kwargs(redis_mod: Any, write_retry_s: float, asyncio: bool) -> dict[str, Any]:
    """Client options: capped jittered backoff on connection errors, about ``write_retry_s`` in total."""
    backoff_mod = redis_mod.backoff
    retry_cls = redis_mod.asyncio.retry.Retry if asyncio else redis_mod.retry.Retry
    cap = 0.5
    retries = max(1, int(write_retry_s / cap) + 3)
    errors = (redis_mod.exceptions.ConnectionError, redis_mod.exceptions.TimeoutError)
    return {
        "retry": retry_cls(backoff_mod.ExponentialWithJitterBackoff(base=0.05, cap=cap), retries, errors),
        "retry_on_error": list(errors),
        "socket_connect_timeout": 2.0,
        "socket_timeout": 5.0,
        "health_check_interval": 10,
    }


def sync_client(redis: Any, write_retry_s: float = 5.0) -> Any:
    """A sync ``redis.Redis`` for ``redis`` (a URL, a sync client, or an asyncio client to mirror)."""
    redis_mod = core.import_redis()
    if isinstance(redis, str):
        return redis_mod.Redis.from_url(redis, **_retry_kwargs(redis_mod, write_retry_s, asyncio=False))
    if isinstance(redis, redis_mod.asyncio.Redis):
        # Same server and credentials as the asyncio client (its other options are asyncio-specific).
        pool = redis.connection_pool
        given = pool.connection_kwargs
        kwargs = {k: given[k] for k in ("host", "port", "db", "username", "password") if k in given}
        if "path" in given:
            kwargs["unix_socket_path"] = given["path"]
        if "SSL" in pool.connection_class.__name__:
            kwargs["ssl"] = True
        return redis_mod.Redis(**kwargs, **_retry_kwargs(redis_mod, write_retry_s, asyncio=False))
    return redis


def async_client(redis: Any, write_retry_s: float = 5.0) -> Any:
    """An asyncio ``redis.asyncio.Redis`` for ``redis`` (a URL or an asyncio client)."""
    redis_mod = core.import_redis()
    if isinstance(redis, str):
        return redis_mod.asyncio.Redis.from_url(redis, **_retry_kwargs(redis_mod, write_retry_s, asyncio=True))
    return redis


class _Reporter:
    """Counts dropped payloads and tells ``on_drop``, the metrics hook and the log."""

    def __init__(self, on_drop: DropCallback | None, metrics: Any) -> None:
        self.on_drop = on_drop
        self.metrics = metrics
        self.dropped = 0
        self._lock = threading.Lock()

    def drop(self, payload: ActionsPayload, exc: BaseException) -> None:
        with self._lock:
            self.dropped += 1
            total = self.dropped
        logger.warning(
            "redis_store: could not write payload for session=%s product=%s (%s); dropped (total %d)",
            payload.session_id,
            payload.product_id,
            type(exc).__name__,
            total,
            extra={"session_id": payload.session_id, "product_id": payload.product_id},
        )
        record_drops(
            self.metrics,
            1,
            reason="redis_unavailable",
            event_type="actions",
            session_id=payload.session_id,
            product_id=payload.product_id,
        )
        if self.on_drop is not None:
            try:
                self.on_drop(payload.to_dict(), total)
            except Exception:
                logger.error("redis_store: on_drop callback raised", exc_info=True)


class _Read:
    """One ``get()``: its arguments resolved against the store's defaults."""

    __slots__ = (
        "bucket",
        "cap",
        "cutoff",
        "include_actions",
        "include_summary",
        "lookback",
        "now",
        "product_id",
        "session_id",
    )

    def __init__(
        self,
        session_id: str,
        product_id: str | None,
        include_summary: bool,
        include_actions: bool,
        lookback: Any,
        cap: Any,
        now: float,
    ) -> None:
        self.session_id = session_id
        self.product_id = product_id
        self.include_summary = include_summary
        self.include_actions = include_actions
        self.lookback = lookback
        self.cap = cap
        self.now = now
        self.cutoff = None if lookback is None else now - lookback
        self.bucket = actions_bucket_id(product_id, session_id)


class RedisContextStore:
    """A :class:`~autoplay_sdk.context.context_store.ContextStore` whose state lives in Redis.

    ``redis`` is a URL (``redis://host:6379/0``) or a ``redis.Redis`` client.  Writers call
    ``add`` / ``on_summary`` (sync, blocking on one Redis round trip); readers call ``get`` /
    ``enrich`` (one round trip, two with the product fallback), from any thread.  Pass a
    summarizer to have its summaries stored (its ``on_summary`` is replaced, with a WARNING if one
    was set), as with ``ContextStore``; run it in one process only (the ingester), so each
    summary is produced once for the whole fleet.

    Raises:
        ValueError: ``lookback_seconds <= 0``, ``max_actions < 1``, ``max_actions_per_session < 1``,
            ``session_ttl_s <= 0`` or ``session_ttl_s < lookback_seconds``.
        ModuleNotFoundError: the ``redis`` extra is not installed.
    """

    def __init__(
        self,
        redis: Any,
        *,
        summarizer: Any | None = None,
        include_summary: bool = True,
        include_actions: bool = True,
        lookback_seconds: float | None = None,
        max_actions: int | None = None,
        session_ttl_s: float = core.DEFAULT_SESSION_TTL_S,
        max_actions_per_session: int | None = DEFAULT_MAX_ACTIONS_PER_SESSION,
        key_prefix: str = core.DEFAULT_PREFIX,
        write_retry_s: float = 5.0,
        on_drop: DropCallback | None = None,
        metrics: Any = None,
    ) -> None:
        if lookback_seconds is not None and lookback_seconds <= 0:
            raise ValueError(f"lookback_seconds must be > 0, got {lookback_seconds!r}")
        if max_actions is not None and max_actions < 1:
            raise ValueError(f"max_actions must be >= 1, got {max_actions!r}")
        if max_actions_per_session is not None and max_actions_per_session < 1:
            raise ValueError(f"max_actions_per_session must be >= 1, got {max_actions_per_session!r}")
        self._max_per_session = "" if max_actions_per_session is None else str(max_actions_per_session)
        self._metrics = metrics
        self._ttl_ms = core.check_ttl(session_ttl_s, lookback_seconds)
        self._keys = core.Keys(core.check_prefix(key_prefix))
        self._include_summary = include_summary
        self._include_actions = include_actions
        self._lookback_seconds = lookback_seconds
        self._max_actions = max_actions
        self._redis = sync_client(redis, write_retry_s)
        self._write_retry_s = write_retry_s
        self._add_script = self._redis.register_script(core.ADD_SCRIPT)
        self._decode = core.EntryDecoder()
        self._reporter = _Reporter(on_drop, metrics)
        self._warned: set[str] = set()
        self._wall: Callable[[], float] = time.time
        if summarizer is not None:
            if summarizer.on_summary is not None:
                logger.warning(
                    "%s: replacing existing on_summary on the provided summarizer; "
                    "the previous callback will no longer be called.",
                    type(self).__name__,
                )
            summarizer.on_summary = self.on_summary

    @property
    def dropped_count(self) -> int:
        """Payloads that could not be written to Redis (see the module docstring)."""
        return self._reporter.dropped

    def on_drop(self, fn: DropCallback) -> None:
        """Set the callback told ``(payload_dict, total_dropped)`` for each payload not written."""
        self._reporter.on_drop = fn

    # -- write side ----------------------------------------------------------------------------

    def _add_args(
        self, payload: ActionsPayload, event_id: str, resumed_after: str
    ) -> tuple[list[str], list[Any]] | None:
        """The script call for ``payload``, or ``None`` (WARNING logged) when it cannot be stored."""
        problem = payload_problem(payload)
        if problem is not None:
            logger.warning(
                "redis_store: refused a payload for session=%s (%s); the session is unchanged",
                describe(payload),
                problem,
            )
            return None
        bucket, sid, pid = core.bucket_parts(payload)
        keys = self._keys
        lookback = self._lookback_seconds
        cutoff = "" if lookback is None else repr(self._wall() - lookback)
        entry = core.encode_entry(payload)
        fwd = entry[: entry.index(" ")]
        return (
            [keys.bucket(bucket), keys.meta(bucket), keys.scoped(sid)],
            [
                *(entry, fwd, cutoff, self._ttl_ms, event_id, bucket if pid else "", resumed_after),
                *(len(payload.actions), self._max_per_session),
            ],
        )

    def _written(self, payload: ActionsPayload, result: Any) -> bool:
        """Report the oldest payloads the action bound dropped; ``False`` for a skipped replay."""
        dropped = int(result)
        if dropped > 0:
            logger.debug(
                "redis_store: max_actions_per_session=%s reached; dropped %d oldest payloads",
                self._max_per_session,
                dropped,
            )
            record_drops(
                self._metrics,
                dropped,
                reason="max_actions_per_session",
                event_type="actions",
                session_id=payload.session_id,
                product_id=payload.product_id,
            )
        return dropped >= 0

    def add(self, payload: ActionsPayload, *, event_id: str = "", resumed_after: str = "") -> bool:
        """Append ``payload`` to its product/session bucket in Redis; ``False`` if not stored.

        With a constructor ``lookback_seconds`` the bucket's payloads older than the window
        (``payload`` included) are dropped in the same atomic step.  ``event_id`` (the SSE id of
        the event) makes replays idempotent: a numeric id not above the bucket's last one is
        skipped, unless it is at or below ``resumed_after`` (the ``Last-Event-ID`` the connection
        sent): such an id means the connector restarted its numbering, so it is stored.

        Never raises for Redis faults: a payload that cannot be written after the retries is
        reported as dropped (``on_drop``, metrics, WARNING) and ``False`` returned.
        """
        call = self._add_args(payload, event_id, resumed_after)
        if call is None:
            return False
        try:
            result = self._add_script(keys=call[0], args=call[1], client=self._redis)
        except self._redis_errors() as exc:
            self._reporter.drop(payload, exc)
            return False
        return self._written(payload, result)

    def on_summary(self, session_id: str, summary_text: str) -> None:
        """Store ``summary_text`` as the session's latest summary (replacing the previous one).

        An empty (or ``None``) summary removes the stored one: the in-memory store keeps it but
        renders it as "no summary", which reads the same.  A Redis fault is logged at WARNING (the
        summary is lost; the next one replaces it anyway).
        """
        try:
            self._summary_call(self._redis, session_id, summary_text)
        except self._redis_errors() as exc:
            logger.warning("redis_store: could not write summary for session=%s (%s)", session_id, type(exc).__name__)

    def _summary_call(self, client: Any, session_id: str, summary_text: Any) -> Any:
        key = self._keys.summary(session_id)
        if not summary_text:
            return client.delete(key)
        return client.set(key, str(summary_text), px=self._ttl_ms)

    def _redis_errors(self) -> type[Exception]:
        error: type[Exception] = core.import_redis().exceptions.RedisError
        return error

    # -- read side -----------------------------------------------------------------------------

    def get(
        self,
        session_id: str,
        *,
        product_id: str | None = None,
        include_summary: bool | _Unset = _UNSET,
        include_actions: bool | _Unset = _UNSET,
        lookback_seconds: float | _Unset | None = _UNSET,
        max_actions: int | _Unset | None = _UNSET,
    ) -> str:
        """The session's context text, exactly as :meth:`ContextStore.get` renders it.

        Raises:
            SdkUpstreamError: Redis cannot be reached (after the client's retries).
        """
        read = _Read(
            session_id,
            product_id,
            self._include_summary if include_summary is _UNSET else include_summary,
            self._include_actions if include_actions is _UNSET else include_actions,
            self._lookback_seconds if lookback_seconds is _UNSET else lookback_seconds,
            self._max_actions if max_actions is _UNSET else max_actions,
            self._wall(),
        )
        with core.upstream("redis_store.get"):
            pipe = self._redis.pipeline(transaction=False)
            self._queue_read(pipe, read)
            return self._finish_read(read, pipe.execute())

    def _get_many(self, sessions: list[tuple[str, str | None]]) -> list[str]:
        """``get(session_id, product_id=...)`` with the defaults for each pair, in one round trip.

        Reads whose window reaches further back, or that fall back to a product bucket, take the
        extra round trips ``get`` would.
        """
        now = self._wall()
        defaults = (self._include_summary, self._include_actions, self._lookback_seconds, self._max_actions, now)
        reads = [_Read(sid, pid, *defaults) for sid, pid in sessions]
        with core.upstream("redis_store.get"):
            pipe = self._redis.pipeline(transaction=False)
            for read in reads:
                self._queue_read(pipe, read)
            replies = pipe.execute()
            texts = []
            for read in reads:
                n = 3 if read.include_actions else 1
                texts.append(self._finish_read(read, replies[:n]))
                replies = replies[n:]
            return texts

    def _queue_read(self, pipe: Any, read: _Read) -> None:
        pipe.get(self._keys.summary(read.session_id))
        if read.include_actions:
            self._queue_tail(pipe, read.bucket, read.cap)

    def _finish_read(self, read: _Read, replies: list[Any]) -> str:
        entries: list[Any] = []
        if read.include_actions:
            summary_raw, length, entries = replies
            entries = self._grow_tail(read.bucket, entries, length, read.cutoff, read.cap)
            if not length and not (read.product_id or "").strip():
                entries = self._fallback(read.session_id, read.cutoff, read.cap)
        else:
            (summary_raw,) = replies
        return core.render(
            core.text(summary_raw),
            [p for p in map(self._decode, entries) if p is not None],
            include_summary=read.include_summary,
            include_actions=read.include_actions,
            lookback=read.lookback,
            cap=read.cap,
            now=read.now,
        )

    def _queue_tail(self, pipe: Any, bucket_key: str, cap: Any, size: int | None = None) -> None:
        """Queue ``LLEN`` and an ``LRANGE`` of the bucket's newest entries (``size``, default ``cap``).

        Without a cap the whole bucket is read; with ``cap <= 0`` no entry is (no action shows).
        """
        name = self._keys.bucket(bucket_key)
        pipe.llen(name)
        if cap is None:
            pipe.lrange(name, 0, -1)
        elif cap <= 0:
            pipe.lrange(name, 1, 0)  # an empty range: only the length matters
        else:
            pipe.lrange(name, -(size or int(cap)), -1)

    def _grow_tail(self, bucket_key: str, entries: list[Any], length: int, cutoff: Any, cap: Any) -> list[Any]:
        """Read further back until the newest entries within the lookback hold ``cap`` actions.

        The window of a read is the newest ``cap`` actions among the entries within the lookback,
        in arrival order, so it always lies in a suffix of the list: reading that suffix only
        keeps the cost of a read proportional to its window, not to the session's history.
        """
        if cap is None or cap <= 0:
            return entries
        while len(entries) < length and core.actions_within(entries, cutoff) < cap:
            size = min(length, max(len(entries), 1) * 4)
            pipe = self._redis.pipeline(transaction=False)
            self._queue_tail(pipe, bucket_key, cap, size)
            length, entries = pipe.execute()
        return entries

    def enrich(
        self,
        session_id: str,
        query: str,
        *,
        product_id: str | None = None,
        include_summary: bool | _Unset = _UNSET,
        include_actions: bool | _Unset = _UNSET,
        lookback_seconds: float | _Unset | None = _UNSET,
        max_actions: int | _Unset | None = _UNSET,
    ) -> str:
        """``"[Session context]\\n<get()>\\n\\n[Query]\\n<query>"``, or ``query`` when the context is empty.

        Raises:
            SdkUpstreamError: Redis cannot be reached.
        """
        context = self.get(
            session_id,
            product_id=product_id,
            include_summary=include_summary,
            include_actions=include_actions,
            lookback_seconds=lookback_seconds,
            max_actions=max_actions,
        )
        return enrich_query(context, query)

    def _fallback(self, session_id: str, cutoff: Any, cap: Any) -> list[Any]:
        """The window entries of the session's single non-empty product bucket (WARNING once), else none."""
        keys = self._keys
        scoped = sorted(core.text(k) or "" for k in self._redis.smembers(keys.scoped(session_id)))
        if not scoped:
            return []
        pipe = self._redis.pipeline(transaction=False)
        for bucket in scoped:
            pipe.llen(keys.bucket(bucket))
        found = [b for b, n in zip(scoped, pipe.execute(), strict=True) if n]
        if not found:
            return []
        first_time = session_id not in self._warned
        if first_time:
            if len(self._warned) >= _WARN_SET_MAX:
                self._warned.clear()
            self._warned.add(session_id)
        if len(found) == 1:
            bucket = found[0]
            if first_time:
                logger.warning(
                    "context_store: get(session_id=%s) fell back to product-scoped actions bucket=%s; "
                    "pass product_id explicitly to avoid empty reads",
                    session_id,
                    bucket,
                )
            pipe = self._redis.pipeline(transaction=False)
            self._queue_tail(pipe, bucket, cap)
            length, entries = pipe.execute()
            return self._grow_tail(bucket, entries, length, cutoff, cap)
        if first_time:
            logger.warning(
                "context_store: get(session_id=%s) found multiple product-scoped buckets; "
                "pass product_id explicitly to disambiguate reads",
                session_id,
            )
        return []

    # -- management ----------------------------------------------------------------------------

    def reset(self, session_id: str, *, product_id: str | None = None) -> None:
        """Forget the session's summary, its bucket for ``product_id`` and its session-only bucket.

        Raises:
            SdkUpstreamError: Redis cannot be reached.
        """
        key = actions_bucket_id(product_id, session_id)
        keys = self._keys
        names = [keys.summary(session_id), keys.bucket(key), keys.meta(key)]
        with core.upstream("redis_store.reset"):
            if key != session_id:
                names += [keys.bucket(session_id), keys.meta(session_id)]
                self._redis.srem(keys.scoped(session_id.strip()), key)
            self._redis.delete(*names)
        logger.debug("redis_store: reset session=%s product=%s", session_id, product_id)

    @property
    def active_sessions(self) -> list[str]:
        """Sorted bucket keys and summary ids held in Redis (scans the prefix: not for the chat path).

        Raises:
            SdkUpstreamError: Redis cannot be reached.
        """
        found: set[str] = set()
        keys = self._keys
        with core.upstream("redis_store.active_sessions"):
            for marker in ("b:", "s:"):
                start = len(keys.prefix) + len(marker)
                for name in self._redis.scan_iter(match=_glob_escape(keys.prefix + marker) + "*", count=1000):
                    found.add((core.text(name) or "")[start:])
        return sorted(found)


class AsyncRedisContextStore(RedisContextStore):
    """:class:`RedisContextStore` with ``async`` write methods (``redis.asyncio``), for async pipelines.

    ``add`` and ``on_summary`` are coroutines; ``get``, ``enrich``, ``reset`` and
    ``active_sessions`` stay synchronous (a sync client from the same URL or connection
    options).  ``redis`` is a URL or a ``redis.asyncio.Redis`` client.
    """

    def __init__(self, redis: Any, **options: Any) -> None:
        super().__init__(redis, **options)
        self._aredis = async_client(redis, self._write_retry_s)
        self._aadd_script = self._aredis.register_script(core.ADD_SCRIPT)

    async def add(  # type: ignore[override]
        self, payload: ActionsPayload, *, event_id: str = "", resumed_after: str = ""
    ) -> bool:
        """Append ``payload`` to its bucket; see :meth:`RedisContextStore.add`."""
        return bool(await self._write(payload, event_id, resumed_after))

    async def _write(self, payload: ActionsPayload, event_id: str, resumed_after: str = "") -> bool | None:
        """``True`` stored, ``False`` skipped as a replay, ``None`` refused or dropped (and reported)."""
        call = self._add_args(payload, event_id, resumed_after)
        if call is None:
            return None
        try:
            result = await self._aadd_script(keys=call[0], args=call[1], client=self._aredis)
        except self._redis_errors() as exc:
            self._reporter.drop(payload, exc)
            return None
        return self._written(payload, result)

    async def on_summary(self, session_id: str, summary_text: str) -> None:  # type: ignore[override]
        """Store the session's latest summary; see :meth:`RedisContextStore.on_summary`."""
        try:
            await self._summary_call(self._aredis, session_id, summary_text)
        except self._redis_errors() as exc:
            logger.warning("redis_store: could not write summary for session=%s (%s)", session_id, type(exc).__name__)

    async def aclose(self) -> None:
        """Close the asyncio client's connections."""
        await self._aredis.aclose()


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


class RedisUserSessionIndex:
    """A :class:`~autoplay_sdk.context.user_index.UserSessionIndex` whose state lives in Redis.

    Same methods and answers; ``context_store`` is any store with a sync ``get`` (normally a
    :class:`RedisContextStore` on the same Redis).  The user's refs are rebuilt atomically by one
    Lua script per ``add`` (same dedupe, lookback, stable ordering and cap as in memory); reads
    filter by the lookback without writing.  Keys expire ``session_ttl_s`` after the user's
    last ``add`` (there is no ``max_users``: the TTL bounds the index).  Payloads the in-memory
    index refuses are refused the same way (WARNING, nothing written).  ``add`` reports Redis
    faults through the log (WARNING) and returns; reads raise
    :class:`~autoplay_sdk.core.exceptions.SdkUpstreamError`.

    Raises:
        ValueError: ``lookback_seconds <= 0``, ``max_sessions_per_user < 1`` or a bad
            ``session_ttl_s``.
    """

    def __init__(
        self,
        context_store: Any,
        redis: Any,
        *,
        lookback_seconds: float = 300.0,
        max_sessions_per_user: int = 20,
        session_ttl_s: float = core.DEFAULT_SESSION_TTL_S,
        key_prefix: str = core.DEFAULT_PREFIX,
        write_retry_s: float = 5.0,
    ) -> None:
        if lookback_seconds <= 0:
            raise ValueError("lookback_seconds must be > 0")
        if max_sessions_per_user < 1:
            raise ValueError("max_sessions_per_user must be >= 1")
        self._ttl_ms = core.check_ttl(session_ttl_s, lookback_seconds)
        self._keys = core.Keys(core.check_prefix(key_prefix))
        self._store = context_store
        self._lookback_seconds = lookback_seconds
        self._max = max_sessions_per_user
        self._redis = sync_client(redis, write_retry_s)
        self._script = self._redis.register_script(core.USER_SCRIPT)
        self._aredis: Any = None
        self._aredis_source = redis
        self._write_retry_s = write_retry_s
        self._wall: Callable[[], float] = time.time

    def _user_args(self, payload: ActionsPayload) -> tuple[list[str], list[Any]] | None:
        problem = user_payload_problem(payload)
        if problem is not None:
            logger.warning("redis_index: refused a payload for session=%s (%s)", describe(payload), problem)
            return None
        uid = (payload.user_id or "").strip()
        sid = (payload.session_id or "").strip()
        if not uid or not sid:
            return None
        now = float(payload.forwarded_at or self._wall())
        entry = core.user_ref_entry(now, sid, payload.product_id or None)
        keys = self._keys
        return (
            [keys.user(uid), keys.email(uid)],
            [entry, repr(now), sid, repr(float(self._lookback_seconds)), self._max, self._ttl_ms, payload.email or ""],
        )

    def add(self, payload: ActionsPayload) -> None:
        """Record ``payload``'s session for its user (no-op without a user id or a session id)."""
        call = self._user_args(payload)
        if call is None:
            return
        try:
            self._script(keys=call[0], args=call[1], client=self._redis)
        except core.import_redis().exceptions.RedisError as exc:
            logger.warning("redis_index: could not record session=%s (%s)", payload.session_id, type(exc).__name__)

    async def add_async(self, payload: ActionsPayload) -> None:
        """:meth:`add` over ``redis.asyncio`` (does not block the event loop)."""
        call = self._user_args(payload)
        if call is None:
            return
        if self._aredis is None:
            self._aredis = async_client(self._aredis_source, self._write_retry_s)
            self._ascript = self._aredis.register_script(core.USER_SCRIPT)
        try:
            await self._ascript(keys=call[0], args=call[1], client=self._aredis)
        except core.import_redis().exceptions.RedisError as exc:
            logger.warning("redis_index: could not record session=%s (%s)", payload.session_id, type(exc).__name__)

    def get_recent_sessions(self, user_id: str) -> list[SessionRef]:
        """The user's refs seen within ``lookback_seconds``, newest first (``[]`` if none).

        Raises:
            SdkUpstreamError: Redis cannot be reached.
        """
        with core.upstream("redis_index.get_recent_sessions"):
            entries = self._redis.lrange(self._keys.user(user_id), 0, -1)
        now = self._wall()
        refs = []
        for entry in entries:
            ref = core.parse_user_ref(entry)
            if ref is None:
                continue
            seen, sid, pid = ref
            if now - seen <= self._lookback_seconds:
                refs.append(SessionRef(sid, pid, seen))
        return refs

    def get_email(self, user_id: str) -> str | None:
        """The user's latest cached email, or ``None``.

        Raises:
            SdkUpstreamError: Redis cannot be reached.
        """
        with core.upstream("redis_index.get_email"):
            return core.text(self._redis.get(self._keys.email(user_id)))

    def get_user_activity(self, user_id: str) -> str:
        """The context text of each recent session, newest first, joined like ``UserSessionIndex``.

        With a :class:`RedisContextStore` the sessions are read in one round trip.

        Raises:
            SdkUpstreamError: Redis cannot be reached.
        """
        refs = self.get_recent_sessions(user_id)
        store = self._store
        if isinstance(store, RedisContextStore):
            texts = store._get_many([(ref.session_id, ref.product_id) for ref in refs])
        else:
            texts = [store.get(ref.session_id, product_id=ref.product_id) for ref in refs]
        blocks = []
        for ref, text in zip(refs, texts, strict=True):
            if text:
                blocks.append(f"Session {ref.session_id} ({ref.product_id or 'no-product-id'}):\n{text}")
        return "\n\n".join(blocks)

    def reset_user(self, user_id: str) -> None:
        """Forget the user's refs and cached email (for every replica).

        Raises:
            SdkUpstreamError: Redis cannot be reached.
        """
        with core.upstream("redis_index.reset_user"):
            self._redis.delete(self._keys.user(user_id), self._keys.email(user_id))

    async def aclose(self) -> None:
        """Close the asyncio client opened by :meth:`add_async`, if any."""
        if self._aredis is not None:
            await self._aredis.aclose()
            self._aredis = None
