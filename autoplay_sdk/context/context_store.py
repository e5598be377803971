"""In-memory per-session context for RAG query enrichment: :class:`ContextStore` and :class:`AsyncContextStore`.

The store keeps, per ``(product_id, session_id)`` bucket, the recent :class:`ActionsPayload`
batches and, per raw session id, the latest LLM summary, and renders them as text::

    Summary: User exported a CSV.

    Recent activity:
    1. [3] click: Opened billing — /settings/billing
    2. [4] click: Clicked Upgrade — /settings/billing

Decisions where spec 02 §1 is silent, and what goes beyond the reference:

- **Rendering cost follows the window, not the history.**  ``add()`` does O(1) work and formats
  nothing.  A read locates its window with a binary search on ``forwarded_at`` (lookback) and a
  newest-first walk that stops at ``max_actions``, and renders only that window.  The rendered
  window is cached per bucket: an unchanged window is served from the cache, and a window that
  only grew at the end (the usual case: new actions arrived, nothing aged out) is extended by
  formatting just the new actions, so each action is formatted once.  Only a window whose start
  moved (numbering shifts) is rendered again, at a cost proportional to its size.  Actions are
  formatted on first read rather than at ``add()`` time: sessions nobody reads never pay for it,
  and the text cannot go stale before it is read.
- Because of that cache, **payloads must not be mutated after** ``add()`` (they are stored by
  reference, as in the reference; the SDK itself never mutates them).
- A bucket whose payloads arrive out of ``forwarded_at`` order stays correct: its lookback reads
  fall back to a linear filter, uncached.
- **The product fallback** of ``get()`` consults a per-session index instead of scanning every
  bucket.  Session ids containing U+001F are not supported by the fallback.
- **Idle expiry** (``session_ttl_s``, keyword-only, default ``None`` = never): a session id not
  written (``add`` / ``on_summary``) for more than ``session_ttl_s`` seconds loses all its
  buckets (every product) and its summary.  Reads do not refresh it.  Expiry is lazy and O(1)
  amortised: due sessions are removed at the start of every call, no timer or background task.
  The clock is ``time.monotonic`` (private attribute ``_clock``, injectable in tests);
  lookback windows use ``time.time`` (``_wall``) because ``forwarded_at`` is wall-clock time.
- **The "already warned" set is bounded** (defect 8): a session id leaves it when its last
  product-scoped bucket leaves the store (eviction, expiry or ``reset``), so the fallback warning
  is logged at most once per session id while that session is held.
- ``add()`` logs nothing: the reference's per-payload DEBUG record cost more than the add
  itself.  Evictions, expiries and resets are logged at DEBUG; log records carry ids and counts
  only, never action text or summaries.
- Besides ``summaries`` (session id → latest summary), the read-only ``actions`` property gives a
  snapshot copy of the buckets (key → payloads).
"""

from __future__ import annotations

import enum
import math
import threading
import time
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable
from itertools import pairwise
from operator import attrgetter
from typing import Any

from autoplay_sdk._logging import get_logger
from autoplay_sdk.context.summarizer import _numbered_lines
from autoplay_sdk.core.models import ActionsPayload

__all__ = ["AsyncContextStore", "ContextStore", "actions_bucket_id"]

logger = get_logger(__name__)

_FORWARDED_AT = attrgetter("forwarded_at")


class _Unset(enum.Enum):
    UNSET = 0


_UNSET = _Unset.UNSET
_NO_ROUTE = object()
_ACTIVITY_HEADER = "Recent activity:"

# A render job: (bucket, start_abs, skip, end_abs, first_number, prefix_text, payloads).
_Job = tuple["_Bucket | None", int, int, int, int, str, list[ActionsPayload]]


def actions_bucket_id(product_id: str | None, session_id: str | None) -> str:
    """The internal key of an actions bucket.

    ``f"{pid}\\x1f{sid}"`` with ``pid = (product_id or "").strip()`` and
    ``sid = (session_id or "unknown").strip()``; just ``sid`` (the legacy session-only bucket)
    when ``pid`` is empty.
    """
    sid = (session_id or "unknown").strip()
    pid = (product_id or "").strip()
    return f"{pid}\x1f{sid}" if pid else sid


class _Bucket:
    """One bucket's payloads in arrival order.

    Entries have absolute numbers ``base + position`` that are never reused inside a bucket, so
    ``(start, skip, end)`` identifies a rendered window's content for the cache.
    """

    __slots__ = ("base", "cache", "key", "last", "live", "ordered", "payloads", "route", "scoped", "sid")

    def __init__(self, key: str, sid: str, scoped: bool) -> None:
        self.key = key
        self.sid = sid
        self.scoped = scoped
        self.live = True  # False once removed from the store (the add() route cache checks it)
        self.route: Any = _NO_ROUTE  # the raw session_id under which add() routes here
        self.payloads: list[ActionsPayload] = []
        self.base = 0
        self.ordered = True  # forwarded_at is non-decreasing: lookback reads can bisect
        self.last: Any = -math.inf  # forwarded_at of the newest payload
        # (start_abs, skip, end_abs, line_count, "Recent activity:" block) of the last rendered window.
        self.cache: tuple[int, int, int, int, str] | None = None

    def prune_before(self, cutoff: float) -> None:
        """Keep payloads with ``forwarded_at >= cutoff`` (constructor lookback, at add time)."""
        payloads = self.payloads
        if self.ordered:
            if payloads and payloads[0].forwarded_at < cutoff:
                cut = bisect_left(payloads, cutoff, key=_FORWARDED_AT)
                del payloads[:cut]
                self.base += cut
            return
        kept = [p for p in payloads if p.forwarded_at >= cutoff]
        if len(kept) == len(payloads):
            return
        # Non-contiguous removal: renumber past every number used so far (stale cache keys can't match).
        self.base += len(payloads)
        self.payloads = kept
        fwd = [p.forwarded_at for p in kept]
        self.ordered = all(x <= y for x, y in pairwise(fwd))
        self.last = fwd[-1] if fwd else -math.inf
        self.cache = None


def _cap_start(payloads: list[ActionsPayload], lo: int, cap: int) -> tuple[int, int]:
    """(first entry, actions to skip in it) keeping the newest ``cap`` actions of ``payloads[lo:]``."""
    remaining = cap
    i = len(payloads)
    while i > lo:
        i -= 1
        k = len(payloads[i].actions)
        if k >= remaining:
            return i, k - remaining
        remaining -= k
    return lo, 0


def _render(job: _Job) -> str:
    """The ``"Recent activity:\n..."`` block of a window (``""`` without actions); caches it."""
    bucket, start, skip, end, first, prefix, payloads = job
    actions = [a for p in payloads for a in p.actions]
    lines = _numbered_lines(actions[skip:] if skip else actions, first)
    if not lines:
        text = prefix
    elif prefix:
        text = "\n".join([prefix, *lines])
    else:
        text = "\n".join([_ACTIVITY_HEADER, *lines])
    if bucket is not None:
        # One attribute write (atomic under the GIL): any (key, text) pair is self-consistent,
        # so the cache needs no lock even when readers race.
        bucket.cache = (start, skip, end, first - 1 + len(lines), text)
    return text


class _ContextStoreBase:
    """State and read side shared by :class:`ContextStore` and :class:`AsyncContextStore`."""

    def __init__(
        self,
        summarizer: Any | None = None,
        *,
        include_summary: bool = True,
        include_actions: bool = True,
        lookback_seconds: float | None = None,
        max_actions: int | None = None,
        max_sessions: int | None = None,
        session_ttl_s: float | None = None,
    ) -> None:
        if lookback_seconds is not None and lookback_seconds <= 0:
            raise ValueError(f"lookback_seconds must be > 0, got {lookback_seconds!r}")
        if max_actions is not None and max_actions < 1:
            raise ValueError(f"max_actions must be >= 1, got {max_actions!r}")
        if max_sessions is not None and max_sessions < 1:
            raise ValueError(f"max_sessions must be >= 1, got {max_sessions!r}")
        if session_ttl_s is not None and not session_ttl_s > 0:
            raise ValueError(f"session_ttl_s must be > 0, got {session_ttl_s!r}")
        self._include_summary = include_summary
        self._include_actions = include_actions
        self._lookback_seconds = lookback_seconds
        self._max_actions = max_actions
        self._max_sessions = max_sessions
        self._session_ttl_s = session_ttl_s
        self._bounded_add = session_ttl_s is not None or lookback_seconds is not None
        self._clock: Callable[[], float] = time.monotonic
        self._wall: Callable[[], float] = time.time

        self.summaries: dict[str, Any] = {}
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._scoped: dict[str, list[str]] = {}  # stripped session id -> product-scoped bucket keys
        self._warned: set[str] = set()
        self._last_seen: OrderedDict[str, float] = OrderedDict()  # only with session_ttl_s
        # add() fast path: raw session_id -> (raw product_id, its bucket), pruned by size.
        self._route: dict[Any, tuple[Any, _Bucket]] = {}
        self._lock = threading.Lock()

        if summarizer is not None:
            if summarizer.on_summary is not None:
                logger.warning(
                    "%s: replacing existing on_summary on the provided summarizer; "
                    "the previous callback will no longer be called.",
                    type(self).__name__,
                )
            summarizer.on_summary = self.on_summary

    # Typed here so the drivers' bound methods can be installed as ``summarizer.on_summary``.
    def on_summary(self, session_id: str, summary_text: str) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    # -- write side (drivers wrap these) -----------------------------------------------------

    def _add(self, payload: ActionsPayload) -> None:
        """Store ``payload`` (by reference; do not mutate it afterwards) in its product/session bucket.

        O(1): nothing is formatted until a read needs it.  With a constructor
        ``lookback_seconds``, payloads of that bucket older than the lookback are dropped now,
        ``payload`` included.  Logs nothing (a per-event record would cost more than the add).
        """
        raw_sid = payload.session_id
        try:
            raw_pid = payload.product_id
        except AttributeError:  # duck-typed payloads without a product go to the session bucket
            raw_pid = None
        forwarded_at = payload.forwarded_at
        lock = self._lock
        lock.acquire()
        try:
            if self._session_ttl_s is not None:
                self._expire()
            route = self._route.get(raw_sid)
            if route is not None and route[0] == raw_pid and route[1].live:
                bucket = route[1]
                if self._max_sessions is not None:  # recency only matters to the LRU bound
                    self._buckets.move_to_end(bucket.key)
            else:
                bucket = self._touch_payload_bucket(raw_sid, raw_pid)
            try:
                if forwarded_at < bucket.last:
                    bucket.ordered = False
            except TypeError:
                bucket.ordered = False
            bucket.last = forwarded_at
            bucket.payloads.append(payload)
            if self._bounded_add:
                if self._session_ttl_s is not None:
                    self._seen(bucket.sid)
                if self._lookback_seconds is not None:
                    bucket.prune_before(self._wall() - self._lookback_seconds)
        finally:
            lock.release()

    def _touch_payload_bucket(self, raw_sid: str | None, raw_pid: str | None) -> _Bucket:
        # Caller holds the lock.  The slow path of add(): build the key, touch, remember the route.
        sid = (raw_sid or "unknown").strip()
        pid = (raw_pid or "").strip()
        key = f"{pid}\x1f{sid}" if pid else sid
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._new_bucket(key, sid, bool(pid))
        else:
            self._buckets.move_to_end(key)
        route = self._route
        if len(route) > 2 * len(self._buckets) + 1024:
            route.clear()
        route[raw_sid] = (raw_pid, bucket)
        bucket.route = raw_sid
        return bucket

    def _on_summary(self, session_id: str, summary_text: str) -> None:
        with self._lock:
            if self._session_ttl_s is not None:
                self._expire()
                self._seen(session_id)
            if session_id in self._buckets:
                self._buckets.move_to_end(session_id)
            else:
                self._new_bucket(session_id, session_id, False)
            self.summaries[session_id] = summary_text

    # -- read side ---------------------------------------------------------------------------

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
        """The session's context text, or ``""`` when there is nothing to show.

        ``"Summary: <summary>"`` (latest summary of the raw ``session_id``, any product) and
        ``"Recent activity:\\n<numbered actions>"`` (the bucket of ``product_id``), joined by a
        blank line, each part only when non-empty.  Actions are the payloads within
        ``lookback_seconds`` of now (by ``forwarded_at``), then the newest ``max_actions``
        individual actions, numbered from 1 in chronological order and keeping their ``index``.

        Every keyword left out uses the constructor default; passing it (``None`` included,
        which disables the lookback or the cap) overrides that default for this call only.  The
        overrides are not validated: ``lookback_seconds <= 0`` or ``max_actions <= 0`` simply
        yield no actions.  Without ``product_id`` and with an empty session-only bucket, the
        single non-empty product-scoped bucket of that session is used (WARNING logged once);
        with several, no actions are shown (WARNING logged once).  Never blocks on I/O; safe
        from any thread or coroutine.
        """
        return self._context(session_id, product_id, include_summary, include_actions, lookback_seconds, max_actions)

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
        """``query`` prefixed with the session context: ``"[Session context]\\n<get()>\\n\\n[Query]\\n<query>"``.

        Takes the same arguments as :meth:`get`; returns ``query`` unchanged when the context
        is empty.
        """
        context = self._context(session_id, product_id, include_summary, include_actions, lookback_seconds, max_actions)
        if not context:
            return query
        return f"[Session context]\n{context}\n\n[Query]\n{query}"

    def _context(
        self,
        session_id: str,
        product_id: str | None,
        include_summary: bool | _Unset,
        include_actions: bool | _Unset,
        lookback_seconds: float | _Unset | None,
        max_actions: int | _Unset | None,
    ) -> str:
        inc_summary = self._include_summary if include_summary is _UNSET else include_summary
        inc_actions = self._include_actions if include_actions is _UNSET else include_actions
        lookback = self._lookback_seconds if lookback_seconds is _UNSET else lookback_seconds
        cap = self._max_actions if max_actions is _UNSET else max_actions
        pid = (product_id or "").strip()
        sid = (session_id or "unknown").strip()
        key = f"{pid}\x1f{sid}" if pid else sid

        warning: tuple[str, tuple[str, ...]] | None = None
        actions_text: str | _Job = ""
        with self._lock:
            if self._session_ttl_s is not None:
                self._expire()
            summary = self.summaries.get(session_id, "") if inc_summary else ""
            if inc_actions:
                bucket = self._buckets.get(key)
                if (bucket is None or not bucket.payloads) and not pid:
                    bucket, warning = self._fallback(session_id, bucket)
                if bucket is not None and bucket.payloads:
                    actions_text = self._window(bucket, lookback, cap)
        if warning is not None:
            logger.warning(warning[0], *warning[1])
        if not isinstance(actions_text, str):
            actions_text = _render(actions_text)
        # actions_text is the whole "Recent activity:" block (cached that way: no copy here).
        if summary:
            if actions_text:
                return f"Summary: {summary}\n\n{actions_text}"
            return f"Summary: {summary}"
        return actions_text

    def _fallback(
        self, session_id: str, bucket: _Bucket | None
    ) -> tuple[_Bucket | None, tuple[str, tuple[str, ...]] | None]:
        # Caller holds the lock.  Returns the bucket to read and the warning to log (outside).
        keys = self._scoped.get(session_id)
        if not keys:
            return bucket, None
        found = [b for b in (self._buckets[k] for k in keys) if b.payloads]
        if not found:
            return bucket, None
        first_time = session_id not in self._warned
        self._warned.add(session_id)
        if len(found) == 1:
            message = (
                "context_store: get(session_id=%s) fell back to product-scoped actions bucket=%s; "
                "pass product_id explicitly to avoid empty reads"
            )
            return found[0], ((message, (session_id, found[0].key)) if first_time else None)
        message = (
            "context_store: get(session_id=%s) found multiple product-scoped buckets; "
            "pass product_id explicitly to disambiguate reads"
        )
        return None, ((message, (session_id,)) if first_time else None)

    def _window(self, bucket: _Bucket, lookback: float | None, cap: int | None) -> str | _Job:
        # Caller holds the lock: locate the window; return cached text or a job rendered outside.
        if cap is not None and cap <= 0:
            return ""
        payloads = bucket.payloads
        start = 0
        if lookback is not None:
            cutoff = self._wall() - lookback
            if not bucket.ordered:
                selected = [p for p in payloads if p.forwarded_at >= cutoff]
                first, skip = _cap_start(selected, 0, cap) if cap is not None else (0, 0)
                return (None, 0, skip, 0, 1, "", selected[first:])
            start = bisect_left(payloads, cutoff, key=_FORWARDED_AT)
        skip = 0
        if cap is not None:
            start, skip = _cap_start(payloads, start, cap)
        base = bucket.base
        end = base + len(payloads)
        cache = bucket.cache
        if cache is not None and cache[0] == base + start and cache[1] == skip:
            if cache[2] == end:
                return cache[4]
            if cache[2] < end:  # the window only grew at the end: format just the new actions
                return (bucket, base + start, skip, end, cache[3] + 1, cache[4], payloads[cache[2] - base :])
        return (bucket, base + start, skip, end, 1, "", payloads[start:])

    # -- management --------------------------------------------------------------------------

    def reset(self, session_id: str, *, product_id: str | None = None) -> None:
        """Forget the session's summary, its bucket for ``product_id`` and its session-only bucket.

        Other products' buckets of the same session are kept.  Unknown ids are a no-op.
        """
        key = actions_bucket_id(product_id, session_id)
        with self._lock:
            self.summaries.pop(session_id, None)
            for k in (key, session_id) if key != session_id else (key,):
                bucket = self._buckets.pop(k, None)
                if bucket is not None:
                    self._forget(bucket)
        logger.debug("context_store: reset session=%s product=%s", session_id, product_id)

    @property
    def active_sessions(self) -> list[str]:
        """Sorted raw bucket keys and summary ids (product-scoped keys look like ``"prod\\x1fsess"``)."""
        with self._lock:
            if self._session_ttl_s is not None:
                self._expire()
            return sorted(set(self._buckets) | set(self.summaries))

    @property
    def actions(self) -> OrderedDict[str, list[ActionsPayload]]:
        """A snapshot copy: bucket key → payloads (oldest first).

        Buckets are least recently written first when ``max_sessions`` is set (recency is
        tracked only where it decides evictions), in creation order otherwise.
        """
        with self._lock:
            if self._session_ttl_s is not None:
                self._expire()
            return OrderedDict((k, list(b.payloads)) for k, b in self._buckets.items())

    # -- internals (caller holds the lock) ---------------------------------------------------

    def _new_bucket(self, key: str, sid: str, scoped: bool) -> _Bucket:
        bucket = self._buckets[key] = _Bucket(key, sid, scoped)
        if scoped:
            keys = self._scoped.get(sid)
            if keys is None:
                self._scoped[sid] = [key]
            else:
                keys.append(key)
        cap = self._max_sessions
        if cap is not None and len(self._buckets) > cap:
            old_key, old = self._buckets.popitem(last=False)
            self.summaries.pop(old_key, None)
            self._forget(old)
            logger.debug("context_store: max_sessions=%d reached; evicted bucket %r", cap, old_key)
        return bucket

    def _drop(self, bucket: _Bucket) -> None:
        # Retire a bucket already removed from ``_buckets``: nothing may keep its payloads alive.
        bucket.live = False
        bucket.payloads = []
        bucket.cache = None
        route = self._route.get(bucket.route)
        if route is not None and route[1] is bucket:
            del self._route[bucket.route]

    def _forget(self, bucket: _Bucket) -> None:
        # Retire and unindex a bucket already removed from ``_buckets``.
        self._drop(bucket)
        sid = bucket.sid
        if bucket.scoped:
            keys = self._scoped.get(sid)
            if keys is not None:
                if bucket.key in keys:
                    keys.remove(bucket.key)
                if not keys:
                    del self._scoped[sid]
                    self._warned.discard(sid)
        if self._session_ttl_s is not None and sid not in self._scoped and sid not in self._buckets:
            self._last_seen.pop(sid, None)

    def _seen(self, sid: str) -> None:
        seen = self._last_seen
        seen[sid] = self._clock()
        seen.move_to_end(sid)

    def _expire(self) -> None:
        ttl = self._session_ttl_s
        assert ttl is not None
        seen = self._last_seen
        if not seen:
            return
        now = self._clock()
        expired = 0
        while seen:
            sid, last = next(iter(seen.items()))
            if now - last <= ttl:
                break
            del seen[sid]
            expired += 1
            self.summaries.pop(sid, None)
            for key in (sid, *self._scoped.pop(sid, ())):
                bucket = self._buckets.pop(key, None)
                if bucket is not None:
                    self._drop(bucket)
            self._warned.discard(sid)
        if expired:
            logger.debug("context_store: expired %d idle sessions (session_ttl_s=%s)", expired, ttl)


class ContextStore(_ContextStoreBase):
    """Thread-safe in-memory store of each session's recent actions and latest summary.

    Feed it ``add(payload)`` (e.g. as a ``ConnectorClient`` ``on_actions`` callback) and read
    ``get()`` / ``enrich()`` when a question comes in.  Pass a summarizer to have its summaries
    stored: the store installs its ``on_summary`` on it, replacing (with a WARNING) any callback
    already set.  All methods are synchronous, do in-memory work only and never block on I/O.

    Bounds: ``lookback_seconds`` (payloads older than this, by ``forwarded_at``, are pruned from
    the bucket being written and hidden from reads), ``max_actions`` (newest actions shown),
    ``max_sessions`` (buckets kept, least recently written evicted with their summary) and the
    keyword-only ``session_ttl_s`` (sessions not written for that long are forgotten).

    Raises:
        ValueError: ``lookback_seconds <= 0``, ``max_actions < 1``, ``max_sessions < 1`` or
            ``session_ttl_s <= 0``.
    """

    add = _ContextStoreBase._add  # no wrapper call: add() is the hot path

    def on_summary(self, session_id: str, summary_text: str) -> None:
        """Store ``summary_text`` as the session's summary, replacing the previous one.

        Stored actions are kept, so activity newer than the summary stays visible next to it.
        """
        self._on_summary(session_id, summary_text)


class AsyncContextStore(_ContextStoreBase):
    """:class:`ContextStore` with ``async`` write methods, for ``AsyncConnectorClient`` pipelines.

    ``add`` and ``on_summary`` are coroutines that never suspend; ``get``, ``enrich``,
    ``reset`` and ``active_sessions`` stay synchronous.  The state is guarded by a
    ``threading.Lock`` held only for in-memory work, so the store is safe from tasks and threads
    alike.  Wire it to an :class:`~autoplay_sdk.context.summarizer.AsyncSessionSummarizer` (a sync
    summarizer could not await the coroutine and the summary would be lost).

    Raises:
        ValueError: as :class:`ContextStore`.
    """

    async def add(self, payload: ActionsPayload) -> None:
        """Store ``payload``; see :meth:`ContextStore.add`."""
        self._add(payload)

    async def on_summary(self, session_id: str, summary_text: str) -> None:
        """Store the session's latest summary; see :meth:`ContextStore.on_summary`."""
        self._on_summary(session_id, summary_text)
