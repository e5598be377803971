"""``PayloadRecorder``: a callback that keeps what a client delivered, and waits for it.

A test (or an example) registers the recorder as a client callback and then blocks on
:meth:`PayloadRecorder.wait_for` until what it expects has arrived, instead of sleeping.  It
counts on the client side, after the callback ran, which is what a user's test cares about;
:meth:`LocalConnector.wait_until_sent <autoplay_sdk.testing.LocalConnector.wait_until_sent>`
only says the server wrote the bytes.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from autoplay_sdk.core.exceptions import SdkConfigError

__all__ = ["PayloadRecorder"]


class _Registers(Protocol):
    def on_actions(self, fn: Any) -> Any: ...

    def on_summary(self, fn: Any) -> Any: ...


_C = TypeVar("_C", bound=_Registers)


class PayloadRecorder:
    """A thread-safe callable that records every payload it is called with.

    Use it as an ``on_actions``/``on_summary`` callback of either client (:meth:`attach` does
    both).  ``payloads`` is a snapshot list in arrival order.  Calling it never blocks for longer
    than a lock acquisition, so it is safe on the async client's event loop too.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._items: list[Any] = []

    def __call__(self, payload: Any) -> None:
        with self._cond:
            self._items.append(payload)
            self._cond.notify_all()

    def attach(self, client: _C) -> _C:
        """Register this recorder for actions and summaries on ``client``; returns ``client``."""
        client.on_actions(self)
        client.on_summary(self)
        return client

    @property
    def payloads(self) -> list[Any]:
        """What was recorded so far, oldest first (a copy)."""
        with self._cond:
            return list(self._items)

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)

    def clear(self) -> None:
        """Forget everything recorded so far."""
        with self._cond:
            self._items.clear()

    def wait_for(self, expected: int | Callable[[list[Any]], bool], timeout: float = 5.0) -> bool:
        """Block until ``expected`` payloads were recorded, or ``expected(payloads)`` is true.

        The predicate is called with a snapshot list each time a payload arrives (and once at
        once).  Returns ``False`` on timeout instead of raising.  Raises
        :class:`~autoplay_sdk.SdkConfigError` for a negative count or timeout.
        """
        if timeout < 0:
            raise SdkConfigError(f"timeout must be >= 0, got {timeout!r}")
        if isinstance(expected, int):
            if expected < 0:
                raise SdkConfigError(f"expected must be >= 0, got {expected!r}")
            with self._cond:
                return self._cond.wait_for(lambda: len(self._items) >= expected, timeout)
        with self._cond:
            return self._cond.wait_for(lambda: expected(list(self._items)), timeout)

    async def wait_for_async(self, expected: int | Callable[[list[Any]], bool], timeout: float = 5.0) -> bool:
        """:meth:`wait_for` without blocking the running event loop (it waits on a thread)."""
        return await asyncio.to_thread(self.wait_for, expected, timeout)
