"""``ProactiveDeliveryGate``: may this session get a proactive message now?

The gate enforces a :class:`~autoplay_sdk.proactive.resilience.config.ProactiveResilienceConfig`
over a :class:`~autoplay_sdk.proactive.resilience.protocol.ProactiveResilienceStore`, under the
keys of one :class:`~autoplay_sdk.proactive.resilience.keys.ProactiveResilienceKeySpace`.  Gates in
several processes that share a Redis store (and a key space) share every limit and the circuit.

Checks, in this order (the first that fails is the reason):

1. ``circuit_open`` - the surface's circuit is open (skipped when the breaker is off);
2. ``min_interval`` - the session got a proactive message less than ``min_interval_seconds`` ago;
3. ``product_per_minute`` - ``max_attempts_per_product_per_minute`` attempts in this UTC minute;
4. ``session_per_hour`` - ``max_per_session_per_hour`` messages to the session in this UTC hour;
5. ``user_per_day`` - ``max_per_user_per_day`` messages to the user on this UTC day (only when a
   ``user_id`` is given).

A limit of ``0`` is off.  :meth:`ProactiveDeliveryGate.check` only looks; :meth:`~ProactiveDeliveryGate.acquire`
looks and, when allowed, claims the attempt: it starts the session's min interval and counts the
attempt in every window.  Claims use atomic increments, so concurrent ``acquire`` calls in any
number of processes never let more through than a limit allows (at most one per min interval).
A claim that loses a race is refused; it may still have counted in a window it passed.

After delivering, report the outcome with :meth:`~ProactiveDeliveryGate.record_outcome`: a success
resets the failure streak; transport errors, rate limiting and timeouts count toward the circuit,
which opens for ``pause_s`` after ``failure_threshold`` consecutive ones (failures while open can
extend it).  Cancelled and invalid deliveries change nothing.  Opening is one atomic transition:
however many processes record failures at once, exactly one call returns True and logs it.

The breaker counts outcomes, not attempts, and never recalls a delivery already allowed.  Every
``acquire`` that starts after the opening failure was recorded is refused until the pause ends;
deliveries acquired before it are in flight and may fail too.  So at most
``failure_threshold + k`` deliveries fail before the circuit stops new ones, where ``k`` is the
number of deliveries in flight when it opens (bound ``k`` with your own concurrency or with
``max_attempts_per_product_per_minute``).

Windows follow the wall clock (``time.time()``, read at call time, or the ``now=`` argument),
since processes share them.  The min interval and the circuit pause are TTLs kept by the store, so
they run in real time whatever ``now`` says.

When the store fails (e.g. Redis is unreachable, or a counter holds something that is not an
integer) the gate fails closed and never raises: ``check`` and ``acquire`` answer
``store_unavailable``, ``is_circuit_open`` answers True, ``record_outcome`` and ``reset_circuit``
return False.  Each failure logs a WARNING naming the operation and the error type only.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Protocol, runtime_checkable

from autoplay_sdk._logging import get_logger
from autoplay_sdk.core.exceptions import SdkConfigError
from autoplay_sdk.proactive.resilience.config import ProactiveResilienceConfig
from autoplay_sdk.proactive.resilience.keys import ProactiveResilienceKeySpace
from autoplay_sdk.proactive.resilience.outcomes import ProactiveDeliveryOutcome, outcome_counts_toward_circuit
from autoplay_sdk.proactive.resilience.protocol import ProactiveResilienceStore

__all__ = ["ProactiveDeliveryDecision", "ProactiveDeliveryDenial", "ProactiveDeliveryGate"]

logger = get_logger(__name__)

_MINUTE, _HOUR, _DAY = 60, 3600, 86400
# Window keys outlive their window by one more window, so a late reader still sees the count.
_WINDOW_TTL_FACTOR = 2
# The failure streak is forgotten after a day without failures.
_FAIL_STREAK_TTL_S = _DAY


class ProactiveDeliveryDenial(str, Enum):
    """Why the gate refused a delivery."""

    CIRCUIT_OPEN = "circuit_open"
    MIN_INTERVAL = "min_interval"
    PRODUCT_PER_MINUTE = "product_per_minute"
    SESSION_PER_HOUR = "session_per_hour"
    USER_PER_DAY = "user_per_day"
    STORE_UNAVAILABLE = "store_unavailable"


@dataclass(frozen=True)
class ProactiveDeliveryDecision:
    """The gate's answer; truthy when the delivery may go ahead.

    ``reason`` is None when allowed.  ``retry_after_s`` is the time until the refusing window
    ends, when the gate knows it (window limits), else None.
    """

    allowed: bool
    reason: ProactiveDeliveryDenial | None = None
    retry_after_s: float | None = None

    def __bool__(self) -> bool:
        return self.allowed


@runtime_checkable
class _WindowCounter(Protocol):
    async def incr_with_expiry(self, key: str, seconds: float | int) -> int: ...


@dataclass(frozen=True)
class _Window:
    reason: ProactiveDeliveryDenial
    key: str
    limit: int
    ttl_s: int
    retry_after_s: float


_ALLOWED = ProactiveDeliveryDecision(True)


class ProactiveDeliveryGate:
    """Enforces proactive rate limits and the circuit breaker over a shared store.

    ``store`` holds the state (``RedisProactiveResilienceStore`` to share it between processes);
    ``config`` gives the limits and the breaker; ``keys`` names the surface and product.  Raises
    :class:`~autoplay_sdk.core.exceptions.SdkConfigError` naming the parameter for an empty
    product id, a surface that differs from ``config.surface_id``, or a negative limit.
    Not locked: safe to share between tasks of one event loop, since every claim is one atomic
    store operation.
    """

    def __init__(
        self,
        store: ProactiveResilienceStore,
        config: ProactiveResilienceConfig,
        keys: ProactiveResilienceKeySpace,
    ) -> None:
        if not (keys.product_id or "").strip():
            raise SdkConfigError("keys: ProactiveResilienceKeySpace.product_id must be a non-empty string")
        if (keys.surface or "").strip() != (config.surface_id or "").strip():
            raise SdkConfigError(
                f"keys: surface {keys.surface!r} does not match config.surface_id {config.surface_id!r}"
            )
        rates = config.rates
        for name in (
            "min_interval_seconds",
            "max_attempts_per_product_per_minute",
            "max_per_session_per_hour",
            "max_per_user_per_day",
        ):
            if getattr(rates, name) < 0:
                raise SdkConfigError(f"config.rates.{name} must be >= 0 (0 turns it off), got {getattr(rates, name)!r}")
        self.store = store
        self.config = config
        self.keys = keys

    # -- decisions ---------------------------------------------------------------------------

    async def check(
        self, session_id: str, *, user_id: str | None = None, now: float | None = None
    ) -> ProactiveDeliveryDecision:
        """Whether a delivery to ``session_id`` would be allowed now, without claiming anything."""
        try:
            return await self._look(session_id, user_id, self._now(now))
        except Exception as exc:
            return self._store_failed("check", exc)

    async def acquire(
        self, session_id: str, *, user_id: str | None = None, now: float | None = None
    ) -> ProactiveDeliveryDecision:
        """Check, and when allowed claim the delivery (min interval started, attempt counted).

        Call it right before delivering; deliver only when the decision is truthy, then call
        :meth:`record_outcome`.
        """
        t = self._now(now)
        try:
            decision = await self._look(session_id, user_id, t)
            if not decision:
                return decision
            return await asyncio.shield(self._claim(session_id, user_id, t))
        except Exception as exc:
            return self._store_failed("acquire", exc)

    async def record_outcome(self, outcome: ProactiveDeliveryOutcome | str) -> bool:
        """Report how a delivery ended; True only for the outcome that opened the circuit.

        Opening is one atomic transition, so among any number of gates sharing the store exactly
        one ``record_outcome`` call reports it (and logs the WARNING).  Counted failures while
        the circuit is open restart the pause but return False.
        """
        circuit = self.config.circuit
        try:
            if outcome == ProactiveDeliveryOutcome.SUCCESS:
                await self.store.delete(self.keys.fail_streak_key())
                return False
            if not outcome_counts_toward_circuit(outcome) or circuit.disabled or circuit.failure_threshold <= 0:
                return False
            streak = await self._incr(self.keys.fail_streak_key(), _FAIL_STREAK_TTL_S)
            if streak < circuit.failure_threshold:
                return False
            pause = max(0.0, float(circuit.pause_s))
            opened = await self._open(pause, first=streak == circuit.failure_threshold)
            await self.store.delete(self.keys.fail_streak_key())
        except Exception as exc:
            self._store_failed("record_outcome", exc)
            return False
        if opened:
            logger.warning(
                "proactive delivery circuit opened",
                extra={
                    "event_type": "proactive_circuit_opened",
                    "surface": self.keys.surface,
                    "product_id": self.keys.product_id,
                    "pause_s": pause,
                },
            )
        return opened

    async def is_circuit_open(self) -> bool:
        """True while the surface's circuit is open (False when the breaker is off).

        When the store fails the answer is True (fail closed, like :meth:`check`): the failure
        is logged at WARNING (``operation="is_circuit_open"``, the error type only), never raised.
        """
        try:
            return await self._circuit_open()
        except Exception as exc:
            self._store_failed("is_circuit_open", exc)
            return True

    async def reset_circuit(self) -> bool:
        """Close the circuit and forget the failure streak; False (logged) when the store failed."""
        try:
            await self.store.delete(self.keys.circuit_open_key())
            await self.store.delete(self.keys.fail_streak_key())
        except Exception as exc:
            self._store_failed("reset_circuit", exc)
            return False
        return True

    # -- internals ---------------------------------------------------------------------------

    @staticmethod
    def _now(now: float | None) -> float:
        return time.time() if now is None else float(now)

    def _windows(self, session_id: str, user_id: str | None, t: float) -> list[_Window]:
        rates, keys = self.config.rates, self.keys
        minute, hour, day = int(t // _MINUTE), int(t // _HOUR) * _HOUR, int(t // _DAY)
        windows: list[_Window] = []
        if rates.max_attempts_per_product_per_minute > 0:
            windows.append(
                _Window(
                    ProactiveDeliveryDenial.PRODUCT_PER_MINUTE,
                    keys.attempts_per_minute_key(minute),
                    rates.max_attempts_per_product_per_minute,
                    _MINUTE * _WINDOW_TTL_FACTOR,
                    (minute + 1) * _MINUTE - t,
                )
            )
        if rates.max_per_session_per_hour > 0:
            windows.append(
                _Window(
                    ProactiveDeliveryDenial.SESSION_PER_HOUR,
                    keys.per_session_hour_key(session_id, hour),
                    rates.max_per_session_per_hour,
                    _HOUR * _WINDOW_TTL_FACTOR,
                    hour + _HOUR - t,
                )
            )
        if rates.max_per_user_per_day > 0 and (user_id or "").strip():
            day_utc = datetime.fromtimestamp(day * _DAY, tz=timezone.utc).strftime("%Y-%m-%d")
            windows.append(
                _Window(
                    ProactiveDeliveryDenial.USER_PER_DAY,
                    keys.per_user_day_key(str(user_id), day_utc),
                    rates.max_per_user_per_day,
                    _DAY * _WINDOW_TTL_FACTOR,
                    (day + 1) * _DAY - t,
                )
            )
        return windows

    async def _circuit_open(self) -> bool:
        circuit = self.config.circuit
        if circuit.disabled or circuit.failure_threshold <= 0:
            return False
        return await self.store.exists(self.keys.circuit_open_key())

    async def _open(self, pause: float, *, first: bool) -> bool:
        """Open the circuit for ``pause`` seconds, or restart the pause; True if this call opened it.

        The circuit key is claimed with an atomic increment: only the call that creates it sees
        1, so one opening is reported once however many gates race.  Without a pause nothing is
        stored, and the call whose failure reached the threshold exactly reports the opening.
        """
        if pause <= 0:
            return first
        key = self.keys.circuit_open_key()
        if await self._incr(key, pause) == 1:
            return True
        await self.store.expire(key, pause)
        return False

    async def _look(self, session_id: str, user_id: str | None, t: float) -> ProactiveDeliveryDecision:
        if await self._circuit_open():
            return self._deny(ProactiveDeliveryDenial.CIRCUIT_OPEN, session_id)
        if self.config.rates.min_interval_seconds > 0 and await self.store.exists(
            self.keys.min_interval_key(session_id)
        ):
            return self._deny(ProactiveDeliveryDenial.MIN_INTERVAL, session_id)
        for window in self._windows(session_id, user_id, t):
            raw = await self.store.get(window.key)
            if raw is not None and int(raw) >= window.limit:
                return self._deny(window.reason, session_id, window.retry_after_s)
        return _ALLOWED

    async def _claim(self, session_id: str, user_id: str | None, t: float) -> ProactiveDeliveryDecision:
        interval = self.config.rates.min_interval_seconds
        interval_key = self.keys.min_interval_key(session_id)
        if interval > 0 and await self._incr(interval_key, interval) != 1:
            return self._deny(ProactiveDeliveryDenial.MIN_INTERVAL, session_id)
        for window in self._windows(session_id, user_id, t):
            if await self._incr(window.key, window.ttl_s) > window.limit:
                if interval > 0:  # this claim did not deliver: release the session's interval
                    await self.store.delete(interval_key)
                return self._deny(window.reason, session_id, window.retry_after_s)
        return _ALLOWED

    async def _incr(self, key: str, ttl_s: float) -> int:
        """Increment ``key``; a new key gets ``ttl_s`` (atomically when the store supports it)."""
        if isinstance(self.store, _WindowCounter):
            return await self.store.incr_with_expiry(key, ttl_s)
        value = await self.store.incr(key)
        if value == 1:
            await self.store.expire(key, ttl_s)
        return value

    def _deny(
        self, reason: ProactiveDeliveryDenial, session_id: str, retry_after_s: float | None = None
    ) -> ProactiveDeliveryDecision:
        logger.debug(
            "proactive delivery refused",
            extra={
                "event_type": "proactive_delivery_denied",
                "reason": reason.value,
                "product_id": self.keys.product_id,
                "session_id": session_id,
            },
        )
        return ProactiveDeliveryDecision(False, reason, retry_after_s)

    def _store_failed(self, operation: str, exc: Exception) -> ProactiveDeliveryDecision:
        logger.warning(
            "proactive resilience store failed; refusing delivery",
            extra={
                "event_type": "proactive_resilience_store_error",
                "operation": operation,
                "error_type": type(exc).__name__,
                "product_id": self.keys.product_id,
            },
        )
        return ProactiveDeliveryDecision(False, ProactiveDeliveryDenial.STORE_UNAVAILABLE)
