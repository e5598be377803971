"""The sync client's bounded FIFO between the reader thread and the worker thread.

Shaped like the ``queue.Queue`` it replaces (``qsize``, ``empty``, ``put_nowait`` raising
``queue.Full``), but cheaper per event: the reader's :meth:`Backlog.offer` takes no lock and
sets ``ready`` only when the worker may be asleep, and the worker takes no lock either.  Every
item leaves the deque by one atomic ``popleft``, by the worker or by :meth:`Backlog.abandon`, so
none is both delivered and handed back; once ``abandon`` has set its flag, the worker takes no
further item (one it already took before is its to finish).
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

STOP = object()
_YIELD_EVERY = 64  # backlog depth at which the reader lets the worker run


class Backlog:
    __slots__ = ("_abandoned", "items", "maxsize", "ready")

    def __init__(self, maxsize: int) -> None:
        self.items: deque[Any] = deque()
        self.maxsize = maxsize
        self.ready = threading.Event()
        self._abandoned = False

    def qsize(self) -> int:
        return len(self.items)

    def empty(self) -> bool:
        return not self.items

    def put_nowait(self, item: Any) -> None:
        """Queue ``item``; ``queue.Full`` when the backlog is at its bound."""
        if not self.offer(item):
            raise queue.Full

    def offer(self, item: Any) -> bool:
        """Queue ``item`` unless the backlog is full; never blocks."""
        items = self.items
        n = len(items)
        if n >= self.maxsize:
            return False
        items.append(item)
        if not self.ready.is_set():
            self.ready.set()
        elif n and not n % _YIELD_EVERY:
            # The worker is awake but has not had the GIL: hand it over, so a reader that
            # never blocks (a fast connector) cannot build a backlog up to ``maxsize``.
            time.sleep(0)
        return True

    def reopen(self) -> None:
        """Accept work again after an :meth:`abandon` (items queued before ``run()`` stay)."""
        self._abandoned = False

    def close(self) -> None:
        """Queue the stop marker past the bound: the worker drains what is ahead, then exits."""
        self.items.append(STOP)
        self.ready.set()

    def abandon(self) -> list[Any]:
        """Stop the worker taking items; return the items it will never take."""
        self._abandoned = True
        left = []
        popleft = self.items.popleft
        while True:
            try:
                item = popleft()
            except IndexError:
                break
            if item is not STOP:
                left.append(item)
        self.ready.set()
        return left

    def work(self, handle: Callable[[Any], None]) -> None:
        """The worker thread's loop: ``handle`` each item in FIFO order until the stop marker."""
        items, ready = self.items, self.ready
        popleft = items.popleft
        while not self._abandoned:
            try:
                item = popleft()
            except IndexError:
                ready.clear()
                # Re-check after clear(): an offer() or abandon() in between set it again.
                if not items and not self._abandoned:
                    ready.wait()
                continue
            if item is STOP:
                return
            handle(item)
