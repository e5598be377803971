"""The one path every dropped payload takes: count, log, metrics, ``on_drop``, error reporter, report.

Each component that can drop a payload — the stream clients, ``EventBuffer``,
``RedisEventBuffer``, the Redis context store, the push sender — owns one :class:`DropPath` and
calls :meth:`DropPath.drop` once per payload it drops, never while holding one of its own locks.
The steps run in this order, each only when the component uses it:

1. count it (thread-safe); ``total`` is the component's count including this drop;
2. one log record, with ids, types, sizes and the reason in ``extra`` — never event content;
3. ``metrics.record_event_dropped(reason=..., event_type=..., session_id=..., product_id=...)``;
4. ``on_drop`` with the component's published arguments (``(subject, total)`` or ``(subject,)``);
   an exception from it is logged (with its traceback) and swallowed;
5. the process-wide error reporter (:mod:`autoplay_sdk.observability`), when the component names
   an event for it; no extra log record is added;
6. ``on_report(DropReport)``: the reason-carrying report, for hosts that asked for one; its
   exceptions are logged and swallowed like ``on_drop``'s.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from autoplay_sdk._metrics import safe_call
from autoplay_sdk.observability import _forward, _installed

__all__ = ["TOTAL", "DropPath", "DropReport"]

TOTAL: Any = object()
"""In a log record's arguments, stands for the drop's running total."""


@dataclass(frozen=True)
class DropReport:
    """One payload that was dropped: why, what, and how many its component has dropped so far.

    ``reason`` is one of ``"queue_full"`` (a client's backlog was full), ``"drain_timeout"``
    (still undelivered when ``stop()``'s drain time ran out), ``"redis_unavailable"``,
    ``"semaphore_timeout"``, ``"write_failed"`` or ``"push_failed"``.  ``event_id`` is the SSE id
    of the event that carried it (``""`` when unknown).  The report carries no event content.
    """

    reason: str
    event_type: str
    session_id: str | None
    product_id: str | None
    total: int
    event_id: str = ""


class DropPath:
    """Counts one component's drops and tells its log, metrics hook, ``on_drop`` and reporter."""

    def __init__(
        self,
        logger: logging.Logger,
        *,
        metrics: Any = None,
        on_drop: Callable[..., Any] | None = None,
        with_total: bool = True,
        on_drop_failed: str = "on_drop callback raised: %s",
        on_drop_failed_level: int = logging.ERROR,
        error_event: str | None = None,
    ) -> None:
        self.logger = logger
        self.metrics = metrics
        self.on_drop = on_drop
        self.on_report: Callable[[DropReport], Any] | None = None
        self.count = 0
        self._with_total = with_total
        self._failed = on_drop_failed
        self._failed_level = on_drop_failed_level
        self._error_event = error_event
        self._lock = threading.Lock()

    def drop(
        self,
        reason: str,
        *,
        event_type: str,
        session_id: str | None,
        product_id: str | None,
        subject: Any,
        event_id: str = "",
        log: tuple[int, str, tuple[Any, ...]] | None = None,
        extra: Mapping[str, Any] | None = None,
        metrics: bool = True,
        context: Mapping[str, Any] | None = None,
    ) -> int:
        """Report one dropped payload (``subject`` is what ``on_drop`` receives); return the total.

        ``log`` is ``(level, message, args)`` for the component's own record (:data:`TOTAL` in
        ``args`` becomes the running total); ``extra`` goes on every record this call emits, with
        ``drop_reason`` added.  ``context`` is the error reporter's keywords.
        """
        with self._lock:
            self.count += 1
            total = self.count
        fields = {**(extra or {}), "drop_reason": reason}
        if log is not None:
            level, message, args = log
            self.logger.log(level, message, *(total if a is TOTAL else a for a in args), extra=fields)
        if metrics:
            safe_call(
                self.metrics,
                "record_event_dropped",
                reason=reason,
                event_type=event_type,
                session_id=session_id,
                product_id=product_id,
            )
        on_drop = self.on_drop
        if on_drop is not None:
            self._isolated(on_drop, *((subject, total) if self._with_total else (subject,)), extra=fields)
        if self._error_event is not None:
            _forward(self._error_event, None, **(context or {}))
        on_report = self.on_report
        if on_report is not None:
            report = DropReport(reason, event_type, session_id, product_id, total, event_id)
            self._isolated(on_report, report, extra=fields)
        return total

    def unobserved(self, level: int) -> bool:
        """True when a drop logged at ``level`` would reach no one but the count.

        That is: no metrics hook, no ``on_drop``, no ``on_report``, no error reporter to forward
        to, and the logger not enabled for ``level``.  Such a drop may be recorded with
        :meth:`count_unobserved` instead of :meth:`drop`, with the same observable effect.
        """
        return (
            self.metrics is None
            and self.on_drop is None
            and self.on_report is None
            and (self._error_event is None or not _installed())
            and not self.logger.isEnabledFor(level)
        )

    def count_unobserved(self) -> int:
        """Count one drop that :meth:`unobserved` said nobody would see; return the total."""
        with self._lock:
            self.count += 1
            return self.count

    def _isolated(self, fn: Callable[..., Any], *args: Any, extra: Mapping[str, Any]) -> None:
        try:
            fn(*args)
        except Exception as exc:
            failed = self._failed
            self.logger.log(
                self._failed_level, failed, *((exc,) if "%s" in failed else ()), exc_info=True, extra=dict(extra)
            )
