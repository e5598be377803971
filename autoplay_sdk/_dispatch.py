"""Callback dispatch for the async client: never inline on the reader, ordered per session.

The reader only appends to an inbox (O(1), no await) and, when the inbox was empty, schedules
one *pump* with ``loop.call_soon``.  The pump runs on the loop after the reader yields and takes
payloads in arrival order:

* a session with nothing in flight has its callback called right there.  A plain callback
  returns at once — nothing to schedule, so no task is created for it;
* a callback that returns a coroutine opens a *lane* for its session: a FIFO of the session's
  payloads not yet started, served by at most ``concurrency`` lane tasks.  While the lane
  exists, every later payload of that session joins its FIFO (plain callbacks too), and a new
  lane task is added while fewer than ``concurrency`` run.

The lane task that runs first awaits the coroutine that opened the lane; then every lane task
repeatedly takes the *head* of the FIFO, calls the callback and awaits what it returns, until
the FIFO is empty.  Taking a payload and starting its callback happen in one step, so within a
session callbacks start in arrival order, whatever ``concurrency`` is and however quickly each
one finishes: no task can start a later payload while an earlier one sits in a task that has
not run yet.  At most ``concurrency`` callbacks of a session run at once, so with
``concurrency=1`` each one also finishes before the next starts.  A slow ``async`` callback for
session A never delays session B nor the reader.  Lanes exist only while a session has work in
flight, so their number is bounded by ``max_pending``.  A loop callback rather than a dispatcher
task keeps the hand-off to one scheduled call per batch, without a future and a task switch per
payload.

``pending`` counts accepted payloads not yet finished (in the inbox, waiting in a lane, or
running).  At ``max_pending`` new payloads are dropped through the core's ``drop``.  What a
drain timeout leaves undelivered (waiting, or cancelled while running) is handed back to the
client, which counts it as dropped.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Callable, Coroutine
from typing import Any

from autoplay_sdk._metrics import safe_call as _safe_call
from autoplay_sdk._stream import NO_SESSION, Delivery, StreamCore, entering
from autoplay_sdk.core.models import ActionsPayload

Item = tuple[Delivery, Callable[[Any], Any]]
Started = tuple[Item, Coroutine[Any, Any, Any]]


class _Lane:
    """One session's payloads not yet started and the number of tasks serving them.

    ``first`` is the payload that opened the lane, its coroutine created but not yet started;
    ``waiting`` holds the later ones (FIFO).
    """

    __slots__ = ("active", "first", "waiting")

    def __init__(self, first: Started) -> None:
        self.first: Started | None = first
        self.waiting: deque[Item] = deque()
        self.active = 0


class SessionDispatcher:
    def __init__(self, *, core: StreamCore, concurrency: int, max_pending: int) -> None:
        self._core = core
        self._concurrency = concurrency
        self._max_pending = max_pending
        self._inbox: deque[tuple[str, Delivery, Callable[[Any], Any]]] = deque()
        self._loop = asyncio.get_running_loop()
        self._scheduled = False
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
        self._inbox.append((key, delivery, cb))
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._pump)
        metrics = self._core.metrics
        if metrics is not None:
            _safe_call(metrics, "record_queue_depth", depth=self.pending)

    # -- dispatcher ------------------------------------------------------------------------

    def _pump(self) -> None:
        self._scheduled = False
        inbox, lanes, concurrency = self._inbox, self.lanes, self._concurrency
        call, handled = self._core.call, self._core.handled
        while inbox:
            key, delivery, cb = inbox.popleft()
            if lanes:
                lane = lanes.get(key)
                if lane is not None:  # the session has work in flight: queue behind it
                    lane.waiting.append((delivery, cb))
                    if lane.active < concurrency:
                        self._spawn(key, lane)
                    continue
            self.active += 1
            result = call(delivery, cb)
            if result is not None and asyncio.iscoroutine(result):
                lane = lanes[key] = _Lane(((delivery, cb), result))
                self._spawn(key, lane)
            else:
                self.active -= 1
                self.pending -= 1
                handled(delivery)

    def _spawn(self, key: str, lane: _Lane) -> None:
        lane.active += 1
        task = self._loop.create_task(self._serve(key, lane))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _call(self, item: Item) -> Any:
        delivery, cb = item
        self.active += 1
        return self._core.call(delivery, cb)

    def _finished(self, delivery: Delivery) -> None:
        self.active -= 1
        self.pending -= 1
        self._core.handled(delivery)

    async def _serve(self, key: str, lane: _Lane) -> None:
        """A lane task: run the payloads at the lane's head, one after another, until none is left."""
        waiting, failed = lane.waiting, self._core.callback_failed
        coro: Coroutine[Any, Any, Any] | None = None
        first = lane.first
        if first is not None:  # the lane task that starts first runs the payload that opened it
            lane.first = None
            item, coro = first
        try:
            while True:
                if coro is not None:
                    entering(item[0])  # the callback's body runs here: it reads its own current_event
                    try:
                        await coro
                    except asyncio.CancelledError:
                        self.active -= 1
                        self.pending -= 1
                        self._undelivered.append(item[0])
                        raise
                    except Exception as exc:
                        failed(item[0].kind, item[0].payload, exc)
                    self._finished(item[0])
                if not waiting:
                    return
                # Taking the head and starting its callback happen in one step: start order is
                # the lane's FIFO order, whichever task takes the payload.
                item = waiting.popleft()
                result = self._call(item)
                if result is not None and asyncio.iscoroutine(result):
                    coro = result
                else:
                    coro = None
                    self._finished(item[0])
        finally:
            lane.active -= 1
            if lane.active == 0:
                if waiting:  # cancelled by a drain timeout: those payloads are abandoned
                    self.pending -= len(waiting)
                    self._undelivered.extend(item[0] for item in waiting)
                    waiting.clear()
                if self.lanes.get(key) is lane:
                    del self.lanes[key]

    # -- shutdown --------------------------------------------------------------------------

    async def drain(self, timeout: float) -> list[Delivery]:
        """Deliver what was accepted, for up to ``timeout`` seconds; cancel the rest.

        Returns the payloads that could not be delivered (none when all were).
        """
        self._pump()  # the reader has stopped: start what is still in the inbox now
        late: set[asyncio.Task[Any]] = set()
        if self.tasks:
            _, late = await asyncio.wait(set(self.tasks), timeout=timeout)
        for task in late:
            task.cancel()
        if late:
            await asyncio.gather(*late, return_exceptions=True)
        for lane in self.lanes.values():  # lanes whose tasks were cancelled before they started
            if lane.first is not None:
                (delivery, _), coro = lane.first
                coro.close()
                self._undelivered.append(delivery)
                self.pending -= 1
                self.active -= 1
            self._undelivered.extend(item[0] for item in lane.waiting)
            self.pending -= len(lane.waiting)
        self.lanes.clear()
        return self._undelivered


class LaneHandOff:
    """The async client's hand-off side: payloads into session lanes, drained on exit.

    Also serves the compatibility names 0.7.5 users' tests read (``_session_semaphores``,
    ``_active_dispatches``, ``_dispatch``).
    """

    _core: StreamCore
    _callbacks: dict[str, Callable[[Any], Any]]
    _session_concurrency: int
    _max_pending: int
    _drain_timeout_s: float
    _dispatcher: SessionDispatcher | None

    @property
    def pending_count(self) -> int:
        """Payloads accepted but not yet delivered (waiting or running)."""
        return self._dispatcher.pending if self._dispatcher is not None else 0

    @property
    def _session_semaphores(self) -> dict[str, Any]:
        """Sessions with callbacks in flight (the published name of the per-session map)."""
        return dict(self._dispatcher.lanes) if self._dispatcher is not None else {}

    @property
    def _active_dispatches(self) -> int:
        return self._dispatcher.active if self._dispatcher is not None else 0

    def _submit(self, delivery: Delivery | None) -> None:
        if delivery is None:
            return
        cb = self._callbacks.get(delivery.kind)
        if cb is not None:
            (self._dispatcher or self._lanes()).submit(delivery.payload.session_id or NO_SESSION, delivery, cb)
        else:
            self._core.handled(delivery)

    def _lanes(self) -> SessionDispatcher:
        if self._dispatcher is None:
            self._dispatcher = SessionDispatcher(
                core=self._core, concurrency=self._session_concurrency, max_pending=self._max_pending
            )
        return self._dispatcher

    async def _dispatch(self, session_id: str, typed: Any) -> None:
        """Compatibility entry point: queue ``typed`` on ``session_id``'s lane."""
        if hasattr(typed, "actions") and hasattr(typed, "count") and not hasattr(typed, "replaces"):
            kind = "actions"
        elif hasattr(typed, "summary") and hasattr(typed, "replaces"):
            kind = "summary"
        else:
            kind = "actions" if isinstance(typed, ActionsPayload) else "summary"
        cb = self._callbacks.get(kind)
        if cb is not None:
            to_dict = getattr(typed, "to_dict", None)
            self._lanes().submit(session_id, Delivery(kind, typed, to_dict() if to_dict else {}), cb)

    async def _drain(self) -> None:
        dispatcher, self._dispatcher = self._dispatcher, None
        if dispatcher is not None:
            self._core.undelivered(await dispatcher.drain(self._drain_timeout_s), self._drain_timeout_s)
