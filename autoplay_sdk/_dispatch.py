"""Callback dispatch for the async client: never inline on the reader, ordered per session.

The reader only appends to an inbox (O(1), no await).  One dispatcher task takes payloads in
arrival order and calls the callback:

* a plain callback returns at once — nothing to schedule, so no task is created for it;
* a callback that returns a coroutine gets a *lane*: that session's coroutines are awaited on
  lane tasks, at most ``concurrency`` at a time, and the session's later payloads wait in the
  lane (FIFO) until a slot frees.  Other sessions keep flowing through the dispatcher.

So per session, callbacks start in arrival order and at most ``concurrency`` run at once; a
slow ``async`` callback for session A never delays session B nor the reader.  Lanes exist only
while a session has work in flight, so their number is bounded by ``max_pending``.

``pending`` counts accepted payloads not yet finished (in the inbox, waiting in a lane, or
running).  At ``max_pending`` new payloads are dropped through the core's ``drop``.  What a
drain timeout leaves undelivered (waiting, or cancelled while running) is handed back to the
client, which counts it as dropped.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Coroutine
from typing import Any

from autoplay_sdk._stream import Delivery, StreamCore
from autoplay_sdk.core.metrics import _safe_call

Item = tuple[Delivery, Callable[[Any], Any]]


class _Lane:
    __slots__ = ("active", "waiting")

    def __init__(self) -> None:
        self.waiting: deque[Item] = deque()
        self.active = 0


class SessionDispatcher:
    def __init__(self, *, core: StreamCore, concurrency: int, max_pending: int) -> None:
        self._core = core
        self._concurrency = concurrency
        self._max_pending = max_pending
        self._inbox: deque[tuple[str, Item]] = deque()
        self._ready = asyncio.Event()
        self._closing = False
        self._runner: asyncio.Task[None] | None = None
        self.lanes: OrderedDict[str, _Lane] = OrderedDict()
        self.tasks: set[asyncio.Task[None]] = set()
        self.pending = 0
        self.active = 0
        self._undelivered: list[Delivery] = []

    # -- reader side (synchronous, never awaits) -------------------------------------------

    def submit(self, key: str, delivery: Delivery, cb: Callable[[Any], Any]) -> None:
        if self.pending >= self._max_pending:
            self._core.drop(delivery)
            return
        self.pending += 1
        self._inbox.append((key, (delivery, cb)))
        if not self._ready.is_set():
            self._ready.set()
        if self._runner is None:
            self._runner = asyncio.get_running_loop().create_task(self._run())
        metrics = self._core.metrics
        if metrics is not None:
            _safe_call(metrics, "record_queue_depth", depth=self.pending)

    # -- dispatcher ------------------------------------------------------------------------

    async def _run(self) -> None:
        inbox, lanes, ready = self._inbox, self.lanes, self._ready
        while True:
            while inbox:
                key, item = inbox.popleft()
                lane = lanes.get(key)
                if lane is not None and (lane.waiting or lane.active >= self._concurrency):
                    lane.waiting.append(item)
                else:
                    self._start(key, item)
            if self._closing:
                return
            ready.clear()
            if not inbox:
                await ready.wait()

    def _start(self, key: str, item: Item) -> None:
        result = self._call(item)
        if asyncio.iscoroutine(result):
            lane = self.lanes.get(key)
            if lane is None:
                lane = self.lanes[key] = _Lane()
            lane.active += 1
            task = asyncio.get_running_loop().create_task(self._lane(key, lane, item, result))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        else:
            self._finished()

    def _call(self, item: Item) -> Any:
        delivery, cb = item
        self.active += 1
        try:
            return cb(delivery.payload)
        except Exception as exc:
            self._core.callback_failed(delivery.kind, delivery.payload, exc)
            return None

    def _finished(self) -> None:
        self.active -= 1
        self.pending -= 1

    async def _lane(self, key: str, lane: _Lane, item: Item, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            while True:
                try:
                    await coro
                except asyncio.CancelledError:
                    self._undelivered.append(item[0])
                    raise
                except Exception as exc:
                    self._core.callback_failed(item[0].kind, item[0].payload, exc)
                finally:
                    self._finished()
                # Take the session's next payload, running plain callbacks right here.
                while True:
                    if not lane.waiting:
                        return
                    item = lane.waiting.popleft()
                    result = self._call(item)
                    if asyncio.iscoroutine(result):
                        coro = result
                        break
                    self._finished()
        finally:
            lane.active -= 1
            if lane.active == 0:
                if lane.waiting:  # cancelled by a drain timeout: those payloads are abandoned
                    self.pending -= len(lane.waiting)
                    self._undelivered.extend(item[0] for item in lane.waiting)
                    lane.waiting.clear()
                self.lanes.pop(key, None)

    # -- shutdown --------------------------------------------------------------------------

    async def drain(self, timeout: float) -> list[Delivery]:
        """Deliver what was accepted, for up to ``timeout`` seconds; cancel the rest.

        Returns the payloads that could not be delivered (none when all were).
        """
        self._closing = True
        self._ready.set()
        deadline = time.monotonic() + timeout
        if self._runner is not None:
            await asyncio.wait([self._runner], timeout=timeout)
        late: set[asyncio.Task[Any]] = set()
        if self.tasks:
            _, late = await asyncio.wait(set(self.tasks), timeout=max(0.0, deadline - time.monotonic()))
        if self._runner is not None and not self._runner.done():
            late.add(self._runner)
        for task in late:
            task.cancel()
        if late:
            await asyncio.gather(*late, return_exceptions=True)
        self._undelivered.extend(item[0] for _, item in self._inbox)
        self._inbox.clear()
        return self._undelivered
