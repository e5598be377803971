"""Map users to their recent sessions and join those sessions' context: :class:`UserSessionIndex`.

Choices beyond the published contract:

- **Reads never create entries**: querying an unknown user returns ``[]`` and stores
  nothing, and a user whose refs have all aged out is removed from the index by that read (the
  cached email is kept, as ``get_email`` promises).
- **Idle expiry** (``session_ttl_s``, keyword-only, default ``None`` = never): a user not seen by
  ``add`` for more than ``session_ttl_s`` seconds is forgotten entirely (refs and email).  It is
  lazy and O(1) amortised (checked at every call, no timer); the clock is ``time.monotonic``
  (private ``_clock``, injectable in tests).  Lookback filtering keeps using ``time.time``
  (``_wall``) because ``last_seen_at`` comes from the payloads' wall-clock ``forwarded_at``.
- **The number of users is bounded** (``max_users``, keyword-only, default 100,000, ``None`` =
  unbounded): past it, the user least recently seen by ``add`` is forgotten (refs and email),
  counted with ``metrics.record_event_dropped(reason="max_users", event_type="user", ...)``
  and logged at DEBUG with counts only.
- **Bad payloads are refused**: ``add`` logs a WARNING and changes nothing for a payload whose
  ``forwarded_at`` is not a finite number or whose ids or email are not strings, so one bad
  frame cannot break the sorting of that user's refs for later calls.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from autoplay_sdk._logging import get_logger
from autoplay_sdk.context._admit import describe, record_drops, user_payload_problem
from autoplay_sdk.context.context_store import AsyncContextStore, ContextStore
from autoplay_sdk.core.metrics import SdkMetricsHook
from autoplay_sdk.core.models import ActionsPayload

__all__ = ["SessionRef", "UserSessionIndex"]

ContextStoreLike = ContextStore | AsyncContextStore

logger = get_logger(__name__)

DEFAULT_MAX_USERS = 100_000


@dataclass(frozen=True)
class SessionRef:
    """One recent session of a user: immutable, hashable, compared by value."""

    session_id: str
    product_id: str | None
    last_seen_at: float


def _last_seen(ref: SessionRef) -> float:
    return ref.last_seen_at


class UserSessionIndex:
    """``user_id`` → that user's recent ``(session_id, product_id)`` refs, newest first.

    ``add`` records the session of every payload that carries both a ``user_id`` and a
    ``session_id`` (deduplicated by session id, refs older than ``lookback_seconds`` dropped, at
    most ``max_sessions_per_user`` kept) and caches the latest email.  ``get_user_activity``
    joins the ``context_store.get()`` text of the user's recent sessions.  Thread-safe; the
    store is called outside the index's lock.

    Bounds: ``max_sessions_per_user`` refs per user, and the keyword-only ``max_users`` (default
    100,000; least recently added user forgotten, reported to ``metrics.record_event_dropped``)
    and ``session_ttl_s`` (users not seen for that long are forgotten).

    Raises:
        ValueError: ``lookback_seconds <= 0``, ``max_sessions_per_user < 1``,
            ``session_ttl_s <= 0`` or ``max_users < 1``.
    """

    def __init__(
        self,
        context_store: ContextStoreLike,
        *,
        lookback_seconds: float = 300.0,
        max_sessions_per_user: int = 20,
        session_ttl_s: float | None = None,
        max_users: int | None = DEFAULT_MAX_USERS,
        metrics: SdkMetricsHook | None = None,
    ) -> None:
        if lookback_seconds <= 0:
            raise ValueError("lookback_seconds must be > 0")
        if max_sessions_per_user < 1:
            raise ValueError("max_sessions_per_user must be >= 1")
        if session_ttl_s is not None and not session_ttl_s > 0:
            raise ValueError(f"session_ttl_s must be > 0, got {session_ttl_s!r}")
        if max_users is not None and max_users < 1:
            raise ValueError(f"max_users must be >= 1, got {max_users!r}")
        self._store = context_store
        self._lookback_seconds = lookback_seconds
        self._max_sessions_per_user = max_sessions_per_user
        self._session_ttl_s = session_ttl_s
        self._max_users = max_users
        self._metrics = metrics
        self._users: OrderedDict[str, None] = OrderedDict()  # users written by add(), least recent first
        self._clock: Callable[[], float] = time.monotonic
        self._wall: Callable[[], float] = time.time
        self._refs: dict[str, list[SessionRef]] = {}
        self._emails: dict[str, str] = {}
        self._last_seen: OrderedDict[str, float] = OrderedDict()  # only with session_ttl_s
        self._lock = threading.Lock()

    def add(self, payload: ActionsPayload) -> None:
        """Record ``payload``'s session for its user (no-op without a user id or a session id).

        ``last_seen_at`` is ``payload.forwarded_at`` (or now when it is 0).  A truthy
        ``payload.email`` becomes the user's cached email.  A payload with a ``forwarded_at``
        that is not a finite number, or ids or email that are not strings, is refused with a
        WARNING and changes nothing.
        """
        problem = user_payload_problem(payload)
        if problem is not None:
            logger.warning("user_index: refused a payload for session=%s (%s)", describe(payload), problem)
            return
        uid = (payload.user_id or "").strip()
        sid = (payload.session_id or "").strip()
        if not uid or not sid:
            return
        now = payload.forwarded_at or self._wall()
        lookback = self._lookback_seconds
        with self._lock:
            if self._session_ttl_s is not None:
                self._expire()
                self._last_seen[uid] = self._clock()
                self._last_seen.move_to_end(uid)
            if payload.email:
                self._emails[uid] = payload.email
            refs = [r for r in self._refs.get(uid, ()) if r.session_id != sid and now - r.last_seen_at <= lookback]
            refs.append(SessionRef(sid, payload.product_id or None, now))
            refs.sort(key=_last_seen, reverse=True)
            del refs[self._max_sessions_per_user :]
            self._refs[uid] = refs
            evicted = self._note_user(uid)
        if evicted:
            logger.debug("user_index: max_users=%s reached; forgot %d users", self._max_users, evicted)
            record_drops(
                self._metrics, evicted, reason="max_users", event_type="user", session_id=None, product_id=None
            )

    def _note_user(self, uid: str) -> int:
        # Caller holds the lock.  Mark ``uid`` most recent; forget the least recent past max_users.
        users = self._users
        users[uid] = None
        users.move_to_end(uid)
        cap = self._max_users
        evicted = 0
        while cap is not None and len(users) > cap:
            old, _ = users.popitem(last=False)
            self._refs.pop(old, None)
            self._emails.pop(old, None)
            self._last_seen.pop(old, None)
            evicted += 1
        return evicted

    async def add_async(self, payload: ActionsPayload) -> None:
        """:meth:`add` for async pipelines (never suspends)."""
        self.add(payload)

    def get_recent_sessions(self, user_id: str) -> list[SessionRef]:
        """The user's refs seen within ``lookback_seconds``, newest first (a copy; ``[]`` if none)."""
        now = self._wall()
        lookback = self._lookback_seconds
        with self._lock:
            if self._session_ttl_s is not None:
                self._expire()
            refs = self._refs.get(user_id)
            if refs is None:
                return []
            kept = [r for r in refs if now - r.last_seen_at <= lookback]
            if kept:
                self._refs[user_id] = kept
            else:
                del self._refs[user_id]
            return list(kept)

    def get_email(self, user_id: str) -> str | None:
        """The user's latest cached email, or ``None``."""
        with self._lock:
            if self._session_ttl_s is not None:
                self._expire()
            return self._emails.get(user_id)

    def get_user_activity(self, user_id: str) -> str:
        """The context-store text of each recent session, newest first, or ``""``.

        Blocks ``"Session <session_id> (<product_id or 'no-product-id'>):\\n<text>"`` joined by a
        blank line; sessions with empty text are skipped.  Uses the store's default options.
        """
        blocks = []
        for ref in self.get_recent_sessions(user_id):
            text = self._store.get(ref.session_id, product_id=ref.product_id)
            if text:
                blocks.append(f"Session {ref.session_id} ({ref.product_id or 'no-product-id'}):\n{text}")
        return "\n\n".join(blocks)

    def reset_user(self, user_id: str) -> None:
        """Forget the user's refs and cached email."""
        with self._lock:
            self._refs.pop(user_id, None)
            self._emails.pop(user_id, None)
            self._last_seen.pop(user_id, None)
            self._users.pop(user_id, None)

    def _expire(self) -> None:
        # Caller holds the lock.
        ttl = self._session_ttl_s
        assert ttl is not None
        seen = self._last_seen
        if not seen:
            return
        now = self._clock()
        while seen:
            uid, last = next(iter(seen.items()))
            if now - last <= ttl:
                break
            del seen[uid]
            self._refs.pop(uid, None)
            self._emails.pop(uid, None)
            self._users.pop(uid, None)
