"""The sans-IO streaming core shared by ``ConnectorClient`` and ``AsyncConnectorClient``.

Nothing here opens a socket, starts a thread, sleeps or awaits.  The two clients are thin
drivers: they connect, move bytes from the response into :class:`FrameDecoder`, hand frames to
:meth:`StreamCore.route`, and sleep for as long as :meth:`StreamCore.next_delay` says.  Every
decision — which statuses are fatal, how long to back off, when to give up, which frames are
payloads, what gets logged — is made here, once, for both.

Decisions where the published contract is silent:

* Frames are decoded from the raw response bytes by :class:`FrameDecoder`, a frame at a time
  (httpx-sse's ``iter_sse`` decodes text with replacement characters, which would hide
  invalid UTF-8, and costs several times more per event).  httpx-sse still opens the stream
  (``connect_sse``), serves test doubles (``iter_sse``) and is the oracle of a differential
  test.  A frame with invalid UTF-8, or longer than ``max_frame_bytes``, is logged and skipped
  without buffering the rest of it; its ``id:`` still counts, so a resume does not ask for it
  again.
* A frame with empty ``data`` (an ``id:``- or ``retry:``-only frame, or a keep-alive under
  another event name) is skipped silently, like a heartbeat.
* JSON that is not an object is logged like unparseable data and skipped (the reference
  crashed the reader on it).
* ``retry: <ms>`` from the server becomes the base of the next reconnect delay; consecutive
  failures still double it up to ``max_backoff_s``.
* URLs are logged with any userinfo and query string redacted.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import httpx
from httpx_sse import SSEError

from autoplay_sdk.core.exceptions import SdkUpstreamError
from autoplay_sdk.core.metrics import _safe_call
from autoplay_sdk.core.models import ActionsPayload, AnyPayload, SummaryPayload

FATAL_STATUSES = frozenset({401, 403, 404})
# ``json.loads`` minus its two whitespace regex passes; ``route`` falls back to it when needed.
_scan_json = json.JSONDecoder().raw_decode
DEFAULT_MAX_FRAME_BYTES = 1 << 20
HEARTBEAT = "heartbeat"
NO_SESSION = "_nosession"

_PARSERS: dict[str, Callable[[Mapping[str, Any]], AnyPayload]] = {
    "actions": ActionsPayload.from_dict,
    "summary": SummaryPayload.from_dict,
}

Uniform = Callable[[float, float], float]
DropCallback = Callable[[dict[str, Any], int], Any]


# --------------------------------------------------------------------------- configuration


def check_positive(name: str, value: float) -> None:
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")


def check_at_least_one(name: str, value: int) -> None:
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r}")


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with jitter, and the fatal-or-retry decision.

    Immutable; the mutable part (current backoff, attempt count) lives in :class:`StreamCore`.
    ``jitter_ratio`` adds ``uniform(0, base * jitter_ratio)`` to each delay.
    """

    initial_backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    max_retries: int | None = None
    jitter_ratio: float = 0.1
    fatal_statuses: frozenset[int] = FATAL_STATUSES

    @classmethod
    def validated(cls, initial_backoff_s: float, max_backoff_s: float, max_retries: int | None) -> RetryPolicy:
        """Build from client arguments, raising the published ``ValueError`` messages."""
        check_positive("initial_backoff_s", initial_backoff_s)
        if max_backoff_s < initial_backoff_s:
            raise ValueError("max_backoff_s must be >= initial_backoff_s")
        if max_retries is not None and max_retries < 0:
            raise ValueError(f"max_retries must be >= 0 or None, got {max_retries!r}")
        return cls(initial_backoff_s, max_backoff_s, max_retries)

    def is_fatal(self, status: int) -> bool:
        return status in self.fatal_statuses

    def exhausted(self, retry_count: int) -> bool:
        return self.max_retries is not None and retry_count > self.max_retries

    def grow(self, base: float) -> float:
        return min(base * 2, self.max_backoff_s)

    def jittered(self, base: float, uniform: Uniform) -> float:
        return base + uniform(0, base * self.jitter_ratio)


def redact_url(url: str) -> str:
    """``url`` without userinfo, and with any query string replaced by ``?<redacted>``."""
    try:
        parsed = httpx.URL(url)
    except Exception:
        return "<unparseable url>"
    if parsed.userinfo:
        parsed = parsed.copy_with(username=None, password=None)
    text = str(parsed.copy_with(query=None)) if parsed.query else str(parsed)
    return text + "?<redacted>" if parsed.query else text


# --------------------------------------------------------------------------- frames


class Frame(NamedTuple):
    """One decoded SSE event (the same four fields as ``httpx_sse.ServerSentEvent``)."""

    event: str
    data: str
    id: str
    retry: int | None


class FrameDecoder:
    """Incremental SSE decoding from raw bytes to :class:`Frame`\\ s.

    Field semantics are httpx-sse's ``SSEDecoder`` (which itself follows the WHATWG rules):
    ``field: value`` with one optional space, ``:`` comments, ``event`` defaulting to
    ``message``, multi-line ``data`` joined with ``\\n``, an ``id`` that persists across events
    and ignores values with NUL, an integer ``retry``.  A differential test holds the two to
    the same output.  The difference is the unit of work: a whole frame at a time, one strict
    UTF-8 decode per frame, no per-line method calls — about a fifth of the per-event cost,
    which is what lets the clients keep up with a bare httpx-sse loop while doing more.

    A frame that is not valid UTF-8, or longer than ``max_frame_bytes``, is logged and skipped
    without buffering the rest of it; its ``id:`` still counts.
    """

    __slots__ = ("_discarding", "_last_id", "_logger", "_max", "_partial")

    def __init__(self, max_frame_bytes: int, logger: logging.Logger) -> None:
        self._max = max_frame_bytes
        self._logger = logger
        self._partial = b""
        self._last_id = ""
        self._discarding = False  # inside an oversized frame whose start was thrown away

    def feed(self, chunk: bytes) -> list[Frame]:
        """Decode ``chunk``; return the complete, valid frames it finishes."""
        data = self._partial + chunk if self._partial else chunk
        if self._discarding or b"\r" in data:
            data = self._prelude(data)
            if self._discarding:  # still inside the oversized frame
                self._partial = data
                return []
        if data[-2:] == b"\n\n":  # the usual case: the chunk ends on a frame boundary
            self._partial = b""
            body = data[:-2]
            # The connector's own shape, "id: <n>" then one "data: " line, decodes without a split.
            if body[:4] == b"id: ":
                nl = body.find(b"\n")
                if nl > 0 and body[nl + 1 : nl + 7] == b"data: " and body.find(b"\n", nl + 1) < 0:
                    frame = self._block(body, nl)
                    return [] if frame is None else [frame]
        else:
            end = data.rfind(b"\n\n")
            if end < 0:
                self._partial = data
                self._check_partial()
                return []
            self._partial = data[end + 2 :]
            self._check_partial()
            body = data[:end]
        out: list[Frame] = []
        for block in body.split(b"\n\n"):
            frame = self._block(block)
            if frame is not None:
                out.append(frame)
        return out

    def _prelude(self, data: bytes) -> bytes:
        if b"\r" in data:
            data = _normalise_newlines(data)
        if self._discarding:
            cut = data.find(b"\n\n")
            if cut < 0:
                return data[-1:]  # may be the first half of the terminator; nothing else kept
            self._discarding = False
            self._skipped("over max_frame_bytes")
            data = data[cut + 2 :]
        return data

    def _block(self, block: bytes, nl: int = -1) -> Frame | None:
        """One frame's bytes; ``nl`` > 0 says it is exactly ``id: <n>\\ndata: <...>``."""
        if len(block) > self._max:
            self._skip_block(block, "over max_frame_bytes")
            return None
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError:
            self._skip_block(block, "invalid UTF-8")
            return None
        if nl < 0:
            return self._parse(text)
        nl = text.find("\n")  # a character offset now (the id may not be ASCII)
        event_id = text[4:nl]
        if "\0" not in event_id:
            self._last_id = event_id
        return Frame("message", text[nl + 7 :], self._last_id, None)

    def _parse(self, text: str) -> Frame | None:
        event = ""
        data: list[str] = []
        retry: int | None = None
        for line in text.split("\n"):
            name, _, value = line.partition(":")
            if value[:1] == " ":
                value = value[1:]
            if name == "data":
                data.append(value)
            elif name == "id":
                if "\0" not in value:
                    self._last_id = value
            elif name == "event":
                event = value
            elif name == "retry":
                with contextlib.suppress(ValueError):  # httpx-sse ignores a non-integer retry too
                    retry = int(value)
            # "" is a comment (or a blank line between frames); other names are ignored
        if not event and not data and not self._last_id and retry is None:
            return None
        return Frame(event or "message", "\n".join(data), self._last_id, retry)

    def _check_partial(self) -> None:
        if len(self._partial) > self._max:
            self._note_id(self._partial)
            self._partial = b""
            self._discarding = True

    def _skip_block(self, block: bytes, why: str) -> None:
        self._note_id(block)
        self._skipped(why)

    def _note_id(self, raw: bytes) -> None:
        # A skipped frame's id still advances the resume point, so a reconnect skips it too.
        for line in raw.split(b"\n"):
            if line.startswith(b"id:"):
                value = line[3:].removeprefix(b" ")
                if b"\0" not in value:
                    self._last_id = value.decode("utf-8", "replace")

    def _skipped(self, why: str) -> None:
        self._logger.warning("skipping SSE frame (%s, max_frame_bytes=%d, id=%s)", why, self._max, self._last_id)


def _normalise_newlines(data: bytes) -> bytes:
    # A trailing CR may be the first half of CRLF: keep it for the next chunk.
    keep_cr = data.endswith(b"\r")
    if keep_cr:
        data = data[:-1]
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data + b"\r" if keep_cr else data


# --------------------------------------------------------------------------- the core


class StreamCore:
    """Per-client state and decisions of one SSE subscription (one per client instance)."""

    def __init__(
        self,
        *,
        url: str,
        token: str,
        policy: RetryPolicy,
        logger: logging.Logger,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
        metrics: Any = None,
    ) -> None:
        check_at_least_one("max_frame_bytes", max_frame_bytes)
        self.url = url
        self.safe_url = redact_url(url)
        self.policy = policy
        self.logger = logger
        self.max_frame_bytes = max_frame_bytes
        self.metrics = metrics
        self._auth = {"Authorization": f"Bearer {token}"} if token else {}
        self._extra = {"url": self.safe_url}
        self.backoff = policy.initial_backoff_s
        self.retry_count = 0
        self.last_event_id = ""
        self.server_retry_s: float | None = None
        self.dropped = 0
        self.on_drop: DropCallback | None = None

    # -- connection lifecycle -------------------------------------------------------------

    def request_headers(self) -> dict[str, str]:
        """Headers for the next attempt: the bearer token and, on a resume, ``Last-Event-ID``."""
        headers = dict(self._auth)
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        return headers

    def connecting(self) -> None:
        self.logger.info("connecting to %s", self.safe_url, extra=self._extra)

    def accept(self, source: Any) -> httpx.Response | None:
        """Check a freshly opened event source; mark the connection good.

        Raises ``httpx.HTTPStatusError`` for a non-2xx status — before any body is read — and
        ``httpx_sse.SSEError`` for a wrong content type.  Returns the real ``httpx.Response``
        to read bytes from, or ``None`` for a test double that only offers ``iter_sse()``.
        """
        response = getattr(source, "response", None)
        if not isinstance(response, httpx.Response):
            response = None
        else:
            if not response.is_success:
                raise httpx.HTTPStatusError(
                    f"connector answered HTTP {response.status_code}",
                    request=response.request,
                    response=response,
                )
            ctype = response.headers.get("content-type", "").partition(";")[0]
            if "text/event-stream" not in ctype:
                raise SSEError(f"Expected response header Content-Type to contain 'text/event-stream', got {ctype!r}")
        self.logger.info("connected", extra=self._extra)
        self.backoff = self.server_retry_s or self.policy.initial_backoff_s
        self.retry_count = 0
        return response

    def decoder(self) -> FrameDecoder:
        return FrameDecoder(self.max_frame_bytes, self.logger)

    def failed(self, exc: BaseException) -> None:
        """Account for a failed attempt; re-raise ``exc`` when its status is fatal."""
        if isinstance(exc, httpx.HTTPStatusError):
            status = exc.response.status_code
            if self.policy.is_fatal(status):
                self.logger.error(
                    "fatal HTTP %d — check URL and token",
                    status,
                    exc_info=exc,
                    extra={"http_status": status, **self._extra},
                )
                raise exc
            self.retry_count += 1
            self.logger.warning(
                "HTTP %d — retrying in %.0fs (attempt %d)",
                status,
                self.backoff,
                self.retry_count,
                extra={"http_status": status, "retry_count": self.retry_count, **self._extra},
            )
            return
        self.retry_count += 1
        self.logger.warning(
            "connection lost (%s) — retrying in %.0fs (attempt %d)",
            _describe(exc),
            self.backoff,
            self.retry_count,
            extra={"retry_count": self.retry_count, **self._extra},
        )

    def next_delay(self, uniform: Uniform) -> float:
        """The delay before the next attempt; raises ``SdkUpstreamError`` once retries are spent."""
        policy = self.policy
        if policy.exhausted(self.retry_count):
            self.logger.critical(
                "max_retries=%d exhausted — giving up",
                policy.max_retries,
                extra={"retry_count": self.retry_count, **self._extra},
            )
            raise SdkUpstreamError(
                f"autoplay_sdk: max_retries={policy.max_retries} exhausted after {self.retry_count} attempts"
            )
        delay = policy.jittered(self.backoff, uniform)
        self.backoff = policy.grow(self.backoff)
        return delay

    def lifecycle_failed(self, name: str, exc: BaseException) -> None:
        self.logger.error("%s callback raised: %s", name, exc, exc_info=exc, extra=self._extra)

    def stopped(self, how: str | None = None) -> None:
        if how is not None:
            self.logger.info(how, extra=self._extra)
        self.logger.info("stopped", extra=self._extra)

    # -- frames ---------------------------------------------------------------------------

    def route(self, sse: Any) -> tuple[str, dict[str, Any]] | None:
        """Turn one frame into ``(event_type, payload_dict)``, or ``None`` to skip it."""
        sse_id = getattr(sse, "id", "")
        if sse_id:
            self.last_event_id = sse_id
        retry = getattr(sse, "retry", None)
        if retry is not None and retry >= 0:
            self.server_retry_s = min(retry / 1000.0, self.policy.max_backoff_s) or None
            if self.server_retry_s is not None:
                self.backoff = self.server_retry_s
        if sse.event == HEARTBEAT:
            return None
        data = sse.data
        if not data:
            return None
        if len(data) > self.max_frame_bytes:  # frames from an ``iter_sse()`` test double
            self.logger.warning("skipping SSE frame (over max_frame_bytes=%d)", self.max_frame_bytes)
            return None
        try:
            try:
                payload, end = _scan_json(data)
            except ValueError:
                end = -1
            if end != len(data):  # surrounding whitespace or trailing junk: let the strict path decide
                payload = json.loads(data)
            if not isinstance(payload, dict):
                raise ValueError(f"expected a JSON object, got {type(payload).__name__}")
        except ValueError as exc:
            self.logger.warning("could not parse event data: %s", data[:200], exc_info=exc, extra=self._extra)
            return None
        event_type = payload.get("type")
        if event_type != "actions" and event_type != "summary":
            self.logger.debug("unknown event type: %s", event_type, extra={"event_type": event_type, **self._extra})
            return None
        return event_type, payload

    def parse(self, event_type: str, payload: Mapping[str, Any]) -> AnyPayload | None:
        """Build the typed payload; log and return ``None`` if the dict does not fit."""
        try:
            return _PARSERS[event_type](payload)
        except Exception as exc:
            self.logger.error(
                "failed to deserialize event_type=%s — skipping: %s",
                event_type,
                exc,
                exc_info=exc,
                extra={"event_type": event_type, **self._extra},
            )
            return None

    def callback_failed(self, event_type: str, typed: Any, exc: BaseException) -> None:
        session = getattr(typed, "session_id", None) or NO_SESSION
        self.logger.error(
            "callback raised an error for event_type=%s session=%s: %s",
            event_type,
            session,
            exc,
            exc_info=exc,
            extra={
                "event_type": event_type,
                "session_id": session,
                "product_id": getattr(typed, "product_id", None),
                **self._extra,
            },
        )

    def drop(self, event_type: str, payload: Mapping[str, Any]) -> int:
        """Count, log and report one dropped payload; return the total dropped so far."""
        self.dropped += 1
        total = self.dropped
        session_id = payload.get("session_id")
        product_id = payload.get("product_id")
        extra = {"event_type": event_type, "session_id": session_id, "product_id": product_id, **self._extra}
        self.logger.warning(
            "queue full — dropping event (type=%s, session=%s, total_dropped=%d)",
            event_type,
            session_id,
            total,
            extra=extra,
        )
        _safe_call(
            self.metrics,
            "record_event_dropped",
            reason="queue_full",
            event_type=event_type,
            session_id=session_id,
            product_id=product_id,
        )
        on_drop = self.on_drop
        if on_drop is not None:
            try:
                on_drop(dict(payload), total)
            except Exception as exc:
                self.logger.error("on_drop callback raised: %s", exc, exc_info=exc, extra=extra)
        return total


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
