"""The sans-IO streaming core shared by ``ConnectorClient`` and ``AsyncConnectorClient``.

Nothing here opens a socket, starts a thread, sleeps or awaits.  The two clients are thin
drivers: they connect, hand the response to :meth:`StreamCore.opened`, feed the body's bytes to
:meth:`StreamCore.feed` and get typed :class:`Delivery` values back, hand those to their
callbacks, and sleep for as long as :meth:`StreamCore.next_delay` says.  Every decision — which
statuses are fatal, how long to back off, when a connection counts as good, when to give up,
which frames are payloads, what gets logged — is made here, once, for both.

Decisions where the published contract is silent:

* Any failure to decode a frame — invalid JSON, nesting too deep for the parser, JSON that is not
  an object, a payload the models reject — makes it a malformed frame: logged, skipped, never a
  reconnect.  A frame with empty ``data`` (an ``id:``- or ``retry:``-only frame, or a keep-alive
  under another event name) is skipped silently, like a heartbeat.
* A connection is *good* once it delivered an event (any frame, heartbeats included) or stayed
  open for ``RetryPolicy.reset_after_s``; only a good connection resets the backoff and the
  attempt count.  A stream that ends cleanly after a good connection is not a failed attempt
  (as published); one that ends before any event is.  Either fires ``on_disconnect``.
* ``retry: <ms>`` from the server becomes the base of the next reconnect delay, capped at
  ``max_backoff_s``; consecutive failures still double it.
* HTTP 204 means the server asks the client to stop: ``run()`` returns without reconnecting.
  A 2xx whose content type is not ``text/event-stream`` is a misconfiguration and raises
  :class:`~autoplay_sdk.core.exceptions.SdkConfigError` at once.
* ``Last-Event-ID`` carries the id as UTF-8 (as browsers do).  An id that no HTTP header can
  carry (a control character, or leading/trailing whitespace) is not sent: the client resumes
  without it and logs that once.
* URLs are logged with any userinfo and query string redacted.  A frame that cannot be decoded
  is logged at WARNING with its size, its event id and the error's type; its content (the first
  200 characters) only at DEBUG, since event data carries emails and what users typed.
* Every accepted payload carries an :class:`EventRef` — its SSE id and the ``Last-Event-ID`` its
  connection sent — readable as ``client.current_event`` while its callback runs.  The core
  tracks, in arrival order, which accepted payloads are *handled* (callback returned or raised,
  no callback set, or dropped while running) and exposes the id up to which all are
  (``last_handled_event_id``): a checkpoint to pass back as ``last_event_id=``.  A payload left
  undelivered at the drain timeout is not handled, so a resume reads it again.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import httpx

from autoplay_sdk import _json
from autoplay_sdk._drops import TOTAL, DropPath
from autoplay_sdk._explain import describe_error
from autoplay_sdk._logging import redact_url
from autoplay_sdk._sse import Frame, FrameDecoder
from autoplay_sdk.core._wire import connector_payload
from autoplay_sdk.core.exceptions import (
    SdkAuthError,
    SdkConfigError,
    SdkError,
    SdkNotFoundError,
    SdkUpstreamError,
)
from autoplay_sdk.core.metrics import SdkMetricsHook
from autoplay_sdk.core.models import ActionsPayload, AnyPayload, SummaryPayload
from autoplay_sdk.observability import _forward as _forward_error

__all__ = [
    "DEFAULT_MAX_FRAME_BYTES",
    "Delivery",
    "EventRef",
    "Frame",
    "FrameDecoder",
    "RetryPolicy",
    "StreamCore",
    "parse_payload",
    "redact_url",
]

FATAL_STATUSES = frozenset({401, 403, 404})
DEFAULT_MAX_FRAME_BYTES = 1 << 20
HEARTBEAT = "heartbeat"
NO_SESSION = "_nosession"
# ``json.loads`` minus its two whitespace regex passes; the core falls back to it when needed.
_scan_json = json.JSONDecoder().raw_decode


def _decode_std(data: str) -> Any:
    try:
        payload, end = _scan_json(data)
    except ValueError:
        end = -1
    if end != len(data):  # surrounding whitespace or trailing junk: let the strict path decide
        payload = json.loads(data)
    return payload


# One frame's JSON in two steps (see ``_json.loads_first``): ``_decode`` reads it (orjson first when
# the extra is installed); a value the connector's exact shape vouches for is final, any other goes
# through ``_confirm``, and the pair decodes exactly as ``json.loads`` does.
_decode = _json.loads_first if _json.ACCELERATED else _decode_std
_confirm = _json.confirm
# What an HTTP/1.1 field value may hold (RFC 9110 field-value, obs-text allowed).
_HEADER_VALUE = re.compile(rb"[\x21-\x7e\x80-\xff]+(?:[ \t]+[\x21-\x7e\x80-\xff]+)*")

_PARSERS: dict[str, Callable[[Mapping[str, Any]], AnyPayload]] = {
    "actions": ActionsPayload.from_dict,
    "summary": SummaryPayload.from_dict,
}

Uniform = Callable[[float, float], float]


def parse_payload(data: Mapping[str, Any]) -> AnyPayload | None:
    """The typed payload for one decoded JSON object, routed on its ``"type"`` key.

    Returns ``None`` for any type other than ``"actions"`` and ``"summary"``; lets the model's
    own error propagate when the object does not fit it.  Used by the stream clients and the
    webhook receiver alike.
    """
    kind = data.get("type")
    parser = _PARSERS.get(kind) if isinstance(kind, str) else None
    return None if parser is None else parser(data)


class EventRef(NamedTuple):
    """Where a delivered payload sits in the stream.

    ``id`` is the SSE ``id:`` of the event that carried it (``""`` when the server sent none);
    ``resumed_after`` is the ``Last-Event-ID`` its connection sent (``""`` on a fresh start).
    Persist ``id`` (or, better, the client's ``last_handled_event_id``) and pass it back as
    ``last_event_id=`` to resume after it.
    """

    id: str
    resumed_after: str


class Delivery(NamedTuple):
    """One payload the core accepted: its type, the typed value, the decoded JSON object and,
    for payloads read from the stream, its :class:`EventRef` and its place in the handled-order."""

    kind: str
    payload: AnyPayload
    raw: dict[str, Any]
    event: EventRef | None = None
    mark: list[Any] | None = None


# ``_new(Delivery, fields)`` is ``Delivery(*fields)`` without the NamedTuple's Python-level ``__new__``.
_new = tuple.__new__

# The delivery whose callback runs in the current context (a worker thread, or a lane task).
_CURRENT: contextvars.ContextVar[Delivery | None] = contextvars.ContextVar("autoplay_sdk_delivery", default=None)


def current_delivery() -> Delivery | None:
    """The delivery whose callback is running in this thread or task, if any."""
    return _CURRENT.get()


def entering(delivery: Delivery) -> None:
    """Make ``delivery`` current for the rest of this task (a lane task about to await its callback)."""
    _CURRENT.set(delivery)


class _Progress:
    """The SSE id up to which every accepted payload is handled, whatever order they finish in.

    ``accept`` runs on the reader, ``finish`` on whichever thread handled the payload; only
    ``finish`` removes entries, under a lock.
    """

    __slots__ = ("_lock", "_open", "handled")

    def __init__(self, start: str) -> None:
        self.handled = start
        self._open: deque[list[Any]] = deque()
        self._lock = threading.Lock()

    def accept(self, event_id: str) -> list[Any]:
        mark = [event_id, False]
        self._open.append(mark)
        return mark

    def finish(self, mark: list[Any]) -> None:
        with self._lock:
            mark[1] = True
            pending = self._open
            while pending and pending[0][1]:
                event_id = pending.popleft()[0]
                if event_id:
                    self.handled = event_id


# --------------------------------------------------------------------------- configuration


def check_positive(name: str, value: float) -> None:
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")


def check_at_least_one(name: str, value: int) -> None:
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r}")


@dataclass(frozen=True)
class RetryPolicy:
    """How the clients reconnect: capped exponential backoff with jitter, and fatal-or-retry.

    Immutable and shareable between clients; the mutable part (current delay, attempt count)
    lives in each client.  A delay is ``base + uniform(0, base * jitter_ratio)``; the base starts
    at ``initial_backoff_s`` (or the server's ``retry:`` hint), doubles after each failed attempt
    up to ``max_backoff_s``, and goes back to the start after a good connection — one that
    delivered an event or stayed open ``reset_after_s`` seconds.  More than ``max_retries``
    consecutive failed attempts (``None``: no limit) raise ``SdkUpstreamError``; a status in
    ``fatal_statuses`` raises at once.  Raises ``ValueError`` naming the field when invalid.
    """

    initial_backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    max_retries: int | None = None
    jitter_ratio: float = 0.1
    reset_after_s: float = 30.0
    fatal_statuses: frozenset[int] = FATAL_STATUSES

    def __post_init__(self) -> None:
        check_positive("initial_backoff_s", self.initial_backoff_s)
        if self.max_backoff_s < self.initial_backoff_s:
            raise ValueError("max_backoff_s must be >= initial_backoff_s")
        if self.max_retries is not None and self.max_retries < 0:
            raise ValueError(f"max_retries must be >= 0 or None, got {self.max_retries!r}")
        if self.jitter_ratio < 0:
            raise ValueError(f"jitter_ratio must be >= 0, got {self.jitter_ratio!r}")
        if self.reset_after_s < 0:
            raise ValueError(f"reset_after_s must be >= 0, got {self.reset_after_s!r}")

    @classmethod
    def validated(cls, initial_backoff_s: float, max_backoff_s: float, max_retries: int | None) -> RetryPolicy:
        """Build from the clients' scalar arguments (same ``ValueError`` messages)."""
        return cls(initial_backoff_s, max_backoff_s, max_retries)

    def is_fatal(self, status: int) -> bool:
        return status in self.fatal_statuses

    def exhausted(self, retry_count: int) -> bool:
        return self.max_retries is not None and retry_count > self.max_retries

    def grow(self, base: float) -> float:
        return min(base * 2, self.max_backoff_s)

    def jittered(self, base: float, uniform: Uniform) -> float:
        return base + uniform(0, base * self.jitter_ratio)


def header_value(event_id: str) -> str | bytes | None:
    """``event_id`` as a ``Last-Event-ID`` value: ASCII as is, otherwise UTF-8 bytes.

    ``None`` when no HTTP header can carry it (control characters, surrounding whitespace).
    """
    raw = event_id.encode("utf-8", "surrogatepass")
    if not _HEADER_VALUE.fullmatch(raw):
        return None
    return event_id if event_id.isascii() else raw


# --------------------------------------------------------------------------- the core


class StreamCore:
    """Per-client state and decisions of one SSE subscription (one per client instance)."""

    def __init__(
        self,
        *,
        url: str,
        policy: RetryPolicy,
        logger: logging.Logger,
        headers: Mapping[str, str] | None = None,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
        metrics: SdkMetricsHook | None = None,
        clock: Callable[[], float] = time.monotonic,
        last_event_id: str = "",
    ) -> None:
        check_at_least_one("max_frame_bytes", max_frame_bytes)
        self.url = url
        self.safe_url = redact_url(url)
        self.policy = policy
        self.logger = logger
        self.max_frame_bytes = max_frame_bytes
        self.metrics = metrics
        self._clock = clock
        self._headers = dict(headers or {})
        self._extra = {"url": self.safe_url}
        self.backoff = policy.initial_backoff_s
        self.retry_count = 0
        self.last_event_id = last_event_id
        self.server_retry_s: float | None = None
        self.drops = DropPath(logger, metrics=metrics)
        self._progress = _Progress(last_event_id)
        self._resumed_after = ""
        self._decoder = FrameDecoder(max_frame_bytes, logger)
        self._opened_at: float | None = None
        self._good = False
        self._last_error: BaseException | None = None
        self._last_status: int | None = None
        self._unsendable_id_logged = False

    @property
    def last_handled_event_id(self) -> str:
        return self._progress.handled

    def resume_from(self, event_id: str) -> None:
        """Start (not while reading) from ``event_id``, as if every event up to it was handled."""
        self.last_event_id = event_id
        self._progress = _Progress(event_id)

    # -- connection lifecycle -------------------------------------------------------------

    def request_headers(self) -> dict[str, Any]:
        """Headers for the next attempt: extra headers, the token and, on a resume, ``Last-Event-ID``."""
        headers: dict[str, Any] = dict(self._headers)
        self._resumed_after = ""
        if self.last_event_id:
            value = header_value(self.last_event_id)
            if value is not None:
                headers["Last-Event-ID"] = value
                self._resumed_after = self.last_event_id
            elif not self._unsendable_id_logged:
                self._unsendable_id_logged = True
                self.logger.warning(
                    "event id %.64r cannot be sent in a Last-Event-ID header — resuming without it",
                    self.last_event_id,
                    extra=self._extra,
                )
        return headers

    def connecting(self) -> None:
        self._opened_at = None
        self._good = False
        self.logger.info("connecting to %s", self.safe_url, extra=self._extra)

    def opened(self, response: httpx.Response | None) -> bool:
        """Check a freshly opened response before any of its body is read.

        Returns ``True`` to read the stream, ``False`` when the server answered 204 (stop, do not
        reconnect).  Raises ``httpx.HTTPStatusError`` for a non-2xx status and ``SdkConfigError``
        for a 2xx that is not ``text/event-stream``.  ``None`` stands for an event source that
        offers only parsed frames (see :meth:`take`).
        """
        if response is not None:
            status = response.status_code
            if status == 204:
                self.logger.info("server answered 204 No Content — not reconnecting", extra=self._extra)
                return False
            if not response.is_success:
                raise httpx.HTTPStatusError(
                    f"connector answered HTTP {status}", request=response.request, response=response
                )
            ctype = response.headers.get("content-type", "")
            if "text/event-stream" not in ctype.partition(";")[0].lower():
                raise SdkConfigError(
                    f"{self.safe_url} answered HTTP {status} with Content-Type {ctype!r}, not "
                    "'text/event-stream': check that url is the connector's stream endpoint"
                )
        self.logger.info("connected", extra=self._extra)
        self._opened_at = self._clock()
        self._decoder = FrameDecoder(self.max_frame_bytes, self.logger, self.last_event_id)
        return True

    def ended(self) -> None:
        """Account for a stream the server ended cleanly."""
        self._settle()
        if self._good:
            self.logger.info("stream ended — reconnecting in %.0fs", self.backoff, extra=self._extra)
            return
        self.retry_count += 1
        self._last_error = None
        self._last_status = None
        self._retrying("the stream ended before any event")

    def failed(self, exc: BaseException) -> None:
        """Account for a failed attempt; raise the SDK error when the failure is fatal."""
        self._settle()
        if isinstance(exc, SdkConfigError):
            self.logger.error("%s", exc, extra=self._extra)
            raise exc
        if isinstance(exc, httpx.HTTPStatusError):
            status = exc.response.status_code
            if self.policy.is_fatal(status):
                self.logger.error(
                    "fatal HTTP %d — check URL and token",
                    status,
                    exc_info=exc,
                    extra={"http_status": status, **self._extra},
                )
                if isinstance(exc, SdkError):
                    raise exc
                raise self._fatal(exc) from exc
            self.retry_count += 1
            self._last_error, self._last_status = exc, status
            self.logger.warning(
                "HTTP %d — retrying in %.0fs (attempt %d)",
                status,
                self.backoff,
                self.retry_count,
                extra={
                    "http_status": status,
                    "retry_count": self.retry_count,
                    "cause": f"HTTP {status}",
                    **self._extra,
                },
            )
            return
        self.retry_count += 1
        self._last_error, self._last_status = exc, None
        self._retrying(_describe(exc, self.url))

    def next_delay(self, uniform: Uniform) -> float:
        """The delay before the next attempt; raises ``SdkUpstreamError`` once retries are spent."""
        policy = self.policy
        if policy.exhausted(self.retry_count):
            self.logger.critical(
                "max_retries=%d exhausted — giving up",
                policy.max_retries,
                extra={"retry_count": self.retry_count, **self._extra},
            )
            cause = _describe(self._last_error, self.url) if self._last_error else "the stream ended before any event"
            raise SdkUpstreamError(
                f"autoplay_sdk: max_retries={policy.max_retries} exhausted after {self.retry_count} attempts "
                f"({self.safe_url}: {cause})",
                attempts=self.retry_count,
                last_status=self._last_status,
            ) from self._last_error
        delay = policy.jittered(self.backoff, uniform)
        self.backoff = policy.grow(self.backoff)
        return delay

    def lifecycle_failed(self, name: str, exc: BaseException) -> None:
        self.logger.error("%s callback raised: %s", name, exc, exc_info=exc, extra=self._extra)

    def stopped(self, how: str | None = None) -> None:
        if how is not None:
            self.logger.info(how, extra=self._extra)
        self.logger.info("stopped", extra=self._extra)

    def _settle(self) -> None:
        opened, self._opened_at = self._opened_at, None
        if not self._good and opened is not None and self._clock() - opened >= self.policy.reset_after_s:
            self._mark_good()

    def _mark_good(self) -> None:
        self._good = True
        self.backoff = self.server_retry_s or self.policy.initial_backoff_s
        self.retry_count = 0

    def _retrying(self, cause: str) -> None:
        self.logger.warning(
            "connection lost (%s) — retrying in %.0fs (attempt %d)",
            cause,
            self.backoff,
            self.retry_count,
            extra={"retry_count": self.retry_count, "cause": f"connection lost ({cause})", **self._extra},
        )

    def _fatal(self, exc: httpx.HTTPStatusError) -> SdkError:
        status = exc.response.status_code
        if status == 404:
            return SdkNotFoundError(
                f"HTTP 404 from {self.safe_url}: no such stream — check the product id in url",
                request=exc.request,
                response=exc.response,
            )
        what = "token rejected" if status == 401 else "access forbidden"
        return SdkAuthError(
            f"HTTP {status} from {self.safe_url}: {what} — check token",
            request=exc.request,
            response=exc.response,
        )

    # -- frames ---------------------------------------------------------------------------

    def feed(self, chunk: bytes) -> list[Delivery]:
        """Decode a chunk of the response body; return the payloads it completes, in order."""
        decoder = self._decoder
        frames = decoder.feed(chunk)
        out: list[Delivery] = []
        if frames:
            if not self._good:
                self._mark_good()
            for frame in frames:
                delivery = self._deliver(frame)
                if delivery is not None:
                    out.append(delivery)
        self.last_event_id = decoder.last_id
        return out

    def take(self, frame: Frame) -> Delivery | None:
        """One frame already parsed by someone else (an ``iter_sse()`` event source)."""
        if not self._good:
            self._mark_good()
        self.last_event_id = frame.id
        return self._deliver(frame)

    def _deliver(self, frame: Frame) -> Delivery | None:
        event, data, event_id, retry = frame
        if retry is not None:
            self.server_retry_s = min(retry / 1000.0, self.policy.max_backoff_s) or None
            if self.server_retry_s is not None:
                self.backoff = self.server_retry_s
        if event == HEARTBEAT or not data:
            return None
        if len(data) > self.max_frame_bytes:  # frames from an ``iter_sse()`` event source
            self.logger.warning("skipping SSE frame (over max_frame_bytes=%d)", self.max_frame_bytes, extra=self._extra)
            return None
        try:
            payload = _decode(data)
            typed = connector_payload(payload)
            if typed is None:
                payload = _confirm(data, payload)
                if type(payload) is not dict:
                    raise ValueError(f"expected a JSON object, got {type(payload).__name__}")
        except Exception as exc:  # any decode failure (RecursionError too) is a malformed frame
            self._unparsable(frame, exc)
            return None
        if typed is None:
            return self.payload(payload, event_id)
        # What ``payload()`` returns for this object, without routing it again.
        return _new(
            Delivery,
            (
                "actions" if type(typed) is ActionsPayload else "summary",
                typed,
                payload,
                _new(EventRef, (event_id, self._resumed_after)),
                self._progress.accept(event_id),
            ),
        )

    def _unparsable(self, frame: Frame, exc: BaseException) -> None:
        data = frame.data
        size = len(data.encode("utf-8", "surrogatepass"))
        extra = {"event_id": frame.id, "size": size, **self._extra}
        self.logger.warning(
            "could not parse event data: %d bytes, event id %.64r (%s)", size, frame.id, type(exc).__name__, extra=extra
        )
        self.logger.debug("unparsable event data: %s", data[:200], exc_info=exc, extra=extra)

    def payload(self, payload: dict[str, Any], event_id: str | None = None) -> Delivery | None:
        """Route one decoded JSON object and build its typed payload; log and skip a misfit.

        With ``event_id`` (the SSE id of a frame read from the stream), the delivery carries its
        :class:`EventRef` and joins the handled-order.
        """
        kind = payload.get("type")
        parser = _PARSERS.get(kind) if type(kind) is str else None
        if parser is None or kind is None:
            self.logger.debug("unknown event type: %s", kind, extra={"event_type": kind, **self._extra})
            return None
        try:
            typed = parser(payload)
        except Exception as exc:
            self.logger.error(
                "failed to deserialize event_type=%s — skipping: %s",
                kind,
                exc,
                exc_info=exc,
                extra={"event_type": kind, **self._extra},
            )
            return None
        if event_id is None:
            return Delivery(kind, typed, payload)
        ref = _new(EventRef, (event_id, self._resumed_after))
        return _new(Delivery, (kind, typed, payload, ref, self._progress.accept(event_id)))

    # -- callbacks ------------------------------------------------------------------------

    def call(self, delivery: Delivery, cb: Callable[[Any], Any]) -> Any:
        """Run ``cb(payload)`` with ``delivery`` current; log and contain its exception (``None``)."""
        token = _CURRENT.set(delivery)
        try:
            return cb(delivery.payload)
        except Exception as exc:
            self.callback_failed(delivery.kind, delivery.payload, exc)
            return None
        finally:
            _CURRENT.reset(token)

    def handled(self, delivery: Delivery) -> None:
        """Count ``delivery`` as handled (its callback finished, or it needs none)."""
        mark = delivery.mark
        if mark is not None:
            self._progress.finish(mark)

    # -- deliveries that did not reach a callback --------------------------------------------

    def callback_failed(self, kind: str, typed: Any, exc: BaseException) -> None:
        session = getattr(typed, "session_id", None) or NO_SESSION
        self.logger.error(
            "callback raised an error for event_type=%s session=%s: %s",
            kind,
            session,
            exc,
            exc_info=exc,
            extra={
                "event_type": kind,
                "session_id": session,
                "product_id": getattr(typed, "product_id", None),
                **self._extra,
            },
        )
        _forward_error(
            "Stream callback failed",
            exc,
            event_type=kind,
            session_id=session,
            product_id=getattr(typed, "product_id", None),
        )

    def drop(self, delivery: Delivery, reason: str = "queue_full", *, log: bool = True) -> int:
        """Count, log and report one dropped payload; return the total dropped so far.

        A payload dropped while running counts as handled (it was reported); one left at the
        drain timeout does not, so a resume from ``last_handled_event_id`` reads it again.
        """
        raw = delivery.raw
        session_id = raw.get("session_id")
        product_id = raw.get("product_id")
        event = delivery.event
        extra = {"event_type": delivery.kind, "session_id": session_id, "product_id": product_id, **self._extra}
        total = self.drops.drop(
            reason,
            event_type=delivery.kind,
            session_id=session_id,
            product_id=product_id,
            subject=dict(raw),
            event_id=event.id if event is not None else "",
            log=(
                (
                    logging.WARNING,
                    "queue full — dropping event (type=%s, session=%s, total_dropped=%d)",
                    (delivery.kind, session_id, TOTAL),
                )
                if log
                else None
            ),
            extra=extra,
        )
        if reason != "drain_timeout":
            self.handled(delivery)
        return total

    def undelivered(self, deliveries: list[Delivery], drain_timeout_s: float) -> None:
        """Count payloads still undelivered when ``drain_timeout_s`` ran out as dropped."""
        if not deliveries:
            return
        for delivery in deliveries:
            self.drop(delivery, "drain_timeout", log=False)
        self.logger.warning(
            "drain_timeout_s=%g reached — %d accepted payload(s) undelivered, counted as dropped",
            drain_timeout_s,
            len(deliveries),
            extra={"dropped": len(deliveries), **self._extra},
        )


def _describe(exc: BaseException, url: str | None = None) -> str:
    return describe_error(exc, url)
