"""In-memory per-session context for RAG query enrichment: :class:`ContextStore` and :class:`AsyncContextStore`.

The store keeps, per ``(product_id, session_id)`` bucket, the recent :class:`ActionsPayload`
batches and, per raw session id, the latest LLM summary, and renders them as text::

    Summary: User exported a CSV.

    Recent activity:
    1. [3] click: Opened billing — /settings/billing
    2. [4] click: Clicked Upgrade — /settings/billing

Rendering is done by the pure functions of :mod:`autoplay_sdk.context._render`; this module adds
the state, the lock, the bounds and each action's rendered line.  Choices beyond the published contract:

- **Rendering cost follows the window, not the history.**  ``add()`` does O(1) work and formats
  nothing.  A read locates its window with a binary search on ``forwarded_at`` (lookback) and a
  newest-first walk that stops at ``max_actions``, and renders only that window.
- **Each action is rendered once in its lifetime.**  The first read of a bucket renders the
  ``to_text()`` line of each of its actions; the bucket keeps those lines beside its payloads
  and later reads render only the actions that arrived since.  A read is then a slice of the
  bucket's lines, numbered and joined: its cost follows the window, never the history, and
  does not depend on how many other sessions were read (no shared cache to thrash).  The lines
  cost about one short string per action, for buckets that were read at all; a bucket that is
  never read renders nothing.  Because lines are kept, **payloads must not be mutated after**
  ``add()`` (they are stored by reference; the SDK itself never mutates them).
  ``render_cache_bytes`` (keyword-only) is still accepted and validated for code that passes
  it, and has no effect.
- **Bad payloads are refused at the door.**  ``add()`` logs a WARNING and changes nothing for a
  payload it could not order or render later (``forwarded_at`` not a finite number, ids that are
  not strings, ``actions`` not a list of actions): the session keeps working.
- **Every session is bounded** (``max_actions_per_session``, keyword-only, default 10,000
  actions, ``None`` = unbounded): when a bucket holds more actions, its oldest payloads are
  dropped (the newest payload is always kept), each counted with
  ``metrics.record_event_dropped(reason="max_actions_per_session", event_type="actions", ...)``
  and logged at DEBUG with counts only.
- A bucket whose payloads arrive out of ``forwarded_at`` order stays correct: its lookback reads
  fall back to a linear filter and render the selected actions afresh.
- **The product fallback** of ``get()`` consults a per-session index instead of scanning every
  bucket.  Session ids containing U+001F are not supported by the fallback.
- **Idle expiry** (``session_ttl_s``, keyword-only, default ``None`` = never): a session id not
  written (``add`` / ``on_summary``) for more than ``session_ttl_s`` seconds loses all its
  buckets (every product) and its summary.  Reads do not refresh it.  Expiry is lazy and O(1)
  amortised: due sessions are removed at the start of every call, no timer or background task.
  The clock is ``time.monotonic`` (private attribute ``_clock``, injectable in tests);
  lookback windows use ``time.time`` (``_wall``) because ``forwarded_at`` is wall-clock time.
- **The "already warned" set is bounded**: a session id leaves it when its last product-scoped
  bucket leaves the store (eviction, expiry or ``reset``), so the fallback warning is logged at
  most once per session id while that session is held.
- ``add()`` logs nothing on success (a per-event record would cost more than the add).
  Evictions, expiries and resets are logged at DEBUG; log records carry ids and counts only,
  never action text or summaries.
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
from collections.abc import Callable, Iterable
from itertools import islice, pairwise
from operator import add
from typing import Any

from autoplay_sdk._logging import get_logger
from autoplay_sdk.context._admit import describe, payload_problem, record_drops
from autoplay_sdk.context._render import (
    ACTIVITY_HEADER,
    FORWARDED_AT,
    cap_start,
    compose_context,
    enrich_query,
)
from autoplay_sdk.core.metrics import SdkMetricsHook
from autoplay_sdk.core.models import ActionsPayload, SlimAction

__all__ = ["AsyncContextStore", "ContextStore", "actions_bucket_id"]

logger = get_logger(__name__)

DEFAULT_MAX_ACTIONS_PER_SESSION = 10_000
DEFAULT_RENDER_CACHE_BYTES = 8 << 20


class _Unset(enum.Enum):
    UNSET = 0


_UNSET = _Unset.UNSET
_NO_ROUTE = object()

# b"1. ", b"2. ", ...: the number prefixes of window lines, grown on demand and shared by every store.
_PREFIXES: list[bytes] = [b""]
_HEADER = (ACTIVITY_HEADER + "\n").encode()


def _prefixes(m: int) -> list[bytes]:
    """The prefixes ``b"1. "`` … ``b"<m>. "`` (index 1 to m of the shared table)."""
    table = _PREFIXES
    if len(table) <= m:
        table.extend([b"%d. " % n for n in range(len(table), m + 1)])
    return table


def _action_lines(payloads: Iterable[ActionsPayload]) -> list[bytes]:
    """Each action's ``to_text()`` line as UTF-8, in order (a plain SlimAction is formatted inline).

    UTF-8 bytes rather than ``str``: the line's EM DASH would make a ``str`` store two bytes per
    character, so bytes hold the same text in about half the memory.
    """
    return [
        (
            f"[{a.index}] {a.type}: {a.description} \u2014 {a.canonical_url}" if type(a) is SlimAction else a.to_text()
        ).encode("utf-8", "surrogatepass")
        for p in payloads
        for a in p.actions
    ]


def _numbered(lines: list[bytes]) -> str:
    """``"Recent activity:"`` and ``lines`` numbered from 1, or ``""`` without lines."""
    if not lines:
        return ""
    return (_HEADER + b"\n".join(map(add, islice(_prefixes(len(lines)), 1, None), lines))).decode(
        "utf-8", "surrogatepass"
    )


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
    """One bucket's payloads in arrival order, and the rendered lines of its oldest ones.

    ``lines[line_off:]`` are the ``to_text()`` lines of every action of ``payloads[:rendered]``
    (lines of dropped payloads are skipped by ``line_off`` and compacted away in bulk).
    ``version`` changes whenever payloads leave the bucket, so a read that rendered new lines
    outside the lock appends them only to the bucket state it rendered them for.
    """

    __slots__ = (
        "key",
        "last",
        "line_off",
        "lines",
        "live",
        "n_actions",
        "ordered",
        "payloads",
        "rendered",
        "route",
        "route_pid",
        "scoped",
        "sid",
        "version",
    )

    def __init__(self, key: str, sid: str, scoped: bool) -> None:
        self.key = key
        self.sid = sid
        self.scoped = scoped
        self.live = True  # False once removed from the store (the add() route cache checks it)
        self.route: Any = _NO_ROUTE  # the raw session_id under which add() routes here
        self.route_pid: Any = None  # ... together with this raw product_id
        self.payloads: list[ActionsPayload] = []
        self.n_actions = 0
        self.ordered = True  # forwarded_at is non-decreasing: lookback reads can bisect
        self.last: Any = -math.inf  # forwarded_at of the newest payload
        self.lines: list[bytes] = []
        self.line_off = 0
        self.rendered = 0
        self.version = 0

    def drop_oldest(self, k: int) -> int:
        """Remove the ``k`` oldest payloads; returns how many actions they held."""
        payloads = self.payloads
        removed = sum(len(p.actions) for p in payloads[:k])
        del payloads[:k]
        self.n_actions -= removed
        self.version += 1
        if k < self.rendered:
            self.rendered -= k
            self.line_off += removed
            if self.line_off > 256 and 2 * self.line_off > len(self.lines):
                del self.lines[: self.line_off]
                self.line_off = 0
        else:
            self.forget_lines()
        return removed

    def forget_lines(self) -> None:
        self.lines = []
        self.line_off = 0
        self.rendered = 0
        self.version += 1

    def prune_before(self, cutoff: float) -> None:
        """Keep payloads with ``forwarded_at >= cutoff`` (constructor lookback, at add time)."""
        payloads = self.payloads
        if self.ordered:
            if payloads and payloads[0].forwarded_at < cutoff:
                self.drop_oldest(bisect_left(payloads, cutoff, key=FORWARDED_AT))
            return
        kept = [p for p in payloads if p.forwarded_at >= cutoff]
        if len(kept) == len(payloads):
            return
        self.payloads = kept
        self.n_actions = sum(len(p.actions) for p in kept)
        self.forget_lines()  # a removal from the middle: the lines are rendered again when read
        fwd = [p.forwarded_at for p in kept]
        self.ordered = all(x <= y for x, y in pairwise(fwd))
        self.last = fwd[-1] if fwd else -math.inf


# What a read found under the lock and finishes outside it: (bucket, version, rendered, payloads
# to render, lines already rendered that the window shows, number of window lines).  ``bucket``
# is None for a window rendered afresh (an unordered bucket's lookback).
_Read = tuple["_Bucket | None", int, int, list[ActionsPayload], list[bytes], int]


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
        max_actions_per_session: int | None = DEFAULT_MAX_ACTIONS_PER_SESSION,
        render_cache_bytes: int = DEFAULT_RENDER_CACHE_BYTES,
        metrics: SdkMetricsHook | None = None,
    ) -> None:
        if lookback_seconds is not None and lookback_seconds <= 0:
            raise ValueError(f"lookback_seconds must be > 0, got {lookback_seconds!r}")
        if max_actions is not None and max_actions < 1:
            raise ValueError(f"max_actions must be >= 1, got {max_actions!r}")
        if max_sessions is not None and max_sessions < 1:
            raise ValueError(f"max_sessions must be >= 1, got {max_sessions!r}")
        if session_ttl_s is not None and not session_ttl_s > 0:
            raise ValueError(f"session_ttl_s must be > 0, got {session_ttl_s!r}")
        if max_actions_per_session is not None and max_actions_per_session < 1:
            raise ValueError(f"max_actions_per_session must be >= 1, got {max_actions_per_session!r}")
        if render_cache_bytes < 0:
            raise ValueError(f"render_cache_bytes must be >= 0, got {render_cache_bytes!r}")
        self._include_summary = include_summary
        self._include_actions = include_actions
        self._lookback_seconds = lookback_seconds
        self._max_actions = max_actions
        self._max_sessions = max_sessions
        self._session_ttl_s = session_ttl_s
        self._max_actions_per_session = max_actions_per_session
        self._metrics = metrics
        self._clock: Callable[[], float] = time.monotonic
        self._wall: Callable[[], float] = time.time

        self.summaries: dict[str, Any] = {}
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        # Stripped session id -> its product-scoped bucket key (a list when there are several).
        self._scoped: dict[str, str | list[str]] = {}
        self._warned: set[str] = set()
        self._last_seen: OrderedDict[str, float] = OrderedDict()  # only with session_ttl_s
        # add() fast path: raw session_id -> (raw product_id, its bucket), pruned by size.
        self._route: dict[Any, _Bucket] = {}
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
        ``payload`` included; past ``max_actions_per_session`` the bucket's oldest payloads are
        dropped.  A payload the store could not order or render is refused with a WARNING and
        leaves the state untouched.  Logs nothing on success.
        """
        problem = payload_problem(payload)
        if problem is not None:
            logger.warning(
                "context_store: refused a payload for session=%s (%s); the session is unchanged",
                describe(payload),
                problem,
            )
            return
        raw_sid = payload.session_id
        raw_pid = getattr(payload, "product_id", None)  # duck-typed payloads go to the session bucket
        forwarded_at = payload.forwarded_at
        dropped = 0
        lock = self._lock
        lock.acquire()
        try:
            if self._session_ttl_s is not None:
                self._expire()
            routed = self._route.get(raw_sid)
            if routed is not None and routed.live and routed.route_pid == raw_pid and routed.route == raw_sid:
                bucket = routed
                if self._max_sessions is not None:  # recency only matters to the LRU bound
                    self._buckets.move_to_end(bucket.key)
            else:
                bucket = self._touch_payload_bucket(raw_sid, raw_pid)
            if forwarded_at < bucket.last:
                bucket.ordered = False
            bucket.last = forwarded_at
            bucket.payloads.append(payload)
            bucket.n_actions += len(payload.actions)
            if self._session_ttl_s is not None:
                self._seen(bucket.sid)
            if self._lookback_seconds is not None:
                bucket.prune_before(self._wall() - self._lookback_seconds)
            cap = self._max_actions_per_session
            if cap is not None and bucket.n_actions > cap:
                dropped = self._enforce_session_cap(bucket, cap)
        finally:
            lock.release()
        if dropped:
            logger.debug("context_store: max_actions_per_session=%d reached; dropped %d oldest payloads", cap, dropped)
            record_drops(
                self._metrics,
                dropped,
                reason="max_actions_per_session",
                event_type="actions",
                session_id=raw_sid,
                product_id=raw_pid,
            )

    @staticmethod
    def _enforce_session_cap(bucket: _Bucket, cap: int) -> int:
        # Caller holds the lock.  Drop the oldest payloads until the bucket fits (keeping the newest).
        payloads = bucket.payloads
        excess = bucket.n_actions - cap
        k = 0
        while excess > 0 and k < len(payloads) - 1:
            excess -= len(payloads[k].actions)
            k += 1
        if k:
            bucket.drop_oldest(k)
        return k

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
        route[raw_sid] = bucket
        bucket.route = raw_sid
        bucket.route_pid = raw_pid
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
        return enrich_query(context, query)

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
        read: _Read | None = None
        with self._lock:
            if self._session_ttl_s is not None:
                self._expire()
            summary = self.summaries.get(session_id, "") if inc_summary else ""
            if inc_actions:
                bucket = self._buckets.get(key)
                if (bucket is None or not bucket.payloads) and not pid:
                    bucket, warning = self._fallback(session_id, bucket)
                if bucket is not None and bucket.payloads:
                    read = self._window(bucket, lookback, cap)
        if warning is not None:
            logger.warning(warning[0], *warning[1])
        if read is None:
            return compose_context(summary, "")
        owner, version, rendered, todo, lines, m = read
        if todo:  # actions no read has rendered yet: render them once, outside the lock
            new = _action_lines(todo)
            if owner is not None:
                with self._lock:
                    if owner.live and owner.version == version and owner.rendered == rendered:
                        owner.lines.extend(new)
                        owner.rendered = rendered + len(todo)
            lines = lines + new if len(new) < m else new[len(new) - m :]
        return compose_context(summary, _numbered(lines))

    def _fallback(
        self, session_id: str, bucket: _Bucket | None
    ) -> tuple[_Bucket | None, tuple[str, tuple[str, ...]] | None]:
        # Caller holds the lock.  Returns the bucket to read and the warning to log (outside).
        keys = self._scoped_keys(session_id)
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

    def _window(self, bucket: _Bucket, lookback: float | None, cap: int | None) -> _Read | None:
        # Caller holds the lock: locate the window (the newest m actions of the bucket) and take
        # what rendering it outside the lock needs.
        if cap is not None and cap <= 0:
            return None
        payloads = bucket.payloads
        start = 0
        if lookback is not None:
            cutoff = self._wall() - lookback
            if not bucket.ordered:
                selected = [p for p in payloads if p.forwarded_at >= cutoff]
                first, skip = cap_start(selected, 0, cap) if cap is not None else (0, 0)
                m = sum(len(p.actions) for p in selected[first:]) - skip
                return (None, 0, 0, selected[first:], [], m) if m > 0 else None
            start = bisect_left(payloads, cutoff, key=FORWARDED_AT)
        if start == 0 and cap is None:
            m = bucket.n_actions
        else:
            skip = 0
            if cap is not None:
                start, skip = cap_start(payloads, start, cap)
            m = sum(len(p.actions) for p in payloads[start:]) - skip
        if m <= 0:
            return None
        rendered = bucket.rendered
        todo = payloads[rendered:]
        pending = sum(len(p.actions) for p in todo) if todo else 0
        old = m - pending  # window lines already rendered: the newest of the bucket's lines
        lines = bucket.lines[len(bucket.lines) - old :] if old > 0 else []
        return (bucket, bucket.version, rendered, todo, lines, m)

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
                self._scoped[sid] = key
            elif isinstance(keys, str):
                self._scoped[sid] = [keys, key]
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
        bucket.forget_lines()
        if self._route.get(bucket.route) is bucket:
            del self._route[bucket.route]

    def _forget(self, bucket: _Bucket) -> None:
        # Retire and unindex a bucket already removed from ``_buckets``.
        self._drop(bucket)
        sid = bucket.sid
        if bucket.scoped:
            keys = [k for k in self._scoped_keys(sid) if k != bucket.key]
            if len(keys) > 1:
                self._scoped[sid] = keys
            elif keys:
                self._scoped[sid] = keys[0]
            elif self._scoped.pop(sid, None) is not None:
                self._warned.discard(sid)
        if self._session_ttl_s is not None and sid not in self._scoped and sid not in self._buckets:
            self._last_seen.pop(sid, None)

    def _scoped_keys(self, sid: str) -> list[str]:
        keys = self._scoped.get(sid)
        if keys is None:
            return []
        return [keys] if isinstance(keys, str) else keys

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
            for key in (sid, *self._scoped_keys(sid)):
                bucket = self._buckets.pop(key, None)
                if bucket is not None:
                    self._drop(bucket)
            self._scoped.pop(sid, None)
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
    ``max_sessions`` (buckets kept, least recently written evicted with their summary), and the
    keyword-only ``session_ttl_s`` (sessions not written for that long are forgotten) and
    ``max_actions_per_session`` (default 10,000; a bucket's oldest payloads are dropped beyond
    it, each drop reported to ``metrics.record_event_dropped``).  ``add()`` refuses, with a
    WARNING and no state change, a payload it could not order or render.  ``render_cache_bytes``
    (keyword-only) is accepted for code that passes it and has no effect.

    Raises:
        ValueError: ``lookback_seconds <= 0``, ``max_actions < 1``, ``max_sessions < 1``,
            ``session_ttl_s <= 0``, ``max_actions_per_session < 1`` or ``render_cache_bytes < 0``.
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
