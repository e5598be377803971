"""Map users to their recent sessions and join those sessions' context: :class:`UserSessionIndex`.

Decisions beyond spec 02 §4:

- **Reads never create entries** (defect 8): querying an unknown user returns ``[]`` and stores
  nothing, and a user whose refs have all aged out is removed from the index by that read (the
  cached email is kept, as ``get_email`` promises).
- **Idle expiry** (``session_ttl_s``, keyword-only, default ``None`` = never): a user not seen by
  ``add`` for more than ``session_ttl_s`` seconds is forgotten entirely (refs and email).  It is
  lazy and O(1) amortised (checked at every call, no timer); the clock is ``time.monotonic``
  (private ``_clock``, injectable in tests).  Lookback filtering keeps using ``time.time``
  (``_wall``) because ``last_seen_at`` comes from the payloads' wall-clock ``forwarded_at``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from autoplay_sdk.context.context_store import AsyncContextStore, ContextStore
from autoplay_sdk.core.models import ActionsPayload

__all__ = ["SessionRef", "UserSessionIndex"]

ContextStoreLike = ContextStore | AsyncContextStore


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

    Raises:
        ValueError: ``lookback_seconds <= 0``, ``max_sessions_per_user < 1`` or
            ``session_ttl_s <= 0``.
    """

    def __init__(
        self,
        context_store: ContextStoreLike,
        *,
        lookback_seconds: float = 300.0,
        max_sessions_per_user: int = 20,
        session_ttl_s: float | None = None,
    ) -> None:
        if lookback_seconds <= 0:
            raise ValueError("lookback_seconds must be > 0")
        if max_sessions_per_user < 1:
            raise ValueError("max_sessions_per_user must be >= 1")
        if session_ttl_s is not None and not session_ttl_s > 0:
            raise ValueError(f"session_ttl_s must be > 0, got {session_ttl_s!r}")
        self._store = context_store
        self._lookback_seconds = lookback_seconds
        self._max_sessions_per_user = max_sessions_per_user
        self._session_ttl_s = session_ttl_s
        self._clock: Callable[[], float] = time.monotonic
        self._wall: Callable[[], float] = time.time
        self._refs: dict[str, list[SessionRef]] = {}
        self._emails: dict[str, str] = {}
        self._last_seen: OrderedDict[str, float] = OrderedDict()  # only with session_ttl_s
        self._lock = threading.Lock()

    def add(self, payload: ActionsPayload) -> None:
        """Record ``payload``'s session for its user (no-op without a user id or a session id).

        ``last_seen_at`` is ``payload.forwarded_at`` (or now when it is 0).  A truthy
        ``payload.email`` becomes the user's cached email.
        """
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
