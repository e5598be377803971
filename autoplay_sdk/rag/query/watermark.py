"""Inbound-message watermarks: which product activity is *new* since the user's last chat message.

A watermark is the time of the **previous** inbound user message in a chat thread.  A chatbot
backend handles one turn like this:

1. ``prev = await store.get_previous_inbound_at(scope)``;
2. assemble the prompt with ``activity_since_cutoff=cutoff_for_delta_activity(prev)`` (``None`` on
   the first turn: no delta block);
3. reply;
4. after a successful delivery, ``await store.set_last_inbound_at(scope, effective_inbound_timestamp(...))``
   with the **current** message's time.

Decisions:

- :class:`InMemoryInboundWatermarkStore` is process-local and unbounded (no eviction, no TTL): it is
  meant for development and tests.  Production backends implement :class:`InboundWatermarkStore`
  over a shared store (Redis, a database) keyed the same way.
- Writes overwrite unconditionally, so a watermark can move backwards; deciding whether a late or
  replayed message should move it is the caller's policy, not the store's.
- This module never logs.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class ChatWatermarkScope:
    """Identifies one chat thread's watermark: equal fields mean the same watermark.

    Frozen and hashable (equality and hash by value), so it can key a dict.  ``product_id`` and
    ``tenant_id`` separate threads that share a ``conversation_id`` across products or tenants.
    """

    conversation_id: str
    product_id: str | None = None
    tenant_id: str | None = None


def cutoff_for_delta_activity(previous_inbound_at: float | None) -> float | None:
    """The ``activity_since_cutoff`` to assemble with, given the previous inbound message time.

    Returns its argument unchanged (no coercion: ``3`` stays ``3``).  ``None`` - no previous
    message in this thread - means "no delta block".  It exists so that call sites name the policy;
    a future version may add a safety margin here.
    """
    return previous_inbound_at


def effective_inbound_timestamp(message_created_at: float | None, *, fallback: float | None = None) -> float:
    """The timestamp to record for an inbound message, as a float in Unix seconds.

    ``float(message_created_at)`` when it is not ``None`` (``0`` gives ``0.0``; ``"3"`` gives
    ``3.0``; no range check, negatives are accepted), else ``float(fallback)`` when that is not
    ``None``, else ``time.time()``.

    Raises:
        ValueError, TypeError: the chosen value cannot be converted by ``float()``.
    """
    if message_created_at is not None:
        return float(message_created_at)
    if fallback is not None:
        return float(fallback)
    return time.time()


@runtime_checkable
class InboundWatermarkStore(Protocol):
    """Where the per-thread watermark lives (structural; ``isinstance`` checks the method names).

    Implementations must be safe to call concurrently from several tasks.
    """

    async def get_previous_inbound_at(self, scope: ChatWatermarkScope) -> float | None:
        """The stored time of the previous inbound message in ``scope``, or ``None`` if none."""
        ...

    async def set_last_inbound_at(self, scope: ChatWatermarkScope, at: float) -> None:
        """Record ``at`` as the latest inbound message time of ``scope``."""
        ...


class InMemoryInboundWatermarkStore:
    """A process-local :class:`InboundWatermarkStore` for development and tests.

    Keyed by ``(tenant_id, product_id, conversation_id)``; a dict guarded by a ``threading.Lock``,
    so it is safe from threads and tasks alike.  The methods are coroutines that never suspend.
    Unbounded: entries are never evicted.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._marks: dict[tuple[str | None, str | None, str], float] = {}

    async def get_previous_inbound_at(self, scope: ChatWatermarkScope) -> float | None:
        """The float stored for ``scope``'s key, or ``None`` if the key was never set."""
        with self._lock:
            return self._marks.get(_key(scope))

    async def set_last_inbound_at(self, scope: ChatWatermarkScope, at: float) -> None:
        """Store ``float(at)`` for ``scope``'s key, overwriting unconditionally (it may go backwards).

        Raises:
            TypeError, ValueError: ``at`` cannot be converted by ``float()`` (``None`` gives
                ``TypeError``); nothing is stored then.
        """
        value = float(at)
        with self._lock:
            self._marks[_key(scope)] = value


def _key(scope: ChatWatermarkScope) -> tuple[str | None, str | None, str]:
    return (scope.tenant_id, scope.product_id, scope.conversation_id)
